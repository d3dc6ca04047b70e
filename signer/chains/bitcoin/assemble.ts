/**
 * `assemble` of the Bitcoin adapter: the HSM's signatures in, a broadcastable transaction (every
 * input final) or a PSBT for the remaining multisig cosigners out.
 *
 * Specs: BIP-141 / BIP-144 (witness, serialization), BIP-143 / BIP-341 (what each signature
 * signs), BIP-174 (partial signatures, finalizer).
 * Invariants: each signature is checked again against its own digest and key before use (ECDSA:
 * the enrolled key, low S; BIP-340: the taproot output key). Every finished witness is re-checked as
 * the script interpreter would (witness.ts), and the result is re-parsed by an independent parser
 * and must have the decoded txid: Airlock never emits a transaction other than the one it showed.
 * Any failure refuses the withdrawal with SIGNATURE_VERIFY_FAILED.
 */
import { base64 } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import { refuse } from '../../errors.js';
import type { Decoded, ProducedSignature, SignedTx } from '../adapter.js';
import type { BitcoinState } from './decode.js';
import { equalBytes, flatHex } from './encoding.js';
import { PSBT_PARSE_OPTIONS, unsignedView } from './psbt.js';
import { SIGHASH_ALL } from './sighash.js';
import {
  ecdsaWitnessSignature,
  parseEcdsaWitnessSignature,
  schnorrWitnessSignature,
  verifyEcdsa,
  verifySchnorr,
} from './signatures.js';
import { serializeSignedTx, serializeUnsignedTx, txidOf } from './transaction.js';
import { checkWitness, finalWitness } from './witness.js';

