/**
 * Online side: check what comes back from the appliance before broadcasting anything.
 *  - the result is signed by the enrolled appliance key and answers exactly this batch (digest, id);
 *  - every withdrawal of the batch is there once, nothing else;
 *  - Bitcoin: the signed transaction is the batch's transaction (same txid: same inputs, outputs,
 *    amounts) and carries, for every input, a low-S DER signature by the enrolled key over that
 *    input's sighash;
 *  - Ethereum: the signed transaction recovers to the enrolled key's address and signs exactly the
 *    batch's unsigned payload.
 * Throws RefusalError; returns the transactions to broadcast.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { base64, hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import type { AdapterContext } from '../chains/adapter.js';
import { type BitcoinState, checkWitness } from '../chains/bitcoin/index.js';
import {
  addressOfPublicKey,
  decodeUnsignedType2,
  type2SigningDigest,
  verifySignedType2,
} from '../chains/ethereum/index.js';
import { ADAPTERS } from '../chains/index.js';
import { refuse } from '../errors.js';
import {
  batchDigest,
  parseBatch,
  parseResult,
  type ResultWithdrawal,
  verifyResult,
} from '../format/index.js';

export interface BroadcastTx {
  readonly id: string;
  readonly chain: string;
  readonly format: 'raw' | 'psbt';
  readonly txid: string;
  /** Raw transaction hex, or the PSBT (base64) still needing cosigners. */
  readonly payload: string;
}

const HALF_N = secp256k1.Point.Fn.ORDER >> 1n;

