/**
 * Input policy: every input must be provably the signing key's, in one of three shapes, with
 * SIGHASH_ALL and nothing Airlock does not understand. Deny by default.
 *
 *   p2wpkh          witnessUtxo script = OP_0 HASH160(key)
 *   p2wsh-multisig  witnessUtxo script = OP_0 SHA256(witnessScript), witnessScript = OP_m <keys> OP_n
 *                   OP_CHECKMULTISIG containing the key once (other cosigners' partial signatures
 *                   allowed; they are verified in decode.ts)
 *   p2tr            witnessUtxo script = OP_1 Q with Q the BIP-86 tweak of the key (no script tree)
 *
 * Specs: BIP-174 input fields, BIP-141, BIP-143, BIP-341, BIP-86.
 * Invariants: the witnessUtxo is required (its amount is what BIP-143/341 commit to and what the fee
 * is computed from; a nonWitnessUtxo alone is refused, and one given beside it was checked against
 * the outpoint by the parser). Every PSBT field present on an input is on that shape's allowlist.
 * Refusals name the withdrawal, `inputs[i]`, what was expected and what was found.
 */

import { bytesToHex } from '@noble/hashes/utils.js';
import { missingCaseError, refuse } from '../../errors.js';
import type { EnrolledKey } from '../adapter.js';
import { addressOfScript } from './address.js';
import { equalBytes, hash160, MAX_MONEY } from './encoding.js';
import type { BitcoinNetworkParams } from './network.js';
import type { ParsedPsbt } from './psbt.js';
import { classifyScript, type Multisig, p2wshScript, parseMultisig, taprootOutputKey } from './scripts.js';
import { SIGHASH_ALL, SIGHASH_DEFAULT } from './sighash.js';
import type { OutPoint } from './transaction.js';

export type OwnedInputKind = 'p2wpkh' | 'p2wsh-multisig' | 'p2tr';

interface OwnedInputBase {
  readonly index: number;
  readonly prevout: OutPoint;
  /** witnessUtxo amount, satoshi. */
  readonly amount: bigint;
  /** witnessUtxo script. */
  readonly script: Uint8Array;
}

/** A signature already present on a multisig input, from another cosigner. */
export interface CosignerSignature {
  readonly pubkey: Uint8Array;
  /** DER signature followed by the sighash byte, as carried in PSBT_IN_PARTIAL_SIG. */
  readonly signature: Uint8Array;
}

export type OwnedInput =
  | (OwnedInputBase & { readonly kind: 'p2wpkh' })
  | (OwnedInputBase & {
      readonly kind: 'p2wsh-multisig';
      readonly witnessScript: Uint8Array;
      readonly multisig: Multisig;
      readonly cosignerSignatures: readonly CosignerSignature[];
    })
  | (OwnedInputBase & {
      readonly kind: 'p2tr';
      /** x-only output key Q. */
      readonly outputKey: Uint8Array;
      /** SIGHASH_DEFAULT (64-byte signature) unless the PSBT asks for SIGHASH_ALL. */
      readonly hashType: typeof SIGHASH_DEFAULT | typeof SIGHASH_ALL;
    });

/** PSBT input fields every shape may carry: framing, UTXO data, derivation hints, the sighash. */
const COMMON_FIELDS = [
  'txid',
  'index',
  'sequence',
  'witnessUtxo',
  'nonWitnessUtxo',
  'sighashType',
  'bip32Derivation',
  'tapBip32Derivation',
  'requiredTimeLocktime',
  'requiredHeightLocktime',
] as const;

const ALLOWED_FIELDS: Readonly<Record<OwnedInputKind, ReadonlySet<string>>> = Object.freeze({
  p2wpkh: new Set<string>(COMMON_FIELDS),
  'p2wsh-multisig': new Set<string>([...COMMON_FIELDS, 'witnessScript', 'partialSig']),
  p2tr: new Set<string>([...COMMON_FIELDS, 'tapInternalKey']),
});

const SIGHASH_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'SIGHASH_DEFAULT',
  1: 'SIGHASH_ALL',
  2: 'SIGHASH_NONE',
  3: 'SIGHASH_SINGLE',
  129: 'SIGHASH_ALL|ANYONECANPAY',
  130: 'SIGHASH_NONE|ANYONECANPAY',
  131: 'SIGHASH_SINGLE|ANYONECANPAY',
});

export function sighashName(t: number): string {
  return SIGHASH_NAMES[t] ?? `sighash type 0x${t.toString(16)}`;
}

/** The address of a script for messages, else its hex. */
function describeScript(script: Uint8Array, net: BitcoinNetworkParams): string {
  const a = addressOfScript(script, net);
  return a === undefined ? `script ${bytesToHex(script)}` : `${a.address} (${a.kind})`;
}

