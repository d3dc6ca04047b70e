/**
 * `decode` of the Bitcoin adapter: PSBT text in, the withdrawal it really makes plus one signing
 * digest per input out. Airlock signs only what it decoded itself, deny by default.
 *
 * Steps: signing key → PSBT parse (psbt.ts) → input policy (inputs.ts) → digests (sighash.ts) and
 * verification of cosigners' partial signatures → output policy (outputs.ts) → fee, view, requests.
 * Specs: BIP-174 / BIP-370, BIP-143, BIP-341, BIP-86.
 * Invariants: the digests, the txid and the displayed view all come from the same transaction view;
 * every refusal is a RefusalError naming the withdrawal and the field. The replay keys list every
 * spent outpoint, so the same coins are never signed twice (this also defeats the BIP-143 trick of
 * getting two signatures under two different lies about the other inputs' amounts).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { missingCaseError, refuse } from '../../errors.js';
import type {
  AdapterContext,
  Decoded,
  DecodeInput,
  EnrolledKey,
  Network,
  SigningRequest,
} from '../adapter.js';
import { checkInputs, type OwnedInput } from './inputs.js';
import { networkParams } from './network.js';
import { changeScripts, classifyOutputs } from './outputs.js';
import { parsePsbt } from './psbt.js';
import { isCompressedPubkey, p2pkhScript } from './scripts.js';
import { bip143Sighash, bip341Sighash, SIGHASH_ALL } from './sighash.js';
import { parseEcdsaWitnessSignature, verifyEcdsa } from './signatures.js';
import { txidOf, type UnsignedTx } from './transaction.js';
import { estimateVsize, formatFeeRate } from './vsize.js';

/** What `assemble` needs: the exact PSBT decoded and everything proven about it. */
export interface BitcoinState {
  readonly network: Network;
  /** The PSBT bytes exactly as decoded. */
  readonly psbt: Uint8Array;
  readonly psbtVersion: number;
  readonly unsigned: UnsignedTx;
  /** Display-order txid of the unsigned transaction. */
  readonly txid: string;
  readonly keyLabel: string;
  readonly publicKey: Uint8Array;
  readonly inputs: readonly OwnedInput[];
  /** One digest per input, in input order (the same digest the signing request carries). */
  readonly digests: readonly Uint8Array[];
}

export const BTC_ASSET = Object.freeze({ kind: 'native', symbol: 'BTC', decimals: 8 } as const);

function signingKey(ctx: AdapterContext, keyLabel: string, withdrawalId: string): EnrolledKey {
  const key = ctx.keys.get(keyLabel);
  if (key === undefined)
    return refuse('UNKNOWN_KEY', `no enrolled key is labelled "${keyLabel}"`, {
      withdrawalId,
      field: 'keyLabel',
      expected: 'the label of an enrolled secp256k1 key',
      found: keyLabel,
    });
  if (key.curve !== 'secp256k1' || !isCompressedPubkey(key.publicKey))
    return refuse('UNKNOWN_KEY', `key "${keyLabel}" cannot sign Bitcoin transactions`, {
      withdrawalId,
      field: 'keyLabel',
      expected: 'a secp256k1 key (33-byte compressed point)',
      found: `${key.curve} key of ${key.publicKey.length} bytes`,
    });
  return { label: key.label, curve: key.curve, publicKey: Uint8Array.from(key.publicKey) };
}

function digestOf(
  unsigned: UnsignedTx,
  inputs: readonly OwnedInput[],
  input: OwnedInput,
  publicKey: Uint8Array,
) {
  switch (input.kind) {
    case 'p2wpkh':
      return bip143Sighash(unsigned, input.index, p2pkhScript(publicKey), input.amount, SIGHASH_ALL);
    case 'p2wsh-multisig':
      return bip143Sighash(unsigned, input.index, input.witnessScript, input.amount, SIGHASH_ALL);
    case 'p2tr':
      return bip341Sighash(unsigned, input.index, inputs, input.hashType);
    default:
      throw missingCaseError(input);
  }
}

/** Cosigners' signatures must be strict DER, SIGHASH_ALL and valid for this very transaction. */
function checkCosigners(input: OwnedInput, digest: Uint8Array, withdrawalId: string): void {
  if (input.kind !== 'p2wsh-multisig') return;
  for (const { pubkey, signature } of input.cosignerSignatures) {
    const parsed = parseEcdsaWitnessSignature(signature);
    const ok =
      parsed !== undefined && parsed.hashType === SIGHASH_ALL && verifyEcdsa(parsed.compact, digest, pubkey);
    if (!ok)
      refuse(
        'MALFORMED_TX',
        `inputs[${input.index}] carries a cosigner signature that is not valid for this transaction`,
        {
          withdrawalId,
          field: `inputs[${input.index}].partialSig`,
          expected: 'strict-DER low-S SIGHASH_ALL signatures that verify',
          found: `an invalid signature for ${bytesToHex(pubkey)}`,
        },
      );
  }
}

