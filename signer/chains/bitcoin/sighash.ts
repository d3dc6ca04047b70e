/**
 * Signature digests for the two segwit versions Airlock signs, SIGHASH_ALL only.
 *
 * Specs: BIP-143 (witness v0: P2WPKH, P2WSH), https://github.com/bitcoin/bips/blob/master/bip-0143.mediawiki;
 * BIP-341 key path (witness v1: P2TR), https://github.com/bitcoin/bips/blob/master/bip-0341.mediawiki.
 *
 * Invariants: computed from Airlock's own transaction view (transaction.ts), never from a library's
 * internal state. Only SIGHASH_ALL (and BIP-341 SIGHASH_DEFAULT, which commits to the same data)
 * exist here: every other type lets someone change inputs or outputs after Airlock signed, and asking
 * for one is a RangeError, not a digest. BIP-341 commits to every input's amount and script, so it
 * takes all prevouts; BIP-143 commits only to the spent input's own amount.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { i32le, sha256d, u32le, u64le, varSlice } from './encoding.js';
import { serializeOutPoint, serializeOutput, type TxOutputView, type UnsignedTx } from './transaction.js';

/** BIP-341 only: commits to everything, like ALL, with a 64-byte signature (no hash-type byte). */
export const SIGHASH_DEFAULT = 0x00;
export const SIGHASH_ALL = 0x01;

export type Bip341HashType = typeof SIGHASH_DEFAULT | typeof SIGHASH_ALL;

function checkIndex(tx: UnsignedTx, inputIndex: number): void {
  if (!Number.isInteger(inputIndex) || inputIndex < 0 || inputIndex >= tx.inputs.length)
    throw new RangeError(`"inputIndex" expected 0..${tx.inputs.length - 1}, got ${inputIndex}`);
}

/**
 * BIP-143 digest of input `inputIndex` with SIGHASH_ALL. `scriptCode` is the P2PKH script of the key
 * for P2WPKH, the witnessScript for P2WSH; `amount` is the spent output's value.
 */
export function bip143Sighash(
  tx: UnsignedTx,
  inputIndex: number,
  scriptCode: Uint8Array,
  amount: bigint,
  hashType: number = SIGHASH_ALL,
): Uint8Array {
  checkIndex(tx, inputIndex);
  if (hashType !== SIGHASH_ALL) throw new RangeError(`"hashType" expected SIGHASH_ALL (1), got ${hashType}`);
  const input = tx.inputs[inputIndex]!;
  const hashPrevouts = sha256d(...tx.inputs.map((i) => serializeOutPoint(i.prevout)));
  const hashSequence = sha256d(...tx.inputs.map((i) => u32le(i.sequence)));
  const hashOutputs = sha256d(...tx.outputs.map(serializeOutput));
  return sha256d(
    i32le(tx.version),
    hashPrevouts,
    hashSequence,
    serializeOutPoint(input.prevout),
    varSlice(scriptCode),
    u64le(amount),
    u32le(input.sequence),
    hashOutputs,
    u32le(tx.lockTime),
    u32le(hashType),
  );
}

/** The single-SHA256 transaction-wide commitments of BIP-341 (named as in its test vectors). */
export interface Bip341TxHashes {
  readonly hashPrevouts: Uint8Array;
  readonly hashAmounts: Uint8Array;
  readonly hashScriptPubkeys: Uint8Array;
  readonly hashSequences: Uint8Array;
  readonly hashOutputs: Uint8Array;
}

export function bip341TxHashes(tx: UnsignedTx, prevouts: readonly TxOutputView[]): Bip341TxHashes {
  if (prevouts.length !== tx.inputs.length)
    throw new RangeError(`"prevouts" expected ${tx.inputs.length} entries, got ${prevouts.length}`);
  return {
    hashPrevouts: sha256(concatBytes(...tx.inputs.map((i) => serializeOutPoint(i.prevout)))),
    hashAmounts: sha256(concatBytes(...prevouts.map((p) => u64le(p.amount)))),
    hashScriptPubkeys: sha256(concatBytes(...prevouts.map((p) => varSlice(p.script)))),
    hashSequences: sha256(concatBytes(...tx.inputs.map((i) => u32le(i.sequence)))),
    hashOutputs: sha256(concatBytes(...tx.outputs.map(serializeOutput))),
  };
}

/**
 * `0x00 || SigMsg(hash_type, ext_flag = 0)` for a key-path spend without annex: the epoch byte is
 * included, as in the BIP-341 test vectors' `sigMsg`.
 */
export function bip341SigMsg(
  tx: UnsignedTx,
  inputIndex: number,
  prevouts: readonly TxOutputView[],
  hashType: number,
): Uint8Array {
  checkIndex(tx, inputIndex);
  if (hashType !== SIGHASH_DEFAULT && hashType !== SIGHASH_ALL)
    throw new RangeError(`"hashType" expected SIGHASH_DEFAULT (0) or SIGHASH_ALL (1), got ${hashType}`);
  const h = bip341TxHashes(tx, prevouts);
  const spendType = 0x00; // key path, no annex
  return concatBytes(
    Uint8Array.of(0x00, hashType),
    i32le(tx.version),
    u32le(tx.lockTime),
    h.hashPrevouts,
    h.hashAmounts,
    h.hashScriptPubkeys,
    h.hashSequences,
    h.hashOutputs,
    Uint8Array.of(spendType),
    u32le(inputIndex),
  );
}

/** BIP-341 key-path digest: tagged hash "TapSighash" of the message above. */
export function bip341Sighash(
  tx: UnsignedTx,
  inputIndex: number,
  prevouts: readonly TxOutputView[],
  hashType: number,
): Uint8Array {
  return schnorr.utils.taggedHash('TapSighash', bip341SigMsg(tx, inputIndex, prevouts, hashType));
}
