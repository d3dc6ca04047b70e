/**
 * The cross-check: what the bytes say (the adapter's decoded view) against what the batch says
 * (the declared withdrawal), field by field. Any difference refuses the whole batch with a typed
 * error naming the withdrawal and the field. Pure.
 */
import type { AdapterContext, ChainAdapter, DecodedWithdrawal } from './chains/adapter.js';
import { refuse } from './errors.js';
import type { DeclaredWithdrawal } from './format/index.js';

function assetText(asset: DeclaredWithdrawal['asset'] | DecodedWithdrawal['asset']): string {
  return asset.kind === 'native' ? 'native' : `token ${asset.contract}`;
}

export function crossCheck(
  declared: DeclaredWithdrawal,
  decoded: DecodedWithdrawal,
  adapter: ChainAdapter<unknown>,
  ctx: AdapterContext,
): void {
  const withdrawalId = declared.id;
  if (decoded.chain !== declared.chain) {
    refuse(
      'MISMATCH_CHAIN',
      `the transaction is for ${decoded.chain}, the batch declares ${declared.chain}`,
      {
        withdrawalId,
        field: 'chain',
        expected: declared.chain,
        found: decoded.chain,
      },
    );
  }
  const declaredAsset = assetText(declared.asset);
  const decodedAsset = assetText(decoded.asset);
  if (declaredAsset !== decodedAsset) {
    refuse('MISMATCH_ASSET', `the transaction moves ${decodedAsset}, the batch declares ${declaredAsset}`, {
      withdrawalId,
      field: 'asset',
      expected: declaredAsset,
      found: decodedAsset,
    });
  }
  const destination = adapter.canonicalDestination(declared.destination, ctx, withdrawalId);
  if (destination !== decoded.destination) {
    refuse(
      'MISMATCH_DESTINATION',
      `the transaction pays ${decoded.destination}, the batch declares ${destination}`,
      {
        withdrawalId,
        field: 'destination',
        expected: destination,
        found: decoded.destination,
      },
    );
  }
  if (decoded.amount !== declared.amount) {
    refuse(
      'MISMATCH_AMOUNT',
      `the transaction moves ${decoded.amount}, the batch declares ${declared.amount} (base units)`,
      {
        withdrawalId,
        field: 'amount',
        expected: declared.amount.toString(),
        found: decoded.amount.toString(),
      },
    );
  }
  if (declared.nonce !== undefined || decoded.nonce !== undefined) {
    if (declared.nonce !== decoded.nonce) {
      refuse(
        'MISMATCH_NONCE',
        `the transaction has nonce ${decoded.nonce ?? 'none'}, the batch declares ${declared.nonce ?? 'none'}`,
        {
          withdrawalId,
          field: 'nonce',
          expected: String(declared.nonce ?? 'none'),
          found: String(decoded.nonce ?? 'none'),
        },
      );
    }
  }
  if (decoded.fee > declared.feeCap) {
    refuse(
      'FEE_ABOVE_CAP',
      `the transaction can pay a fee of ${decoded.fee}, above the declared cap of ${declared.feeCap} (base units)`,
      {
        withdrawalId,
        field: 'feeCap',
        expected: `at most ${declared.feeCap}`,
        found: decoded.fee.toString(),
      },
    );
  }
}
