/**
 * Named errors of the PKCS#11 layer.
 *
 * Every failing `C_*` call becomes a `Pkcs11CallError` (or a subclass) carrying the function, the
 * numeric CKR_* code and its name, so logs and tests never parse messages. PIN failures carry the
 * token's PIN state as read right after the failure.
 */
import pkcs11js from 'pkcs11js';

/** CKR_* code -> name, built from pkcs11js's own constant table. */
const CKR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(pkcs11js)
    .filter(([name, value]) => name.startsWith('CKR_') && typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
);

export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `CKR_0x${code.toString(16).padStart(8, '0')}`;
}

/** The token's user-PIN flags (CKF_USER_PIN_*), as reported by C_GetTokenInfo. */
export interface PinState {
  readonly countLow: boolean;
  readonly finalTry: boolean;
  readonly locked: boolean;
  readonly toBeChanged: boolean;
}

export class HsmError extends Error {
  override readonly name: string = 'HsmError';
}

/** A `C_*` call returned something other than CKR_OK. */
export class Pkcs11CallError extends HsmError {
  override readonly name: string = 'Pkcs11CallError';
  constructor(
    /** The PKCS#11 function, e.g. `C_Login`. */
    readonly method: string,
    /** The CKR_* value. */
    readonly code: number,
    message?: string,
  ) {
    super(message ?? `${method} failed: ${ckrName(code)}`);
  }
  get ckr(): string {
    return ckrName(this.code);
  }
}

/** CKR_PIN_INCORRECT: the PIN was wrong. `pinState` says how close the token is to locking. */
export class PinIncorrectError extends Pkcs11CallError {
  override readonly name = 'PinIncorrectError';
  constructor(
    method: string,
    code: number,
    readonly tokenLabel: string,
    readonly pinState: PinState,
  ) {
    super(
      method,
      code,
      `wrong PIN for token "${tokenLabel}"` +
        (pinState.finalTry ? ': the next wrong PIN locks it' : pinState.countLow ? ': PIN count is low' : ''),
    );
  }
}

/** CKR_PIN_LOCKED, or the token reports its user PIN locked before we try. */
export class PinLockedError extends Pkcs11CallError {
  override readonly name = 'PinLockedError';
  constructor(
    method: string,
    code: number,
    readonly tokenLabel: string,
  ) {
    super(
      method,
      code,
      `the user PIN of token "${tokenLabel}" is locked; the security officer must reset it`,
    );
  }
}

/** CKR_PIN_LEN_RANGE / CKR_PIN_INVALID: the PIN's form is wrong (length, characters). */
export class PinFormatError extends Pkcs11CallError {
  override readonly name = 'PinFormatError';
}

/** CKR_ATTRIBUTE_SENSITIVE: the token refused to reveal a sensitive attribute (what we want for private keys). */
export class AttributeSensitiveError extends Pkcs11CallError {
  override readonly name = 'AttributeSensitiveError';
}

/** CKR_MECHANISM_INVALID / CKR_KEY_TYPE_INCONSISTENT and friends: the module cannot do what was asked. */
export class MechanismUnsupportedError extends Pkcs11CallError {
  override readonly name = 'MechanismUnsupportedError';
}

/** The token went away (CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID...). */
export class TokenGoneError extends Pkcs11CallError {
  override readonly name = 'TokenGoneError';
}

const CLASS_BY_CKR: ReadonlyMap<string, new (method: string, code: number) => Pkcs11CallError> = new Map<
  string,
  new (
    method: string,
    code: number,
  ) => Pkcs11CallError
>([
  ['CKR_PIN_LEN_RANGE', PinFormatError],
  ['CKR_PIN_INVALID', PinFormatError],
  ['CKR_ATTRIBUTE_SENSITIVE', AttributeSensitiveError],
  ['CKR_MECHANISM_INVALID', MechanismUnsupportedError],
  ['CKR_MECHANISM_PARAM_INVALID', MechanismUnsupportedError],
  ['CKR_KEY_TYPE_INCONSISTENT', MechanismUnsupportedError],
  ['CKR_KEY_FUNCTION_NOT_PERMITTED', MechanismUnsupportedError],
  ['CKR_DEVICE_REMOVED', TokenGoneError],
  ['CKR_TOKEN_NOT_PRESENT', TokenGoneError],
  ['CKR_TOKEN_NOT_RECOGNIZED', TokenGoneError],
  ['CKR_SESSION_HANDLE_INVALID', TokenGoneError],
  ['CKR_SESSION_CLOSED', TokenGoneError],
]);

/** Turn whatever pkcs11js threw into a named error (PIN errors are built by the session, which knows the token). */
export function toPkcs11Error(err: unknown, fallbackMethod: string): HsmError {
  if (err instanceof HsmError) return err;
  if (err instanceof pkcs11js.Pkcs11Error) {
    const method = err.method || fallbackMethod;
    const Ctor = CLASS_BY_CKR.get(ckrName(err.code)) ?? Pkcs11CallError;
    return new Ctor(method, err.code);
  }
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = new Pkcs11CallError(fallbackMethod, -1, `${fallbackMethod} failed: ${message}`);
  wrapped.cause = err;
  return wrapped;
}

/** No token carries the requested label. */
export class TokenNotFoundError extends HsmError {
  override readonly name = 'TokenNotFoundError';
  constructor(
    readonly tokenLabel: string,
    readonly available: readonly string[],
  ) {
    super(
      `no token labelled "${tokenLabel}" on this module (tokens: ${available.length ? available.map((l) => `"${l}"`).join(', ') : 'none'})`,
    );
  }
}

/** No key with that label or id on the token. */
export class KeyNotFoundError extends HsmError {
  override readonly name = 'KeyNotFoundError';
  constructor(readonly selector: string) {
    super(`no key ${selector} on the token`);
  }
}

/** Key generation refused: the label is taken. */
export class DuplicateLabelError extends HsmError {
  override readonly name = 'DuplicateLabelError';
  constructor(readonly label: string) {
    super(`a key labelled "${label}" already exists on the token; labels are unique`);
  }
}

/** A second operation was started on a session while one is in flight. */
export class SessionBusyError extends HsmError {
  override readonly name = 'SessionBusyError';
  constructor() {
    super('this PKCS#11 session already has an operation in flight; one operation per session');
  }
}

/** The session was used after close(). */
export class SessionClosedError extends HsmError {
  override readonly name = 'SessionClosedError';
  constructor() {
    super('the PKCS#11 session is closed');
  }
}

/** The token returned a signature that does not verify against the key's public half: nothing is exported. */
export class SignatureCheckError extends HsmError {
  override readonly name: string = 'SignatureCheckError';
}

/** A key's attributes or encoding are not what Airlock generates (e.g. unknown curve, wrong point length). */
export class KeyFormatError extends HsmError {
  override readonly name = 'KeyFormatError';
}

/**
 * A valid signature whose R has x >= n (recovery id 2 or 3, probability about 2^-128). Ethereum's
 * yParity cannot express it, so the token is asked to sign again rather than exporting it.
 */
export class RecoveryIdOverflowError extends SignatureCheckError {
  override readonly name = 'RecoveryIdOverflowError';
}
