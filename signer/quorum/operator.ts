/**
 * An enrolled operator, as the verification core sees it: the public halves of the two factors of an
 * approval. The smartcard key is an Ed25519 key generated non-extractable on the operator's PKCS#11
 * token (behind the operator's PIN); the WebAuthn credential is ES256 (P-256) with user verification.
 *
 * Enrolment (issue 4 item 1) produces these records; this module only checks their shape.
 */

export type OperatorRole = 'operator' | 'admin';

export interface WebAuthnCredential {
  /** The credential id, base64url without padding, as the authenticator returned it. */
  readonly credentialId: string;
  /** The credential's P-256 public key, uncompressed SEC1 (0x04 ‖ x ‖ y): 65 bytes. */
  readonly publicKey: Uint8Array;
  /** The relying party id the credential is scoped to. */
  readonly rpId: string;
  /** The last signature counter seen from the authenticator (0 at enrolment). */
  readonly signCount: number;
}

export interface Operator {
  readonly id: string;
  readonly role: OperatorRole;
  /** Ed25519 public key of the operator's smartcard: 32 bytes. */
  readonly cardPublicKey: Uint8Array;
  readonly webauthn: WebAuthnCredential;
}

/** Programming-error checks of an enrolled record (the registry parser refuses bad input earlier). */
export function assertOperator(operator: Operator): void {
  if (typeof operator.id !== 'string' || operator.id.length === 0)
    throw new TypeError('"operator.id" expected a non-empty string');
  if (operator.role !== 'operator' && operator.role !== 'admin')
    throw new TypeError(`"operator.role" expected operator or admin, got ${String(operator.role)}`);
  if (!(operator.cardPublicKey instanceof Uint8Array) || operator.cardPublicKey.length !== 32)
    throw new TypeError(`"operator.cardPublicKey" of ${operator.id} expected 32 bytes (Ed25519)`);
  const w = operator.webauthn;
  if (!(w.publicKey instanceof Uint8Array) || w.publicKey.length !== 65 || w.publicKey[0] !== 0x04)
    throw new TypeError(
      `"operator.webauthn.publicKey" of ${operator.id} expected 65 bytes (uncompressed P-256)`,
    );
  if (typeof w.credentialId !== 'string' || w.credentialId.length === 0)
    throw new TypeError(`"operator.webauthn.credentialId" of ${operator.id} expected a non-empty string`);
  if (typeof w.rpId !== 'string' || w.rpId.length === 0)
    throw new TypeError(`"operator.webauthn.rpId" of ${operator.id} expected a non-empty string`);
  if (!Number.isSafeInteger(w.signCount) || w.signCount < 0 || w.signCount > 0xffffffff)
    throw new RangeError(
      `"operator.webauthn.signCount" of ${operator.id} expected a 32-bit unsigned integer`,
    );
}