/** Checks every input of the PSBT against the policy above; refuses at the first one that fails. */
export function checkInputs(
  parsed: ParsedPsbt,
  key: EnrolledKey,
  net: BitcoinNetworkParams,
  withdrawalId: string,
): OwnedInput[] {
  const { tx, unsigned } = parsed;
  if (unsigned.inputs.length === 0)
    refuse('MALFORMED_TX', 'the transaction spends no inputs', {
      withdrawalId,
      field: 'inputs',
      expected: 'at least one input',
      found: '0 inputs',
    });
  const seen = new Set<string>();
  const owned: OwnedInput[] = [];
  for (let index = 0; index < unsigned.inputs.length; index++) {
    const field = `inputs[${index}]`;
    const view = unsigned.inputs[index]!;
    const outpoint = `${view.prevout.txid}:${view.prevout.vout}`;
    if (seen.has(outpoint))
      refuse('MALFORMED_TX', `${field} spends ${outpoint} a second time`, {
        withdrawalId,
        field,
        expected: 'each outpoint spent once',
        found: `duplicate ${outpoint}`,
      });
    seen.add(outpoint);
    owned.push(checkInput(tx.getInput(index), index, view.prevout, key, net, withdrawalId));
  }
  return owned;
}

type ScureInput = ReturnType<ParsedPsbt['tx']['getInput']>;

function checkInput(
  input: ScureInput,
  index: number,
  prevout: OutPoint,
  key: EnrolledKey,
  net: BitcoinNetworkParams,
  withdrawalId: string,
): OwnedInput {
  const field = `inputs[${index}]`;
  const utxo = input.witnessUtxo;
  if (utxo === undefined)
    refuse(
      'MISSING_WITNESS_UTXO',
      `${field} (${prevout.txid}:${prevout.vout}) has no witnessUtxo` +
        (input.nonWitnessUtxo === undefined ? '' : ' (a nonWitnessUtxo alone is not accepted)'),
      {
        withdrawalId,
        field: `${field}.witnessUtxo`,
        expected: 'the spent output (amount and script)',
        found: input.nonWitnessUtxo === undefined ? 'nothing' : 'only nonWitnessUtxo',
      },
    );
  const script = Uint8Array.from(utxo.script);
  const amount = utxo.amount;
  if (amount < 0n || amount > MAX_MONEY)
    refuse('MALFORMED_TX', `${field} spends an amount outside 0..21,000,000 BTC`, {
      withdrawalId,
      field: `${field}.witnessUtxo.amount`,
      expected: `0..${MAX_MONEY} sat`,
      found: `${amount} sat`,
    });
  const base = { index, prevout, amount, script };
  const template = classifyScript(script);
  const spends = describeScript(script, net);
  const foreign = (why: string): never =>
    refuse('FOREIGN_INPUT', `${field} spends ${spends}, which is not the signing key's: ${why}`, {
      withdrawalId,
      field,
      expected: `an output of key ${key.label}`,
      found: spends,
    });
  let result: OwnedInput;
  switch (template.type) {
    case 'p2wpkh': {
      if (!equalBytes(template.program, hash160(key.publicKey))) foreign('P2WPKH of another key');
      result = { ...base, kind: 'p2wpkh' };
      break;
    }
    case 'p2wsh': {
      const ws = input.witnessScript;
      if (ws === undefined) return foreign('P2WSH without a witnessScript, so its keys cannot be shown');
      const witnessScript = Uint8Array.from(ws);
      if (!equalBytes(p2wshScript(witnessScript), script))
        refuse('MALFORMED_TX', `${field} witnessScript does not hash to the spent P2WSH program`, {
          withdrawalId,
          field: `${field}.witnessScript`,
          expected: bytesToHex(template.program),
          found: bytesToHex(p2wshScript(witnessScript).subarray(2)),
        });
      const multisig = parseMultisig(witnessScript);
      if (multisig === undefined)
        refuse(
          'UNSUPPORTED_INPUT_TYPE',
          `${field} spends a P2WSH whose witnessScript is not a standard multisig`,
          {
            withdrawalId,
            field: `${field}.witnessScript`,
            expected: 'OP_m <compressed keys> OP_n OP_CHECKMULTISIG',
            found: bytesToHex(witnessScript),
          },
        );
      if (!multisig.pubkeys.some((k) => equalBytes(k, key.publicKey)))
        foreign(`${multisig.m}-of-${multisig.pubkeys.length} multisig without the signing key`);
      result = {
        ...base,
        kind: 'p2wsh-multisig',
        witnessScript,
        multisig,
        cosignerSignatures: checkCosignerSignatures(input, multisig, key, field, withdrawalId),
      };
      break;
    }
    case 'p2tr': {
      if (input.tapLeafScript !== undefined || input.tapMerkleRoot !== undefined)
        refuse('UNSUPPORTED_INPUT_TYPE', `${field} spends a taproot output with a script tree`, {
          withdrawalId,
          field: input.tapLeafScript !== undefined ? `${field}.tapLeafScript` : `${field}.tapMerkleRoot`,
          expected: 'key-path-only P2TR (BIP-86)',
          found: 'a script tree',
        });
      const outputKey = taprootOutputKey(key.publicKey);
      if (!equalBytes(template.program, outputKey)) foreign('not the BIP-86 output key of the signing key');
      if (input.tapInternalKey !== undefined && !equalBytes(input.tapInternalKey, key.publicKey.subarray(1)))
        refuse('MALFORMED_TX', `${field} tapInternalKey is not the signing key`, {
          withdrawalId,
          field: `${field}.tapInternalKey`,
          expected: bytesToHex(key.publicKey.subarray(1)),
          found: bytesToHex(input.tapInternalKey),
        });
      const hashType = input.sighashType ?? SIGHASH_DEFAULT;
      if (hashType !== SIGHASH_DEFAULT && hashType !== SIGHASH_ALL)
        return notAll(field, hashType, withdrawalId);
      result = { ...base, kind: 'p2tr', outputKey, hashType };
      break;
    }
    case 'p2pkh':
    case 'p2sh':
    case 'p2pk':
    case 'bare-multisig':
      return refuse(
        'UNSUPPORTED_INPUT_TYPE',
        `${field} spends a legacy (pre-segwit) ${template.type} output`,
        {
          withdrawalId,
          field,
          expected: 'P2WPKH, P2WSH multisig or P2TR key path',
          found: spends,
        },
      );
    case 'witness-unknown':
    case 'op-return':
    case 'nonstandard':
      return refuse('UNSUPPORTED_INPUT_TYPE', `${field} spends an output type Airlock does not sign`, {
        withdrawalId,
        field,
        expected: 'P2WPKH, P2WSH multisig or P2TR key path',
        found: spends,
      });
    default:
      throw missingCaseError(template);
  }
  if (result.kind !== 'p2tr' && input.sighashType !== undefined && input.sighashType !== SIGHASH_ALL)
    notAll(field, input.sighashType, withdrawalId);
  checkFields(input, result.kind, field, withdrawalId);
  return result;
}

