/**
 * Online side (`airlock online build`): builds the unsigned withdrawal PSBT that the appliance
 * will decode and sign. Not used on the signing path.
 *
 * Shape (exactly what decode.ts accepts): inputs are the given UTXOs of one key type with
 * witnessUtxo (and witnessScript / tapInternalKey) set; outputs are the payment first, then change
 * back to the same script as the inputs when any is left. PSBT v0 (BIP-174), version 2
 * transaction, SIGHASH_ALL implied (no sighashType field).
 * Invariants: amounts are bigint satoshi; fee = inputs − outputs exactly; change below the dust
 * limit of its script is refused rather than silently given to miners. Argument errors are
 * TypeError / RangeError naming the argument.
 */
import { base64 } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import type { Network } from '../adapter.js';
import { decodeAddress } from './address.js';
import { equalBytes, MAX_MONEY } from './encoding.js';
import { networkParams } from './network.js';
import {
  isCompressedPubkey,
  multisigScript,
  p2trKeyPathScript,
  p2wpkhScript,
  p2wshScript,
} from './scripts.js';

export type BuildInputType = 'p2wpkh' | 'p2tr' | 'p2wsh-multisig';

export interface BuildUtxo {
  /** Display-order hex. */
  readonly txid: string;
  readonly vout: number;
  /** Satoshi. */
  readonly amount: bigint;
  /** The UTXO's script when known: checked against the script the key type gives. */
  readonly script?: Uint8Array;
}

export interface BuildWithdrawalParams {
  readonly network: Network;
  readonly utxos: readonly BuildUtxo[];
  /** Enrolled key, 33-byte compressed. */
  readonly signingPublicKey: Uint8Array;
  readonly inputType: BuildInputType;
  /** Required for p2wsh-multisig: threshold and keys in script order (sorted when `sort`, BIP-67). */
  readonly multisig?: {
    readonly m: number;
    readonly pubkeys: readonly Uint8Array[];
    readonly sort?: boolean;
  };
  readonly destination: string;
  /** Satoshi paid to the destination. */
  readonly amount: bigint;
  /** Either the fee to leave (change = inputs − amount − fee) or the change amount (fee = the rest). */
  readonly leave: { readonly fee: bigint } | { readonly change: bigint };
  /** nLockTime, default 0. A non-zero value makes the inputs' sequence 0xfffffffe so it is enforced. */
  readonly lockTime?: number;
}

/** Bitcoin Core's dust limits at 3 sat/vB for the change scripts built here. */
const DUST: Readonly<Record<BuildInputType, bigint>> = Object.freeze({
  p2wpkh: 294n,
  'p2wsh-multisig': 330n,
  p2tr: 330n,
});

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function checkAmount(name: string, v: unknown): bigint {
  if (typeof v !== 'bigint') throw new TypeError(`"${name}" expected bigint, got ${typeof v}`);
  if (v < 0n || v > MAX_MONEY) throw new RangeError(`"${name}" expected 0..${MAX_MONEY} sat, got ${v}`);
  return v;
}

interface KeyScripts {
  readonly script: Uint8Array;
  readonly witnessScript?: Uint8Array;
  readonly tapInternalKey?: Uint8Array;
}

function keyScripts(p: BuildWithdrawalParams): KeyScripts {
  switch (p.inputType) {
    case 'p2wpkh':
      return { script: p2wpkhScript(p.signingPublicKey) };
    case 'p2tr':
      return { script: p2trKeyPathScript(p.signingPublicKey), tapInternalKey: p.signingPublicKey.slice(1) };
    case 'p2wsh-multisig': {
      if (p.multisig === undefined)
        throw new TypeError('"multisig" is required for inputType p2wsh-multisig');
      const keys = p.multisig.sort ? [...p.multisig.pubkeys].sort(compareBytes) : [...p.multisig.pubkeys];
      if (!keys.some((k) => equalBytes(k, p.signingPublicKey)))
        throw new RangeError('"multisig.pubkeys" must contain "signingPublicKey"');
      const witnessScript = multisigScript(p.multisig.m, keys);
      return { script: p2wshScript(witnessScript), witnessScript };
    }
    default:
      throw new TypeError(`"inputType" expected p2wpkh, p2tr or p2wsh-multisig, got ${String(p.inputType)}`);
  }
}

/** Builds the unsigned withdrawal PSBT; returns it as base64. */
export function buildWithdrawalPsbt(p: BuildWithdrawalParams): string {
  const net = networkParams(p.network);
  if (!(p.signingPublicKey instanceof Uint8Array) || !isCompressedPubkey(p.signingPublicKey))
    throw new TypeError('"signingPublicKey" expected a 33-byte compressed secp256k1 key');
  if (p.utxos.length === 0) throw new RangeError('"utxos" expected at least one UTXO');
  const destination = decodeAddress(p.destination, net);
  if (!destination.ok)
    throw new RangeError(`"destination" is not a ${net.name} address: ${destination.reason}`);
  const amount = checkAmount('amount', p.amount);
  const lockTime = p.lockTime ?? 0;
  if (!Number.isInteger(lockTime) || lockTime < 0 || lockTime > 0xffffffff)
    throw new RangeError(`"lockTime" expected 0..4294967295, got ${lockTime}`);
  const own = keyScripts(p);
  if (equalBytes(destination.script, own.script))
    throw new RangeError('"destination" is the signing key\'s own script: that is not a withdrawal');

  let total = 0n;
  const tx = new Transaction({ version: 2, lockTime });
  p.utxos.forEach((u, i) => {
    if (!/^[0-9a-f]{64}$/.test(u.txid))
      throw new TypeError(`"utxos[${i}].txid" expected 64 lower-case hex characters`);
    if (!Number.isInteger(u.vout) || u.vout < 0 || u.vout > 0xffffffff)
      throw new RangeError(`"utxos[${i}].vout" expected 0..4294967295, got ${u.vout}`);
    const value = checkAmount(`utxos[${i}].amount`, u.amount);
    if (u.script !== undefined && !equalBytes(u.script, own.script))
      throw new RangeError(`"utxos[${i}].script" is not the ${p.inputType} script of "signingPublicKey"`);
    total += value;
    tx.addInput({
      txid: u.txid,
      index: u.vout,
      sequence: lockTime === 0 ? 0xffffffff : 0xfffffffe,
      witnessUtxo: { script: own.script, amount: value },
      ...(own.witnessScript === undefined ? {} : { witnessScript: own.witnessScript }),
      ...(own.tapInternalKey === undefined ? {} : { tapInternalKey: own.tapInternalKey }),
    });
  });

  let change: bigint;
  if ('fee' in p.leave) change = total - amount - checkAmount('leave.fee', p.leave.fee);
  else change = checkAmount('leave.change', p.leave.change);
  const fee = total - amount - change;
  if (change < 0n || fee < 0n)
    throw new RangeError(
      `the UTXOs hold ${total} sat, less than amount ${amount} + change ${change} + fee ${fee}`,
    );
  if (change > 0n && change < DUST[p.inputType])
    throw new RangeError(
      `change of ${change} sat is below the ${DUST[p.inputType]} sat dust limit; add it to the fee`,
    );

  tx.addOutput({ script: destination.script, amount });
  if (change > 0n) tx.addOutput({ script: own.script, amount: change });
  return base64.encode(tx.toPSBT(0));
}
