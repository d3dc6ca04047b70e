/**
 * The biometric step of an approval or a freeze: the WebAuthn assertion over the challenge the
 * appliance handed out (`ChallengeView`), for exactly the operator's enrolled credential, with user
 * verification required. And the registration of a new operator's authenticator at the key ceremony
 * (`RegistrationOptionsView`): ES256 only, user verification required, no resident key, attestation
 * none, every enrolled credential excluded. The options and the wire forms of the answers are pure
 * functions (tested in node); `getAssertion` and `createRegistration` are the only calls into
 * `navigator.credentials`.
 *
 * Every failure becomes a RendererError `WEBAUTHN_FAILED` (cancelled, timed out, not allowed, no
 * such credential on this authenticator, an authenticator already enrolled) or
 * `WEBAUTHN_BAD_RESPONSE`, named for the operator.
 */
import {
  base64urlToBytes,
  bytesToBase64url,
  type ChallengeView,
  type RegistrationOptionsView,
  type WebAuthnAssertionWire,
  type WebAuthnRegistrationWire,
} from '../common/ipc-contract.js';
import { RendererError } from './errors.js';

export const WEBAUTHN_TIMEOUT_MS = 60_000;

export function requestOptions(challenge: ChallengeView): PublicKeyCredentialRequestOptions {
  return {
    challenge: base64urlToBytes(challenge.challenge) as Uint8Array<ArrayBuffer>,
    rpId: challenge.rpId,
    allowCredentials: [
      { type: 'public-key', id: base64urlToBytes(challenge.credentialId) as Uint8Array<ArrayBuffer> },
    ],
    userVerification: 'required',
    timeout: WEBAUTHN_TIMEOUT_MS,
  };
}

/** The part of a PublicKeyCredential with an AuthenticatorAssertionResponse this step reads. */
export interface AssertionLike {
  readonly rawId: ArrayBuffer;
  readonly response: {
    readonly authenticatorData?: ArrayBuffer;
    readonly clientDataJSON?: ArrayBuffer;
    readonly signature?: ArrayBuffer;
  };
}

function isBuffer(v: unknown): v is ArrayBuffer {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function bytesOf(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v);
}

/**
 * The credential id and the named members of a PublicKeyCredential's response, each base64url as the
 * contract carries them; a response without one of them is a RendererError naming what was expected.
 */
function responseToWire<K extends string>(
  credential: unknown,
  members: readonly K[],
  what: string,
): { credentialId: string } & Record<K, string> {
  const c = credential as { rawId?: unknown; response?: Record<string, unknown> } | null;
  const r = c?.response;
  if (
    c === null ||
    typeof c !== 'object' ||
    !isBuffer(c.rawId) ||
    !r ||
    !members.every((m) => isBuffer(r[m]))
  )
    throw new RendererError(
      'WEBAUTHN_BAD_RESPONSE',
      `the authenticator did not answer with ${what} (rawId, ${members.join(', ')})`,
    );
  const wire: Record<string, string> = { credentialId: bytesToBase64url(bytesOf(c.rawId)) };
  for (const m of members) wire[m] = bytesToBase64url(bytesOf(r[m] as ArrayBuffer));
  return wire as { credentialId: string } & Record<K, string>;
}

/** The assertion as the contract carries it: each member base64url, as WebAuthn hands it over. */
export function assertionToWire(credential: unknown): WebAuthnAssertionWire {
  return responseToWire(credential, ['authenticatorData', 'clientDataJSON', 'signature'], 'an assertion');
}

/** Words for a DOMException from navigator.credentials.get. */
export function describeWebAuthnFailure(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'the biometric step was cancelled, timed out, or this operator’s authenticator is not present';
    case 'SecurityError':
      return 'the console origin does not match the relying party (rpId) of the credential';
    case 'InvalidStateError':
      return 'the authenticator refused the request';
    case 'NotSupportedError':
      return 'no authenticator on this machine supports the request';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** Ask the platform authenticator for the operator's assertion over the challenge. */
export async function getAssertion(challenge: ChallengeView): Promise<WebAuthnAssertionWire> {
  if (typeof navigator === 'undefined' || !navigator.credentials) {
    throw new RendererError('WEBAUTHN_FAILED', 'WebAuthn is not available in this window');
  }
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({ publicKey: requestOptions(challenge) });
  } catch (err) {
    throw new RendererError(
      'WEBAUTHN_FAILED',
      `operator "${challenge.operatorId}": ${describeWebAuthnFailure(err)}`,
    );
  }
  return assertionToWire(credential);
}

// ---- registration (enrolment at the key ceremony) ----

/** COSE algorithm ES256 (ECDSA P-256 with SHA-256): the only one the appliance verifies. */
export const COSE_ES256 = -7;

export function creationOptions(view: RegistrationOptionsView): PublicKeyCredentialCreationOptions {
  const bytes = (b64url: string) => base64urlToBytes(b64url) as Uint8Array<ArrayBuffer>;
  return {
    challenge: bytes(view.challenge),
    rp: { id: view.rpId, name: view.rpName },
    user: { id: bytes(view.userId), name: view.userName, displayName: view.userName },
    pubKeyCredParams: [{ type: 'public-key', alg: COSE_ES256 }],
    authenticatorSelection: { userVerification: 'required', residentKey: 'discouraged' },
    attestation: 'none',
    excludeCredentials: view.excludeCredentials.map((id) => ({ type: 'public-key', id: bytes(id) })),
    timeout: WEBAUTHN_TIMEOUT_MS,
  };
}

/** The part of a PublicKeyCredential with an AuthenticatorAttestationResponse this step reads. */
export interface RegistrationLike {
  readonly rawId: ArrayBuffer;
  readonly response: {
    readonly clientDataJSON?: ArrayBuffer;
    readonly attestationObject?: ArrayBuffer;
  };
}

/** The registration as the contract carries it: each member base64url, as WebAuthn hands it over. */
export function registrationToWire(credential: unknown): WebAuthnRegistrationWire {
  return responseToWire(credential, ['clientDataJSON', 'attestationObject'], 'a registration');
}

/** Words for a DOMException from navigator.credentials.create. */
export function describeRegistrationFailure(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'the registration was cancelled or timed out, or no authenticator answered';
    case 'InvalidStateError':
      return 'this authenticator already holds an enrolled operator’s credential: use another authenticator';
    case 'NotSupportedError':
      return 'the authenticator cannot make an ES256 key with user verification';
    default:
      return describeWebAuthnFailure(err);
  }
}

/** Ask the platform authenticator to register a new credential for the operator being enrolled. */
export async function createRegistration(view: RegistrationOptionsView): Promise<WebAuthnRegistrationWire> {
  if (typeof navigator === 'undefined' || !navigator.credentials) {
    throw new RendererError('WEBAUTHN_FAILED', 'WebAuthn is not available in this window');
  }
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.create({ publicKey: creationOptions(view) });
  } catch (err) {
    throw new RendererError(
      'WEBAUTHN_FAILED',
      `enrolling operator "${view.operatorId}": ${describeRegistrationFailure(err)}`,
    );
  }
  return registrationToWire(credential);
}
