/**
 * Online side: intents → unsigned transactions → a batch signed by the coordinator key. Runs on the
 * exchange's online node, never on the appliance's signing path.
 */
import type { EnrolledKey } from '../chains/adapter.js';
import { buildWithdrawalPsbt } from '../chains/bitcoin/index.js';
import { buildUnsignedType2, erc20TransferData } from '../chains/ethereum/index.js';
import { refuse } from '../errors.js';
import {
  attachSignature,
  type BatchWire,
  batchDigest,
  buildBatchBody,
  type DeclaredWithdrawal,
  serializeBatch,
} from '../format/index.js';
import { NETWORKS } from '../networks.js';
import type { Intents, WithdrawalIntent } from './intents.js';

export interface BuildContext {
  /** The appliance's enrolled signing keys (from its public registry export). */
  readonly keys: ReadonlyMap<string, EnrolledKey>;
  readonly coordinatorKeyId: string;
  /** Ed25519 signature by the coordinator key over the 32-byte batch digest. */
  signDigest(digest: Uint8Array): Promise<Uint8Array>;
  readonly now: Date;
}

function unsignedTx(intent: WithdrawalIntent, intents: Intents, keys: BuildContext['keys']): string {
  const key = keys.get(intent.keyLabel);
  if (key?.curve !== 'secp256k1') {
    refuse('UNKNOWN_KEY', `no enrolled secp256k1 key "${intent.keyLabel}" in the appliance export`, {
      withdrawalId: intent.id,
      field: 'keyLabel',
      found: intent.keyLabel,
    });
  }
  try {
    if (intent.bitcoin) {
      const b = intent.bitcoin;
      return buildWithdrawalPsbt({
        network: intents.network,
        utxos: b.utxos.map((u) => ({ txid: u.txid, vout: u.vout, amount: u.amount })),
        signingPublicKey: key.publicKey,
        inputType: b.inputType,
        ...(b.multisig
          ? {
              multisig: {
                m: b.multisig.m,
                // "@label" stands for the appliance's own enrolled key.
                pubkeys: b.multisig.pubkeys.map((k) =>
                  k === `@${intent.keyLabel}` ? key.publicKey : Uint8Array.from(Buffer.from(k, 'hex')),
                ),
                sort: true,
              },
            }
          : {}),
        destination: intent.destination,
        amount: intent.amount,
        leave: { fee: b.fee },
      });
    }
    const e = intent.ethereum!;
    const token = intent.asset !== 'native';
    return buildUnsignedType2({
      chainId: NETWORKS[intents.network].ethereumChainId,
      nonce: e.nonce,
      maxPriorityFeePerGas: e.maxPriorityFeePerGas,
      maxFeePerGas: e.maxFeePerGas,
      gasLimit: e.gasLimit,
      to: token ? intent.asset : intent.destination,
      value: token ? 0n : intent.amount,
      ...(token ? { data: erc20TransferData(intent.destination, intent.amount) } : {}),
    });
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) {
      refuse('SCHEMA_INVALID', `cannot build the transaction: ${err.message}`, { withdrawalId: intent.id });
    }
    throw err;
  }
}

/** Build every unsigned transaction, the batch and its coordinator signature; returns the batch JSON. */
export async function buildSignedBatch(
  intents: Intents,
  ctx: BuildContext,
): Promise<{ batch: BatchWire; json: string }> {
  const withdrawals: DeclaredWithdrawal[] = intents.withdrawals.map((intent) => ({
    id: intent.id,
    chain: intent.chain,
    asset:
      intent.asset === 'native'
        ? { kind: 'native' }
        : { kind: 'token', contract: intent.asset.toLowerCase() },
    destination: intent.destination,
    amount: intent.amount,
    feeCap: intent.feeCap,
    keyLabel: intent.keyLabel,
    ...(intent.ethereum ? { nonce: intent.ethereum.nonce } : {}),
    rawTx: unsignedTx(intent, intents, ctx.keys),
  }));
  const body = buildBatchBody({
    batchId: intents.batchId,
    createdAt: ctx.now,
    expiresAt: new Date(ctx.now.getTime() + intents.validForMinutes * 60_000),
    network: intents.network,
    coordinatorKeyId: ctx.coordinatorKeyId,
    withdrawals,
  });
  const signature = await ctx.signDigest(batchDigest(body));
  const batch = attachSignature(body, signature) as BatchWire;
  return { batch, json: serializeBatch(batch) };
}