/** Refuses the withdrawal: nothing of it is emitted. */
function failed(
  state: BitcoinState,
  withdrawalId: string,
  field: string,
  what: string,
  found: string,
): never {
  return refuse('SIGNATURE_VERIFY_FAILED', what, {
    withdrawalId,
    field,
    expected: `transaction ${state.txid} with valid signatures`,
    found,
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Airlock's witness-encoded signature for each input, after checking it against its digest. */
function witnessSignatures(
  decoded: Decoded<BitcoinState>,
  signatures: readonly ProducedSignature[],
): Uint8Array[] {
  const { state, signing } = decoded;
  const wid = decoded.view.withdrawalId;
  if (signatures.length !== signing.length || signing.length !== state.inputs.length)
    failed(
      state,
      wid,
      'signatures',
      'the number of signatures does not match the inputs',
      `${signatures.length} signature(s) for ${state.inputs.length} input(s)`,
    );
  return state.inputs.map((input, n) => {
    const request = signing[n]!;
    const sig = signatures[n]!;
    const field = `inputs[${input.index}]`;
    const digest = state.digests[n]!;
    if (request.inputIndex !== input.index || !equalBytes(request.digest, digest))
      failed(
        state,
        wid,
        field,
        `the signing request for ${field} is not the one decode produced`,
        'a changed request',
      );
    if (input.kind === 'p2tr') {
      if (sig.scheme !== 'bip340-secp256k1')
        return failed(state, wid, field, `${field} needs a BIP-340 signature`, sig.scheme);
      if (!verifySchnorr(sig.bytes, digest, input.outputKey))
        return failed(
          state,
          wid,
          field,
          `the BIP-340 signature for ${field} does not verify against the taproot output key`,
          'an invalid signature',
        );
      return schnorrWitnessSignature(sig.bytes, input.hashType);
    }
    if (sig.scheme !== 'ecdsa-secp256k1')
      return failed(state, wid, field, `${field} needs an ECDSA signature`, sig.scheme);
    if (!verifyEcdsa(sig.compact, digest, state.publicKey))
      return failed(
        state,
        wid,
        field,
        `the ECDSA signature for ${field} does not verify against ${state.keyLabel} (or is high-S)`,
        'an invalid signature',
      );
    return ecdsaWitnessSignature(sig.compact, SIGHASH_ALL);
  });
}

function assembleRaw(decoded: Decoded<BitcoinState>, witnesses: readonly Uint8Array[][]): SignedTx {
  const { state } = decoded;
  const wid = decoded.view.withdrawalId;
  for (const [n, input] of state.inputs.entries()) {
    const problem = checkWitness(input, witnesses[n]!, state.digests[n]!);
    const field = `inputs[${input.index}]`;
    if (problem !== undefined) failed(state, wid, field, `the witness of ${field} is wrong`, problem);
  }
  const raw = serializeSignedTx(state.unsigned, witnesses);
  let reparsed: Transaction;
  try {
    reparsed = Transaction.fromRaw(raw, { allowUnknownOutputs: true, disableScriptCheck: true });
  } catch (e) {
    return failed(state, wid, 'transaction', 'the signed transaction does not parse', message(e));
  }
  const hex = flatHex(raw);
  if (reparsed.id !== state.txid || reparsed.hex !== hex)
    failed(state, wid, 'transaction', 'the signed transaction is not the decoded one', `txid ${reparsed.id}`);
  return { format: 'raw', hex, txid: state.txid };
}

function assemblePsbt(
  decoded: Decoded<BitcoinState>,
  ours: readonly Uint8Array[],
  witnesses: readonly (Uint8Array[] | undefined)[],
): SignedTx {
  const { state } = decoded;
  const wid = decoded.view.withdrawalId;
  let out: Uint8Array;
  try {
    const tx = Transaction.fromPSBT(state.psbt, PSBT_PARSE_OPTIONS);
    if (!equalBytes(tx.unsignedTx, serializeUnsignedTx(state.unsigned)))
      throw new Error('the PSBT changed since decode');
    for (const [n, input] of state.inputs.entries()) {
      const sig = ours[n]!;
      if (input.kind === 'p2tr') tx.updateInput(input.index, { tapKeySig: sig });
      else tx.updateInput(input.index, { partialSig: [[state.publicKey, sig]] });
      // BIP-174 finalizer for the inputs that are complete; it clears their non-final fields.
      if (witnesses[n] !== undefined) tx.finalizeIdx(input.index);
    }
    out = tx.toPSBT(state.psbtVersion);
  } catch (e) {
    return failed(state, wid, 'transaction', 'the signed PSBT cannot be built', message(e));
  }
  verifyPsbt(decoded, out);
  return { format: 'psbt', psbtBase64: base64.encode(out), txid: state.txid };
}

/** Re-reads the PSBT Airlock produced: same transaction, every final witness valid, our signature on the rest. */
function verifyPsbt(decoded: Decoded<BitcoinState>, out: Uint8Array): void {
  const { state } = decoded;
  const wid = decoded.view.withdrawalId;
  let tx: Transaction;
  try {
    tx = Transaction.fromPSBT(out, PSBT_PARSE_OPTIONS);
  } catch (e) {
    failed(state, wid, 'transaction', 'the signed PSBT does not parse', message(e));
  }
  const txid = txidOf(unsignedView(tx));
  if (txid !== state.txid)
    failed(state, wid, 'transaction', 'the signed PSBT is not the decoded transaction', `txid ${txid}`);
  for (const [n, input] of state.inputs.entries()) {
    const field = `inputs[${input.index}]`;
    const got = tx.getInput(input.index);
    const digest = state.digests[n]!;
    if (got.finalScriptWitness !== undefined) {
      const problem = checkWitness(input, got.finalScriptWitness, digest);
      if (problem !== undefined) failed(state, wid, field, `the finalized ${field} is wrong`, problem);
      continue;
    }
    // Only a multisig short of cosigners may stay open; it must carry Airlock's valid signature.
    if (input.kind !== 'p2wsh-multisig')
      failed(state, wid, field, `${field} should have been finalized`, 'no witness');
    const mine = got.partialSig?.find(([k]) => equalBytes(k, state.publicKey));
    const parsed = mine === undefined ? undefined : parseEcdsaWitnessSignature(mine[1]);
    if (
      parsed === undefined ||
      parsed.hashType !== SIGHASH_ALL ||
      !verifyEcdsa(parsed.compact, digest, state.publicKey)
    )
      failed(
        state,
        wid,
        field,
        `${field} does not carry Airlock's valid partial signature`,
        'no valid signature',
      );
  }
}

export function assembleBitcoin(
  decoded: Decoded<BitcoinState>,
  signatures: readonly ProducedSignature[],
): SignedTx {
  const { state } = decoded;
  const ours = witnessSignatures(decoded, signatures);
  const witnesses = state.inputs.map((input, n) => finalWitness(input, ours[n]!, state.publicKey));
  if (witnesses.every((w): w is Uint8Array[] => w !== undefined)) return assembleRaw(decoded, witnesses);
  return assemblePsbt(decoded, ours, witnesses);
}
