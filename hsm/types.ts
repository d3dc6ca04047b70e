/**
 * Values hsm/ hands out. Defined here, at the bottom of the dependency chain (app → signer → hsm),
 * and re-exported by signer/chains/adapter.ts for the adapters.
 */

/** The curves Airlock generates keys on. */
export type Curve = 'secp256k1' | 'ed25519';

/** A low-S secp256k1 ECDSA signature, already verified against the request's public key. */
export interface EcdsaSignature {
  readonly scheme: 'ecdsa-secp256k1';
  readonly r: bigint;
  readonly s: bigint;
  /** Recovery id (Ethereum yParity). */
  readonly recovery: 0 | 1;
  /** r || s, 64 bytes. */
  readonly compact: Uint8Array;
}
