/**
 * Output-script templates, matched byte for byte: the script forms Airlock can own (P2WPKH, P2WSH
 * of a bare multisig, P2TR key path) and the forms it recognizes only to name them in refusals.
 *
 * Specs: BIP-141 (witness programs), BIP-341 / BIP-86 (key-path-only taproot output key),
 * BIP-11 / BIP-67 (bare `OP_m <keys> OP_n OP_CHECKMULTISIG`, sorted or not).
 * Invariants: matching is exact (no alternative push encodings, no uncompressed keys, no duplicate
 * keys); every public key in a template is a valid compressed secp256k1 point.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { taprootTweakPubkey } from '@scure/btc-signer/utils.js';
import { equalBytes, hash160 } from './encoding.js';

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_RETURN = 0x6a;
const OP_DUP = 0x76;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_HASH160 = 0xa9;
const OP_CHECKSIG = 0xac;
const OP_CHECKMULTISIG = 0xae;

/** Largest n of a bare multisig Airlock accepts (OP_16: the largest small-integer opcode). */
export const MAX_MULTISIG_KEYS = 16;

/**
 * Keys already found to be valid points: decompression costs a modular square root, and the same
 * enrolled keys are checked for every input and output of a batch. A memo of a pure function.
 */
const VALID_KEYS = new Set<string>();
const VALID_KEYS_MAX = 4096;

/** A 33-byte SEC1 compressed encoding of a point on secp256k1. */
export function isCompressedPubkey(bytes: Uint8Array): boolean {
  if (bytes.length !== 33 || (bytes[0] !== 0x02 && bytes[0] !== 0x03)) return false;
  const hex = Buffer.from(bytes).toString('hex');
  if (VALID_KEYS.has(hex)) return true;
  try {
    secp256k1.Point.fromBytes(bytes).assertValidity();
  } catch {
    return false;
  }
  if (VALID_KEYS.size >= VALID_KEYS_MAX) VALID_KEYS.clear();
  VALID_KEYS.add(hex);
  return true;
}

/** A valid BIP-340 x-only key: a P2TR program that is not one can never be spent (BIP-341). */
export function isXOnlyPubkey(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  try {
    schnorr.utils.lift_x(bytesToNumberBE(bytes));
    return true;
  } catch {
    return false;
  }
}

export function p2wpkhScript(pubkey: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP_0, 20), hash160(pubkey));
}

/** The BIP-143 scriptCode of a P2WPKH input: the P2PKH script of the same key. */
export function p2pkhScript(pubkey: Uint8Array): Uint8Array {
  return concatBytes(
    Uint8Array.of(OP_DUP, OP_HASH160, 20),
    hash160(pubkey),
    Uint8Array.of(OP_EQUALVERIFY, OP_CHECKSIG),
  );
}

export function p2wshScript(witnessScript: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP_0, 32), sha256(witnessScript));
}

/**
 * BIP-86 output key of a key-path-only taproot output: Q = lift_x(x(P)) + H_TapTweak(x(P))·G, x-only.
 * Only the x coordinate of the enrolled key is used, so both parities of P give the same Q (BIP-340).
 */
export function taprootOutputKey(pubkey: Uint8Array): Uint8Array {
  if (!isCompressedPubkey(pubkey))
    throw new TypeError('"pubkey" expected a 33-byte compressed secp256k1 key');
  const [outputKey] = taprootTweakPubkey(pubkey.subarray(1), new Uint8Array(0));
  return outputKey;
}

export function p2trScriptOfOutputKey(outputKey: Uint8Array): Uint8Array {
  if (outputKey.length !== 32) throw new TypeError('"outputKey" expected 32 bytes');
  return concatBytes(Uint8Array.of(OP_1, 32), outputKey);
}

/** P2TR key-path-only output (no script tree) of an enrolled key. */
export function p2trKeyPathScript(pubkey: Uint8Array): Uint8Array {
  return p2trScriptOfOutputKey(taprootOutputKey(pubkey));
}

export interface Multisig {
  readonly m: number;
  /** In script order. */
  readonly pubkeys: readonly Uint8Array[];
}

