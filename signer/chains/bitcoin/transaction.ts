/**
 * Airlock's own view of a Bitcoin transaction: the fields a signature commits to, nothing else,
 * and their serializations (legacy form for the txid, BIP-144 form with witnesses for broadcast).
 *
 * Spec: Bitcoin transaction format; BIP-144 (segwit serialization).
 * Invariants: a view is plain frozen data. Txids are held in display order (as explorers and RPC
 * print them) and reversed only on the wire. The signing digests (sighash.ts) and the txid are
 * computed from this view, so what Airlock shows and what it signs are the same bytes.
 */
import { concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { compactSize, i32le, reversedHex, sha256d, u32le, u64le, varSlice } from './encoding.js';

export interface OutPoint {
  /** Previous transaction id, display-order hex (64 lower-case characters). */
  readonly txid: string;
  readonly vout: number;
}

export interface TxInputView {
  readonly prevout: OutPoint;
  readonly sequence: number;
}

export interface TxOutputView {
  readonly script: Uint8Array;
  /** Satoshi. */
  readonly amount: bigint;
}

export interface UnsignedTx {
  readonly version: number;
  readonly lockTime: number;
  readonly inputs: readonly TxInputView[];
  readonly outputs: readonly TxOutputView[];
}

const TXID_HEX = /^[0-9a-f]{64}$/;

/** The 36-byte serialized outpoint: txid in wire order, then vout. */
export function serializeOutPoint(o: OutPoint): Uint8Array {
  if (!TXID_HEX.test(o.txid))
    throw new TypeError(`"txid" expected 64 lower-case hex characters, got ${o.txid}`);
  return concatBytes(hexToBytes(o.txid).reverse(), u32le(o.vout));
}

export function serializeOutput(o: TxOutputView): Uint8Array {
  return concatBytes(u64le(o.amount), varSlice(o.script));
}

function serializeBody(tx: UnsignedTx): { inputs: Uint8Array; outputs: Uint8Array } {
  const inputs = concatBytes(
    compactSize(tx.inputs.length),
    ...tx.inputs.map((i) => concatBytes(serializeOutPoint(i.prevout), compactSize(0), u32le(i.sequence))),
  );
  const outputs = concatBytes(compactSize(tx.outputs.length), ...tx.outputs.map(serializeOutput));
  return { inputs, outputs };
}

/** Legacy serialization with empty scriptSigs: the bytes the txid hashes. */
export function serializeUnsignedTx(tx: UnsignedTx): Uint8Array {
  const { inputs, outputs } = serializeBody(tx);
  return concatBytes(i32le(tx.version), inputs, outputs, u32le(tx.lockTime));
}

/**
 * BIP-144 serialization of the signed transaction: marker 0x00, flag 0x01, one witness stack per
 * input. All Airlock inputs are segwit, so every stack is non-empty.
 */
export function serializeSignedTx(tx: UnsignedTx, witnesses: readonly (readonly Uint8Array[])[]): Uint8Array {
  if (witnesses.length !== tx.inputs.length)
    throw new RangeError(`"witnesses" expected ${tx.inputs.length} stacks, got ${witnesses.length}`);
  const { inputs, outputs } = serializeBody(tx);
  const stacks = witnesses.map((w) => concatBytes(compactSize(w.length), ...w.map(varSlice)));
  return concatBytes(
    i32le(tx.version),
    Uint8Array.of(0x00, 0x01),
    inputs,
    outputs,
    ...stacks,
    u32le(tx.lockTime),
  );
}

/** Display-order txid of the transaction (witnesses never change it). */
export function txidOf(tx: UnsignedTx): string {
  return reversedHex(sha256d(serializeUnsignedTx(tx)));
}