function lowSDerVerifies(sigWithHashType: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  if (sigWithHashType.length < 9 || sigWithHashType[sigWithHashType.length - 1] !== 0x01) return false; // SIGHASH_ALL only
  try {
    const sig = secp256k1.Signature.fromBytes(sigWithHashType.subarray(0, -1), 'der');
    if (sig.s > HALF_N) return false;
    return secp256k1.verify(sig.toBytes('compact'), digest, publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

function verifyBitcoin(w: ResultWithdrawal, rawTx: string, ctx: AdapterContext, keyLabel: string): void {
  const decoded = ADAPTERS.bitcoin.decode({ withdrawalId: w.id, rawTx, keyLabel }, ctx);
  const expectedTxid = (decoded.state as BitcoinState).txid;
  if (w.signedTx.txid !== expectedTxid) {
    refuse('SIGNATURE_VERIFY_FAILED', 'the signed transaction is not the batch’s transaction', {
      withdrawalId: w.id,
      field: 'txid',
      expected: expectedTxid,
      found: w.signedTx.txid,
    });
  }
  let tx: Transaction;
  try {
    tx =
      w.signedTx.format === 'raw'
        ? Transaction.fromRaw(hex.decode(w.signedTx.hex), {
            allowUnknownOutputs: true,
            allowUnknownInputs: true,
          })
        : Transaction.fromPSBT(base64.decode(w.signedTx.psbtBase64), {
            allowUnknownOutputs: true,
            allowUnknownInputs: true,
          });
  } catch (err) {
    refuse('MALFORMED_TX', `the signed transaction does not parse: ${(err as Error).message}`, {
      withdrawalId: w.id,
      field: 'signedTx',
    });
  }
  if (tx.id !== w.signedTx.txid) {
    refuse(
      'SIGNATURE_VERIFY_FAILED',
      'the signed transaction’s txid differs from the one the result states',
      {
        withdrawalId: w.id,
        field: 'txid',
        expected: w.signedTx.txid,
        found: tx.id,
      },
    );
  }
  const state = decoded.state as BitcoinState;
  for (const req of decoded.signing) {
    const i = req.inputIndex ?? 0;
    const input = tx.getInput(i);
    const owned = state.inputs[i]!;
    if (w.signedTx.format === 'raw') {
      // A broadcastable input: the witness the script interpreter would accept for this input's
      // shape (P2WPKH [sig, our key]; P2WSH m signatures in key order + the script), with ours in it.
      const witness = input.finalScriptWitness ?? [];
      const problem = checkWitness(owned, witness, req.digest);
      if (problem !== undefined) {
        refuse('SIGNATURE_VERIFY_FAILED', `input ${i}: ${problem}`, {
          withdrawalId: w.id,
          field: `inputs[${i}].witness`,
        });
      }
      if (!witness.some((item) => lowSDerVerifies(item, req.digest, req.publicKey))) {
        refuse('SIGNATURE_VERIFY_FAILED', `input ${i} carries no signature by key "${req.keyLabel}"`, {
          withdrawalId: w.id,
          field: `inputs[${i}].witness`,
        });
      }
    } else {
      const ours = (input.partialSig ?? [])
        .filter(([pk]) => Buffer.compare(Buffer.from(pk), Buffer.from(req.publicKey)) === 0)
        .map(([, sig]) => sig);
      if (!ours.some((sig) => lowSDerVerifies(sig, req.digest, req.publicKey))) {
        refuse(
          'SIGNATURE_VERIFY_FAILED',
          `input ${i} carries no valid low-S SIGHASH_ALL signature by key "${req.keyLabel}"`,
          {
            withdrawalId: w.id,
            field: `inputs[${i}].partialSig`,
          },
        );
      }
    }
  }
}

function verifyEthereum(w: ResultWithdrawal, rawTx: string, ctx: AdapterContext, keyLabel: string): void {
  if (w.signedTx.format !== 'raw') {
    refuse('MALFORMED_TX', 'an Ethereum result must be a raw signed transaction', {
      withdrawalId: w.id,
      field: 'signedTx.format',
    });
  }
  const signed = verifySignedType2(w.signedTx.hex, w.id);
  const key = ctx.keys.get(keyLabel)!;
  const expectedFrom = addressOfPublicKey(key.publicKey);
  if (signed.from.toLowerCase() !== expectedFrom.toLowerCase()) {
    refuse('SIGNATURE_VERIFY_FAILED', 'the transaction is signed by another key than the enrolled one', {
      withdrawalId: w.id,
      field: 'from',
      expected: expectedFrom,
      found: signed.from,
    });
  }
  const batchPayload = type2SigningDigest(
    decodeUnsignedType2(hex.decode(rawTx.replace(/^0x/, '').toLowerCase()), w.id),
  );
  const signedPayload = type2SigningDigest(signed);
  if (Buffer.compare(Buffer.from(batchPayload), Buffer.from(signedPayload)) !== 0) {
    refuse('SIGNATURE_VERIFY_FAILED', 'the signed transaction is not the batch’s unsigned transaction', {
      withdrawalId: w.id,
      field: 'signedTx',
    });
  }
  if (signed.hash !== w.signedTx.txid) {
    refuse('SIGNATURE_VERIFY_FAILED', 'the transaction hash differs from the one the result states', {
      withdrawalId: w.id,
      field: 'txid',
      expected: signed.hash,
      found: w.signedTx.txid,
    });
  }
}

export function verifyResultForBatch(
  resultText: string | Uint8Array,
  batchText: string | Uint8Array,
  applianceKeys: ReadonlyMap<string, Uint8Array>,
  ctx: AdapterContext,
): BroadcastTx[] {
  const result = verifyResult(parseResult(resultText), applianceKeys);
  const batch = parseBatch(batchText);
  const digest = batchDigest(batch);
  if (
    result.batchId !== batch.batchId ||
    Buffer.compare(Buffer.from(result.batchDigest), Buffer.from(digest)) !== 0
  ) {
    refuse('RESULT_SIGNATURE_INVALID', 'the result answers another batch', {
      field: 'batchDigest',
      expected: `${batch.batchId} ${Buffer.from(digest).toString('hex')}`,
      found: `${result.batchId} ${Buffer.from(result.batchDigest).toString('hex')}`,
    });
  }
  const byId = new Map(result.withdrawals.map((w) => [w.id, w]));
  if (byId.size !== result.withdrawals.length || result.withdrawals.length !== batch.withdrawals.length) {
    refuse('MANIFEST_MISMATCH', 'the result does not hold each withdrawal of the batch exactly once', {
      field: 'withdrawals',
      expected: String(batch.withdrawals.length),
      found: String(result.withdrawals.length),
    });
  }
  return batch.withdrawals.map((declared) => {
    const w = byId.get(declared.id);
    if (!w || w.chain !== declared.chain) {
      refuse('MANIFEST_MISMATCH', 'the result lacks this withdrawal', {
        withdrawalId: declared.id,
        field: 'withdrawals',
      });
    }
    if (declared.chain === 'bitcoin') verifyBitcoin(w, declared.rawTx, ctx, declared.keyLabel);
    else verifyEthereum(w, declared.rawTx, ctx, declared.keyLabel);
    return {
      id: w.id,
      chain: w.chain,
      format: w.signedTx.format,
      txid: w.signedTx.txid,
      payload: w.signedTx.format === 'raw' ? w.signedTx.hex : w.signedTx.psbtBase64,
    };
  });
}