function describeInputs(inputs: readonly OwnedInput[]): string {
  const counts = new Map<string, number>();
  for (const i of inputs) {
    const name =
      i.kind === 'p2wsh-multisig'
        ? `p2wsh ${i.multisig.m}-of-${i.multisig.pubkeys.length} multisig`
        : i.kind === 'p2tr'
          ? 'p2tr key path'
          : 'p2wpkh';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${n} × ${name}`).join(', ');
}

function describeLockTime(tx: UnsignedTx): string {
  const lt = tx.lockTime;
  if (lt === 0) return '0 (none)';
  const inactive = tx.inputs.every((i) => i.sequence === 0xffffffff)
    ? ', inactive: every input sequence is final'
    : '';
  if (lt < 500_000_000) return `block height ${lt}${inactive}`;
  return `${new Date(lt * 1000).toISOString()} (unix time ${lt}${inactive})`;
}

function describeResult(inputs: readonly OwnedInput[]): string {
  const missing = inputs.reduce(
    (n, i) =>
      i.kind === 'p2wsh-multisig' ? n + Math.max(0, i.multisig.m - 1 - i.cosignerSignatures.length) : n,
    0,
  );
  return missing === 0
    ? 'a complete signed transaction'
    : `a PSBT still needing ${missing} cosigner signature(s)`;
}

export function decodeBitcoin(input: DecodeInput, ctx: AdapterContext): Decoded<BitcoinState> {
  const { withdrawalId, rawTx, keyLabel } = input;
  const key = signingKey(ctx, keyLabel, withdrawalId);
  const net = networkParams(ctx.network);
  const parsed = parsePsbt(rawTx, withdrawalId);
  const { unsigned } = parsed;
  const inputs = checkInputs(parsed, key, net, withdrawalId);
  const digests = inputs.map((i) => digestOf(unsigned, inputs, i, key.publicKey));
  for (const [n, i] of inputs.entries()) checkCosigners(i, digests[n]!, withdrawalId);
  const outputs = classifyOutputs(unsigned.outputs, changeScripts(ctx.keys, inputs), net, withdrawalId);
  const spent = inputs.reduce((sum, i) => sum + i.amount, 0n);
  const fee = spent - outputs.total;
  if (fee < 0n)
    refuse('MALFORMED_TX', 'the outputs pay more than the inputs hold', {
      withdrawalId,
      field: 'fee',
      expected: `outputs of at most ${spent} sat`,
      found: `${outputs.total} sat`,
    });
  const txid = txidOf(unsigned);
  const vsize = estimateVsize(unsigned, inputs);
  const signing: SigningRequest[] = inputs.map((i, n) => ({
    keyLabel: key.label,
    scheme: i.kind === 'p2tr' ? 'bip340-secp256k1' : 'ecdsa-secp256k1',
    digest: digests[n]!,
    publicKey: key.publicKey,
    inputIndex: i.index,
  }));
  const state: BitcoinState = {
    network: ctx.network,
    psbt: parsed.bytes,
    psbtVersion: parsed.psbtVersion,
    unsigned,
    txid,
    keyLabel: key.label,
    publicKey: key.publicKey,
    inputs,
    digests,
  };
  return {
    view: {
      withdrawalId,
      chain: 'bitcoin',
      asset: BTC_ASSET,
      destination: outputs.payment.address,
      amount: outputs.payment.amount,
      fee,
      change: outputs.change.map((c) => ({ destination: c.address, amount: c.amount })),
      replayKeys: unsigned.inputs.map((i) => `btc-outpoint:${i.prevout.txid}:${i.prevout.vout}`),
      details: {
        txid,
        inputs: String(inputs.length),
        'input types': describeInputs(inputs),
        outputs: `${unsigned.outputs.length} (payment outputs[${outputs.payment.index}], ${outputs.change.length} change)`,
        'fee rate': `≈ ${formatFeeRate(fee, vsize)} (estimated ${vsize} vB)`,
        locktime: describeLockTime(unsigned),
        'psbt version': String(parsed.psbtVersion),
        result: describeResult(inputs),
      },
    },
    signing,
    state,
  };
}
