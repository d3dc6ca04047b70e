/**
 * The biometric step of an approval or a freeze: the WebAuthn assertion over the challenge the
 * appliance handed out (`ChallengeView`), for exactly the operator's enrolled credential, with user
 * verification required. The request options and the wire form of the answer are pure functions
 * (tested in node); `getAssertion` is the one call into `navigator.credentials`.
 *
 * Every failure becomes a RendererError `WEBAUTHN_FAILED` (cancelled, timed out, not allowed, no
 * such credential on this authenticator) or `WEBAUTHN_BAD_RESPONSE`, named for the operator.
 */
import {
  base64urlToBytes,
  bytesToBase64url,
  type ChallengeView,
  type WebAuthnAssertionWire,
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

/** The assertion as the contract carries it: each member base64url, as WebAuthn hands it over. */
export function assertionToWire(credential: unknown): WebAuthnAssertionWire {
  const c = credential as Partial<AssertionLike> | null;
  const r = c?.response;
  if (
    c === null ||
    typeof c !== 'object' ||
    !isBuffer(c.rawId) ||
    !r ||
    !isBuffer(r.authenticatorData) ||
    !isBuffer(r.clientDataJSON) ||
    !isBuffer(r.signature)
  ) {
    throw new RendererError(
      'WEBAUTHN_BAD_RESPONSE',
      'the authenticator did not answer with an assertion (rawId, authenticatorData, clientDataJSON, signature)',
    );
  }
  return {
    credentialId: bytesToBase64url(bytesOf(c.rawId)),
    authenticatorData: bytesToBase64url(bytesOf(r.authenticatorData)),
    clientDataJSON: bytesToBase64url(bytesOf(r.clientDataJSON)),
    signature: bytesToBase64url(bytesOf(r.signature)),
  };
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
