/**
 * PSBT parsing step: base64 text to a parsed PSBT and Airlock's transaction view of it.
 *
 * Spec: BIP-174 (PSBT v0) and BIP-370 (PSBT v2), parsed by @scure/btc-signer (audited).
 * Invariants: anything the parser rejects, and any exception at all while parsing, becomes a
 * RefusalError MALFORMED_TX: a hostile PSBT can never surface another error type. The parser keeps
 * its script-consistency checks on (redeemScript / witnessScript hashes, nonWitnessUtxo txid,
 * taproot commitments). Unknown and proprietary records are dropped: nothing Airlock signs depends
 * on them. Unknown output script types are allowed here only so that outputs.ts can refuse them
 * with a precise code. The view is cross-checked: its serialization equals the parser's.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { refuse } from '../../errors.js';
import { equalBytes, flatHex } from './encoding.js';
import { serializeUnsignedTx, type UnsignedTx } from './transaction.js';

export interface ParsedPsbt {
  /** The parsed PSBT; mutable by nature, so never handed out beyond this adapter. */
  readonly tx: Transaction;
  /** The PSBT bytes exactly as received. */
  readonly bytes: Uint8Array;
  readonly unsigned: UnsignedTx;
  readonly psbtVersion: number;
}

/** Parser options: library defaults except unknown output scripts (classified and refused later). */
export const PSBT_PARSE_OPTIONS = Object.freeze({
  allowUnknownOutputs: true,
  unknown: 'strip',
  proprietary: 'strip',
} as const);

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The unsigned transaction as Airlock sees it, read field by field from the parsed PSBT. */
export function unsignedView(tx: Transaction): UnsignedTx {
  const inputs = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const input = tx.getInput(i);
    if (input.txid === undefined || input.index === undefined)
      throw new Error(`inputs[${i}] has no previous outpoint`);
    inputs.push({
      prevout: { txid: flatHex(input.txid), vout: input.index },
      sequence: input.sequence ?? 0xffffffff,
    });
  }
  const outputs = [];
  for (let i = 0; i < tx.outputsLength; i++) {
    const output = tx.getOutput(i);
    if (output.script === undefined || output.amount === undefined)
      throw new Error(`outputs[${i}] has no script or amount`);
    outputs.push({ script: Uint8Array.from(output.script), amount: output.amount });
  }
  return { version: tx.version, lockTime: tx.lockTime, inputs, outputs };
}

/** Parses PSBT base64; refuses MALFORMED_TX naming the withdrawal and the parser's reason. */
export function parsePsbt(psbtBase64: string, withdrawalId: string): ParsedPsbt {
  if (typeof psbtBase64 !== 'string')
    refuse('MALFORMED_TX', 'the transaction is not PSBT text', {
      withdrawalId,
      field: 'rawTx',
      expected: 'PSBT base64',
      found: typeof psbtBase64,
    });
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(psbtBase64);
  } catch (e) {
    return refuse('MALFORMED_TX', `the transaction is not valid base64: ${describe(e)}`, {
      withdrawalId,
      field: 'rawTx',
      expected: 'PSBT base64',
      found: `${psbtBase64.length} characters that are not base64`,
    });
  }
  try {
    const tx = Transaction.fromPSBT(bytes, PSBT_PARSE_OPTIONS);
    const unsigned = unsignedView(tx);
    if (!equalBytes(serializeUnsignedTx(unsigned), tx.unsignedTx))
      throw new Error('the unsigned transaction re-serializes differently');
    const psbtVersion = tx.opts.PSBTVersion ?? 0;
    return { tx, bytes, unsigned, psbtVersion };
  } catch (e) {
    return refuse('MALFORMED_TX', `the PSBT does not parse: ${describe(e)}`, {
      withdrawalId,
      field: 'rawTx',
      expected: 'a valid PSBT (BIP-174 v0 or BIP-370 v2)',
      found: `${bytes.length} bytes starting ${bytesToHex(bytes.subarray(0, 8))}`,
    });
  }
}
