/**
 * The signing backend over hsm/: one logged-in session on the signing token, keys looked up by
 * label, ECDSA through the verifier pool, the appliance's Ed25519 key for results. Close it on
 * every path (`close()` logs out, closes the session and stops the pool).
 */
import {
  findKey,
  type Session,
  signDigests,
  signEd25519,
  type Token,
  type TokenKey,
  VerifierPool,
} from '../hsm/index.js';
import type { EcdsaSignature, SignatureScheme } from './chains/adapter.js';
import type { SigningBackend } from './sign-batch.js';

export class HsmSigningBackend implements SigningBackend {
  private readonly keys = new Map<string, TokenKey>();
  private readonly pool = new VerifierPool();
  private constructor(
    private readonly session: Session,
    readonly applianceKeyId: string,
  ) {}

  /** Log in to `token` with the user PIN and get ready to sign (throws PinIncorrectError etc.). */
  static open(token: Token, pin: string, applianceKeyId: string): HsmSigningBackend {
    const session = token.openSession();
    try {
      session.login(pin);
      const backend = new HsmSigningBackend(session, applianceKeyId);
      backend.key(applianceKeyId); // fail early if the appliance key is missing
      return backend;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  supports(scheme: SignatureScheme): boolean {
    // PKCS#11 offers CKM_ECDSA; no standard mechanism makes BIP-340 signatures (docs/hsm.md).
    return scheme === 'ecdsa-secp256k1';
  }

  publicKey(label: string): Uint8Array {
    return this.key(label).publicKey;
  }

  signEcdsa(label: string, publicKey: Uint8Array, digests: readonly Uint8Array[]): Promise<EcdsaSignature[]> {
    // Verify against the enrolled key the caller names (the pipeline checked it equals the token's).
    return signDigests(this.session, { ...this.key(label), publicKey }, digests, this.pool);
  }

  async signAppliance(digest: Uint8Array): Promise<Uint8Array> {
    return signEd25519(this.session, this.key(this.applianceKeyId), digest);
  }

  async close(): Promise<void> {
    try {
      await this.pool.close();
    } finally {
      this.session.close();
    }
  }

  private key(label: string): TokenKey {
    let key = this.keys.get(label);
    if (!key) {
      key = findKey(this.session, { label });
      this.keys.set(label, key);
    }
    return key;
  }
}
