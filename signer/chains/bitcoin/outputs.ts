/**
 * Output policy: a withdrawal pays exactly one destination; everything else must be change to a
 * script Airlock owns.
 *
 * Change is an output whose script is P2WPKH of an enrolled secp256k1 key, or exactly the script of
 * one of this PSBT's own (already proven) P2WSH / P2TR inputs. The one remaining output is the
 * payment and must have an address on this network (no OP_RETURN, bare or unknown-witness
 * scripts). No payment: UNEXPECTED_OUTPUT. A second non-change output: UNOWNED_CHANGE.
 *
 * Specs: BIP-141 / BIP-341 script forms, address.ts for the accepted address kinds.
 * Invariants: outputs are looked at in index order; amounts and their sum stay within MAX_MONEY.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { refuse } from '../../errors.js';
import type { EnrolledKey } from '../adapter.js';
import { addressOfScript } from './address.js';
import { equalBytes, MAX_MONEY } from './encoding.js';
import type { OwnedInput } from './inputs.js';
import type { BitcoinNetworkParams } from './network.js';
import { isCompressedPubkey, p2wpkhScript } from './scripts.js';
import type { TxOutputView } from './transaction.js';

export interface ClassifiedOutput {
  readonly index: number;
  readonly address: string;
  readonly amount: bigint;
}

export interface ClassifiedOutputs {
  readonly payment: ClassifiedOutput;
  readonly change: readonly ClassifiedOutput[];
  /** Sum of every output, satoshi. */
  readonly total: bigint;
}

/** Scripts whose outputs count as change: P2WPKH of every enrolled secp256k1 key, plus own inputs' scripts. */
export function changeScripts(
  keys: ReadonlyMap<string, EnrolledKey>,
  inputs: readonly OwnedInput[],
): Uint8Array[] {
  const scripts: Uint8Array[] = [];
  for (const key of keys.values())
    if (key.curve === 'secp256k1' && isCompressedPubkey(key.publicKey))
      scripts.push(p2wpkhScript(key.publicKey));
  for (const input of inputs) if (input.kind !== 'p2wpkh') scripts.push(input.script);
  return scripts;
}

export function classifyOutputs(
  outputs: readonly TxOutputView[],
  owned: readonly Uint8Array[],
  net: BitcoinNetworkParams,
  withdrawalId: string,
): ClassifiedOutputs {
  let payment: ClassifiedOutput | undefined;
  const change: ClassifiedOutput[] = [];
  let total = 0n;
  for (let index = 0; index < outputs.length; index++) {
    const { script, amount } = outputs[index]!;
    const field = `outputs[${index}]`;
    if (amount < 0n || amount > MAX_MONEY)
      refuse('MALFORMED_TX', `${field} pays an amount outside 0..21,000,000 BTC`, {
        withdrawalId,
        field: `${field}.amount`,
        expected: `0..${MAX_MONEY} sat`,
        found: `${amount} sat`,
      });
    total += amount;
    const address = addressOfScript(script, net);
    if (owned.some((s) => equalBytes(s, script))) {
      // Owned scripts are all P2WPKH / P2WSH / P2TR, which always have an address.
      change.push({ index, address: address?.address ?? bytesToHex(script), amount });
      continue;
    }
    if (address === undefined)
      refuse('UNEXPECTED_OUTPUT', `${field} pays ${amount} sat to a script with no address on ${net.name}`, {
        withdrawalId,
        field: `${field}.script`,
        expected: 'a P2PKH, P2SH, P2WPKH, P2WSH or P2TR address, or change to an enrolled key',
        found: `script ${bytesToHex(script)}`,
      });
    if (payment !== undefined)
      refuse(
        'UNOWNED_CHANGE',
        `${field} pays ${amount} sat to ${address.address}, which is neither the payment ` +
          `(outputs[${payment.index}] to ${payment.address}) nor change to an enrolled key`,
        {
          withdrawalId,
          field,
          expected: `one payment output and change to enrolled keys`,
          found: `a second payment to ${address.address}`,
        },
      );
    payment = { index, address: address.address, amount };
  }
  if (total > MAX_MONEY)
    refuse('MALFORMED_TX', 'the outputs together pay more than 21,000,000 BTC', {
      withdrawalId,
      field: 'outputs',
      expected: `at most ${MAX_MONEY} sat`,
      found: `${total} sat`,
    });
  if (payment === undefined)
    return refuse('UNEXPECTED_OUTPUT', 'the transaction pays no destination: every output is change', {
      withdrawalId,
      field: 'outputs',
      expected: 'exactly one payment output',
      found: `${outputs.length} output(s), all change`,
    });
  return { payment, change, total };
}