export function multisigScript(m: number, pubkeys: readonly Uint8Array[]): Uint8Array {
  const n = pubkeys.length;
  if (!Number.isInteger(n) || n < 1 || n > MAX_MULTISIG_KEYS)
    throw new RangeError(`"pubkeys" expected 1..${MAX_MULTISIG_KEYS} keys, got ${n}`);
  if (!Number.isInteger(m) || m < 1 || m > n) throw new RangeError(`"m" expected 1..${n}, got ${m}`);
  pubkeys.forEach((k, i) => {
    if (!isCompressedPubkey(k))
      throw new TypeError(`"pubkeys[${i}]" expected a 33-byte compressed secp256k1 key`);
    if (pubkeys.findIndex((o) => equalBytes(o, k)) !== i)
      throw new RangeError(`"pubkeys[${i}]" is a duplicate`);
  });
  return concatBytes(
    Uint8Array.of(OP_1 - 1 + m),
    ...pubkeys.map((k) => concatBytes(Uint8Array.of(33), k)),
    Uint8Array.of(OP_1 - 1 + n, OP_CHECKMULTISIG),
  );
}

/**
 * Parses `OP_m <33-byte key>... OP_n OP_CHECKMULTISIG` exactly; undefined for anything else
 * (other push forms, uncompressed or invalid keys, duplicate keys, m > n).
 */
export function parseMultisig(script: Uint8Array): Multisig | undefined {
  const first = script[0];
  if (first === undefined || first < OP_1 || first > OP_16) return undefined;
  const m = first - OP_1 + 1;
  const n = (script.length - 3) / 34;
  if (!Number.isInteger(n) || n < 1 || n > MAX_MULTISIG_KEYS || m > n) return undefined;
  if (script[script.length - 2] !== OP_1 - 1 + n || script[script.length - 1] !== OP_CHECKMULTISIG)
    return undefined;
  const pubkeys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const at = 1 + i * 34;
    if (script[at] !== 33) return undefined;
    const key = script.slice(at + 1, at + 34);
    if (!isCompressedPubkey(key) || pubkeys.some((k) => equalBytes(k, key))) return undefined;
    pubkeys.push(key);
  }
  return { m, pubkeys };
}

/** What an output script is, as far as Airlock cares. */
export type ScriptTemplate =
  | { readonly type: 'p2wpkh'; readonly program: Uint8Array }
  | { readonly type: 'p2wsh'; readonly program: Uint8Array }
  | { readonly type: 'p2tr'; readonly program: Uint8Array }
  | { readonly type: 'p2pkh'; readonly hash: Uint8Array }
  | { readonly type: 'p2sh'; readonly hash: Uint8Array }
  /** Witness versions and lengths with no spending rules Airlock knows (P2A, v2..v16, odd sizes). */
  | { readonly type: 'witness-unknown'; readonly version: number }
  | { readonly type: 'op-return' }
  | { readonly type: 'p2pk' }
  | { readonly type: 'bare-multisig' }
  | { readonly type: 'nonstandard' };

export function classifyScript(script: Uint8Array): ScriptTemplate {
  const len = script.length;
  const [b0, b1] = [script[0], script[1]];
  if (len === 22 && b0 === OP_0 && b1 === 20) return { type: 'p2wpkh', program: script.slice(2) };
  if (len === 34 && b0 === OP_0 && b1 === 32) return { type: 'p2wsh', program: script.slice(2) };
  if (len === 34 && b0 === OP_1 && b1 === 32) return { type: 'p2tr', program: script.slice(2) };
  if (
    len === 25 &&
    b0 === OP_DUP &&
    b1 === OP_HASH160 &&
    script[2] === 20 &&
    script[23] === OP_EQUALVERIFY &&
    script[24] === OP_CHECKSIG
  )
    return { type: 'p2pkh', hash: script.slice(3, 23) };
  if (len === 23 && b0 === OP_HASH160 && b1 === 20 && script[22] === OP_EQUAL)
    return { type: 'p2sh', hash: script.slice(2, 22) };
  if (
    b0 !== undefined &&
    b1 !== undefined &&
    (b0 === OP_0 || (b0 >= OP_1 && b0 <= OP_16)) &&
    len >= 4 &&
    len <= 42 &&
    b1 === len - 2
  )
    return { type: 'witness-unknown', version: b0 === OP_0 ? 0 : b0 - OP_1 + 1 };
  if (b0 === OP_RETURN) return { type: 'op-return' };
  if ((len === 35 && b0 === 33) || (len === 67 && b0 === 65)) {
    if (script[len - 1] === OP_CHECKSIG) return { type: 'p2pk' };
  }
  if (parseMultisig(script) !== undefined) return { type: 'bare-multisig' };
  return { type: 'nonstandard' };
}
