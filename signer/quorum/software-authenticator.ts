/**
 * SOFTWARE AUTHENTICATOR: FOR TESTS AND THE DEMO ONLY. It holds its P-256 key in process memory and
 * verifies no user: it only *claims* user verification in its flags. An appliance in service uses a
 * platform authenticator or security key; nothing on the signing path may construct this class.
 *
 * It produces the same bytes a platform authenticator and browser would for `navigator.credentials.get`
 * (https://www.w3.org/TR/webauthn-3/#sctn-op-get-assertion), so the verifier is tested against real
 * structures: authenticator data `SHA-256(rpId) ‖ flags ‖ signCount (u32 big-endian)`; clientDataJSON
 * `{"type":"webauthn.get","challenge":…,"origin":…,"crossOrigin":false}` in the browser's member
 * order; an ES256 signature (ASN.1 DER) over `authenticatorData ‖ SHA-256(clientDataJSON)`.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import type { WebAuthnCredential } from './operator.js';
import { FLAG_UP, FLAG_UV, type WebAuthnAssertion } from './webauthn.js';

export interface SoftwareAuthenticatorOptions {
  readonly rpId: string;
  readonly origin: string;
  /** P-256 secret key (32 bytes); random when absent. */
  readonly secretKey?: Uint8Array;
  /** Credential id bytes; 16 random bytes when absent. */
  readonly credentialId?: Uint8Array;
  /** Authenticators without a counter (some passkey providers) always send 0. Default true. */
  readonly keepsCounter?: boolean;
}

export interface AssertionOptions {
  /** Set the UV flag, as after a fingerprint or face match. Default true. */
  readonly userVerified?: boolean;
  /** Sign for another origin or rpId than the authenticator's own (to test refusals). */
  readonly origin?: string;
  readonly rpId?: string;
  /** clientData type; a browser writes `webauthn.get` for assertions. */
  readonly type?: string;
  /** Send this counter instead of the next one (to test replays). */
  readonly signCount?: number;
}

const encoder = new TextEncoder();

export class SoftwareAuthenticatorForTestsAndDemo {
  readonly rpId: string;
  readonly origin: string;
  readonly credentialId: string;
  /** Uncompressed SEC1 P-256 public key: 65 bytes. */
  readonly publicKey: Uint8Array;
  readonly #secretKey: Uint8Array;
  readonly #keepsCounter: boolean;
  #counter = 0;

  constructor(options: SoftwareAuthenticatorOptions) {
    if (typeof options.rpId !== 'string' || options.rpId.length === 0)
      throw new TypeError('"rpId" expected a non-empty string');
    if (typeof options.origin !== 'string' || options.origin.length === 0)
      throw new TypeError('"origin" expected a non-empty string');
    this.rpId = options.rpId;
    this.origin = options.origin;
    this.#secretKey = options.secretKey ?? p256.utils.randomSecretKey();
    this.publicKey = p256.getPublicKey(this.#secretKey, false);
    this.credentialId = base64urlnopad.encode(options.credentialId ?? randomBytes(16));
    this.#keepsCounter = options.keepsCounter ?? true;
  }

  /** The credential record enrolment would store for this authenticator. */
  credential(): WebAuthnCredential {
    return { credentialId: this.credentialId, publicKey: this.publicKey, rpId: this.rpId, signCount: 0 };
  }

  /** An assertion over `challenge` (the relying party's challenge bytes). */
  getAssertion(challenge: Uint8Array, options: AssertionOptions = {}): WebAuthnAssertion {
    if (!(challenge instanceof Uint8Array) || challenge.length === 0)
      throw new TypeError('"challenge" expected non-empty bytes');
    if (this.#keepsCounter) this.#counter += 1;
    const signCount = options.signCount ?? this.#counter;
    if (!Number.isSafeInteger(signCount) || signCount < 0 || signCount > 0xffffffff)
      throw new RangeError('"signCount" expected a 32-bit unsigned integer');

    const authenticatorData = new Uint8Array(37);
    authenticatorData.set(sha256(encoder.encode(options.rpId ?? this.rpId)), 0);
    authenticatorData[32] = FLAG_UP | ((options.userVerified ?? true) ? FLAG_UV : 0);
    new DataView(authenticatorData.buffer).setUint32(33, signCount, false);

    const clientDataJSON = encoder.encode(
      JSON.stringify({
        type: options.type ?? 'webauthn.get',
        challenge: base64urlnopad.encode(challenge),
        origin: options.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
    const signed = new Uint8Array(37 + 32);
    signed.set(authenticatorData, 0);
    signed.set(sha256(clientDataJSON), 37);
    const signature = p256.sign(signed, this.#secretKey, { format: 'der', prehash: true });
    return {
      credentialId: this.credentialId,
      authenticatorData: base64urlnopad.encode(authenticatorData),
      clientDataJSON: base64urlnopad.encode(clientDataJSON),
      signature: base64urlnopad.encode(signature),
    };
  }
}
