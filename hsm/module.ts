/**
 * A loaded PKCS#11 module (the vendor's shared library): the top of module → slot/token → session → key.
 *
 * One `Pkcs11Module` per library path per process: C_Initialize may be called only once per
 * process and library, so `Pkcs11Module.open()` hands out the same instance until `finalize()`.
 */
import pkcs11js from 'pkcs11js';
import { DEFAULT_PKCS11_MODULE } from './constants.js';
import { HsmError, Pkcs11CallError, TokenNotFoundError, toPkcs11Error } from './errors.js';
import { Token } from './token.js';

export interface ModuleInfo {
  readonly path: string;
  readonly manufacturer: string;
  readonly description: string;
  readonly libraryVersion: string;
  readonly cryptokiVersion: string;
}

const openModules = new Map<string, Pkcs11Module>();

/** Module path from `AIRLOCK_PKCS11_MODULE`, else Debian's SoftHSM2. */
export function configuredModulePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AIRLOCK_PKCS11_MODULE?.trim() || DEFAULT_PKCS11_MODULE;
}

export class Pkcs11Module {
  private finalized = false;

  private constructor(
    readonly path: string,
    /** The raw binding. Only hsm/ and the benchmark's bare baseline touch it. */
    readonly raw: pkcs11js.PKCS11,
  ) {}

  /** Load and initialise the library at `path` (once per process). */
  static open(path: string = configuredModulePath()): Pkcs11Module {
    const existing = openModules.get(path);
    if (existing) return existing;
    const raw = new pkcs11js.PKCS11();
    try {
      raw.load(path);
    } catch (err) {
      throw new HsmError(`cannot load PKCS#11 module "${path}": ${(err as Error).message}`);
    }
    try {
      raw.C_Initialize();
    } catch (err) {
      const mapped = toPkcs11Error(err, 'C_Initialize');
      if (!(mapped instanceof Pkcs11CallError) || mapped.ckr !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED')
        throw mapped;
    }
    const module = new Pkcs11Module(path, raw);
    openModules.set(path, module);
    return module;
  }

  info(): ModuleInfo {
    const info = this.call('C_GetInfo', () => this.raw.C_GetInfo());
    return {
      path: this.path,
      manufacturer: info.manufacturerID.trim(),
      description: info.libraryDescription.trim(),
      libraryVersion: `${info.libraryVersion.major}.${info.libraryVersion.minor}`,
      cryptokiVersion: `${info.cryptokiVersion.major}.${info.cryptokiVersion.minor}`,
    };
  }

  /** Every slot with a token present. */
  tokens(): Token[] {
    const slots = this.call('C_GetSlotList', () => this.raw.C_GetSlotList(true));
    return slots.map((slot) => new Token(this, slot));
  }

  /** The initialised token carrying `label`; TokenNotFoundError lists the labels there are. */
  token(label: string): Token {
    const tokens = this.tokens();
    const found = tokens.find((t) => t.info().label === label);
    if (!found) {
      throw new TokenNotFoundError(
        label,
        tokens.map((t) => t.info().label).filter((l) => l.length > 0),
      );
    }
    return found;
  }

  /** C_Finalize. Sessions still open are closed by the library. */
  finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    openModules.delete(this.path);
    try {
      this.raw.C_Finalize();
    } finally {
      this.raw.close();
    }
  }

  /** Run one `C_*` call, mapping its failure to a named error. */
  call<T>(method: string, fn: () => T): T {
    if (this.finalized) throw new HsmError(`PKCS#11 module "${this.path}" was finalized`);
    try {
      return fn();
    } catch (err) {
      throw toPkcs11Error(err, method);
    }
  }
}