function notAll(field: string, hashType: number, withdrawalId: string): never {
  return refuse(
    'SIGHASH_NOT_ALL',
    `${field} asks for ${sighashName(hashType)}; Airlock signs only SIGHASH_ALL`,
    {
      withdrawalId,
      field: `${field}.sighashType`,
      expected: 'SIGHASH_ALL (or absent)',
      found: sighashName(hashType),
    },
  );
}

function checkFields(input: ScureInput, kind: OwnedInputKind, field: string, withdrawalId: string): void {
  const allowed = ALLOWED_FIELDS[kind];
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || allowed.has(name)) continue;
    const what =
      name === 'finalScriptSig' || name === 'finalScriptWitness'
        ? 'is already finalized'
        : name === 'partialSig' || name === 'tapKeySig' || name === 'tapScriptSig'
          ? 'already carries a signature'
          : `carries ${name}, which Airlock does not accept on a ${kind} input`;
    refuse('MALFORMED_TX', `${field} ${what}`, {
      withdrawalId,
      field: `${field}.${name}`,
      expected: `only ${[...allowed].join(', ')}`,
      found: name,
    });
  }
}

/** Other cosigners' partial signatures: keys of this multisig only, never the signing key. */
function checkCosignerSignatures(
  input: ScureInput,
  multisig: Multisig,
  key: EnrolledKey,
  field: string,
  withdrawalId: string,
): CosignerSignature[] {
  const out: CosignerSignature[] = [];
  for (const [pubkey, signature] of input.partialSig ?? []) {
    if (equalBytes(pubkey, key.publicKey))
      refuse('MALFORMED_TX', `${field} already carries a signature for the signing key ${key.label}`, {
        withdrawalId,
        field: `${field}.partialSig`,
        expected: 'signatures of other cosigners only',
        found: `a signature for ${bytesToHex(pubkey)}`,
      });
    if (!multisig.pubkeys.some((k) => equalBytes(k, pubkey)))
      refuse('MALFORMED_TX', `${field} carries a signature by a key that is not in its multisig`, {
        withdrawalId,
        field: `${field}.partialSig`,
        expected: 'a key of the witnessScript',
        found: bytesToHex(pubkey),
      });
    out.push({ pubkey: Uint8Array.from(pubkey), signature: Uint8Array.from(signature) });
  }
  return out;
}
