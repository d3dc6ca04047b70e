/**
 * Virtual size estimate of the fully signed transaction, for the fee rate shown to operators.
 *
 * Spec: BIP-141 weight (4 × non-witness bytes + witness bytes), vsize = ceil(weight / 4).
 * Invariants: an upper bound for the shapes Airlock signs: every ECDSA signature is counted at its
 * largest low-S DER size (72 bytes with the sighash byte); Schnorr signatures are exact (64, or 65
 * with SIGHASH_ALL). So the shown fee rate is never higher than the real one.
 */
import { missingCaseError } from '../../errors.js';
import { compactSize } from './encoding.js';
import type { OwnedInput } from './inputs.js';
import type { UnsignedTx } from './transaction.js';

const MAX_ECDSA_WITNESS_SIG = 72;

/** Bytes of one witness stack (count, then each item length-prefixed). */
function witnessBytes(items: readonly number[]): number {
  return compactSize(items.length).length + items.reduce((n, len) => n + compactSize(len).length + len, 0);
}

export function inputWitnessBytes(input: OwnedInput): number {
  switch (input.kind) {
    case 'p2wpkh':
      return witnessBytes([MAX_ECDSA_WITNESS_SIG, 33]);
    case 'p2wsh-multisig':
      return witnessBytes([
        0,
        ...Array.from({ length: input.multisig.m }, () => MAX_ECDSA_WITNESS_SIG),
        input.witnessScript.length,
      ]);
    case 'p2tr':
      return witnessBytes([input.hashType === 0 ? 64 : 65]);
    default:
      throw missingCaseError(input);
  }
}

export function estimateVsize(tx: UnsignedTx, inputs: readonly OwnedInput[]): number {
  // version + locktime + counts; each input: outpoint 36 + empty scriptSig 1 + sequence 4
  let base = 8 + compactSize(tx.inputs.length).length + compactSize(tx.outputs.length).length;
  base += tx.inputs.length * 41;
  for (const o of tx.outputs) base += 8 + compactSize(o.script.length).length + o.script.length;
  const witness = 2 + inputs.reduce((n, i) => n + inputWitnessBytes(i), 0); // marker + flag
  return Math.ceil((4 * base + witness) / 4);
}

/** "12.3 sat/vB": fee / vsize rounded down to one decimal. */
export function formatFeeRate(fee: bigint, vsize: number): string {
  const tenths = (fee * 10n) / BigInt(vsize);
  return `${tenths / 10n}.${tenths % 10n} sat/vB`;
}
