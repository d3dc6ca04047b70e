/**
 * The one interface every chain adapter implements (airgap-coin-lib style: one conformance suite runs
 * against each). Adapters are pure: bytes in, a decoded view and signing digests out, then signatures
 * in and a signed transaction out. No I/O, no clock, no Electron.
 *
 * Deny by default: `decode` accepts only the transaction shapes it knows completely and refuses
 * everything else with a typed `RefusalError`. It never looks at the declared withdrawal: the
 * cross-check (signer/crosscheck.ts) compares the decoded view with the declaration afterwards.
 */

import type { Curve, EcdsaSignature } from '../../hsm/types.js';

export type Chain = 'bitcoin' | 'ethereum';
export type Network = 'mainnet' | 'testnet';

export type { Curve, EcdsaSignature };

/** A signing key enrolled on the appliance (its private half lives in the HSM). */
export interface EnrolledKey {
  readonly label: string;
  readonly curve: Curve;
  /** secp256k1: 33-byte SEC1 compressed point; ed25519: 32 bytes. */
  readonly publicKey: Uint8Array;
}

/** An ERC-20 contract the appliance allows transfers of. */
export interface TokenInfo {
  /** Lower-case 0x address. */
  readonly contract: string;
  readonly symbol: string;
  readonly decimals: number;
}

export interface EthereumLimits {
  readonly chainId: bigint;
  /** Allowlisted ERC-20 contracts, keyed by lower-case 0x address. */
  readonly tokens: ReadonlyMap<string, TokenInfo>;
  readonly maxGasLimit: bigint;
  /** Wei per gas. */
  readonly maxFeePerGas: bigint;
}

export interface AdapterContext {
  readonly network: Network;
  /** Enrolled signing keys by label. */
  readonly keys: ReadonlyMap<string, EnrolledKey>;
  readonly ethereum: EthereumLimits;
}

/** What the withdrawal moves, as decoded from the bytes. */
export type DecodedAsset =
  | { readonly kind: 'native'; readonly symbol: 'BTC' | 'ETH'; readonly decimals: number }
  | { readonly kind: 'token'; readonly contract: string; readonly symbol: string; readonly decimals: number };

export type SignatureScheme = 'ecdsa-secp256k1' | 'bip340-secp256k1';

/** One digest the HSM must sign. */
export interface SigningRequest {
  readonly keyLabel: string;
  readonly scheme: SignatureScheme;
  /** 32-byte digest (BIP-143 / BIP-341 sighash, or keccak256 of the type-2 payload). */
  readonly digest: Uint8Array;
  /** The enrolled public key the signature must verify against (33-byte compressed). */
  readonly publicKey: Uint8Array;
  /** Bitcoin: the input this signature is for. */
  readonly inputIndex?: number;
}

/**
 * A BIP-340 Schnorr signature (64 bytes) by the Taproot output key. No standard PKCS#11 mechanism
 * produces one (see docs/hsm.md), so the pipeline refuses such requests on a plain PKCS#11 module;
 * adapters still assemble them so a vendor mechanism can be plugged in.
 */
export interface Bip340Signature {
  readonly scheme: 'bip340-secp256k1';
  readonly bytes: Uint8Array;
}

export type ProducedSignature = EcdsaSignature | Bip340Signature;

export type SignedTx =
  /** A complete network transaction, ready to broadcast. */
  | { readonly format: 'raw'; readonly hex: string; readonly txid: string }
  /** A PSBT carrying Airlock's partial signature(s) (P2WSH multisig needing other cosigners). */
  | { readonly format: 'psbt'; readonly psbtBase64: string; readonly txid: string };

/** The decoded, display-ready view of one withdrawal: what the bytes say, nothing else. */
export interface DecodedWithdrawal {
  readonly withdrawalId: string;
  readonly chain: Chain;
  readonly asset: DecodedAsset;
  /** Canonical form: Bitcoin address as encoded for the network; Ethereum EIP-55 checksummed. */
  readonly destination: string;
  /** Base units (satoshi, wei, token units). */
  readonly amount: bigint;
  /** Bitcoin: exact fee (inputs minus outputs); Ethereum: worst case gasLimit * maxFeePerGas. In native base units. */
  readonly fee: bigint;
  /** Ethereum account nonce. */
  readonly nonce?: bigint;
  /** Outputs back to enrolled keys. */
  readonly change: readonly { readonly destination: string; readonly amount: bigint }[];
  /**
   * Keys the replay ledger records so the same money is never signed twice, e.g.
   * `btc-outpoint:<txid>:<vout>`, `eth-nonce:<chainId>:<from>:<nonce>`.
   */
  readonly replayKeys: readonly string[];
  /** Chain-specific lines for people (gas limit, fee rate, input count...). */
  readonly details: Readonly<Record<string, string>>;
}

export interface DecodeInput {
  readonly withdrawalId: string;
  /** PSBT base64 (Bitcoin) or unsigned type-2 serialization hex (Ethereum). */
  readonly rawTx: string;
  /** Label of the enrolled key that signs this withdrawal. */
  readonly keyLabel: string;
}

export interface Decoded<S> {
  readonly view: DecodedWithdrawal;
  readonly signing: readonly SigningRequest[];
  /** Adapter-private state needed by `assemble` (the parsed transaction). */
  readonly state: S;
}

export interface ChainAdapter<S = unknown> {
  readonly chain: Chain;
  /** Decode and check shape and ownership. Throws RefusalError. Never reads declared fields. */
  decode(input: DecodeInput, ctx: AdapterContext): Decoded<S>;
  /**
   * Canonical form of a declared destination (for the cross-check); throws RefusalError
   * `MISMATCH_DESTINATION` when the text is not a valid address of this chain and network.
   */
  canonicalDestination(address: string, ctx: AdapterContext, withdrawalId: string): string;
  /**
   * Build the signed transaction from signatures given in the order of `signing`. Each signature
   * has been verified against its request's public key before it reaches here.
   */
  assemble(decoded: Decoded<S>, signatures: readonly ProducedSignature[]): SignedTx;
}
