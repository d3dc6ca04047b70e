/**
 * An approved batch: an inspected batch together with the quorum that approved exactly it. The only
 * way to make one is `approveBatch`, which checks that the quorum is a real one (made by
 * `collectQuorum`), of a batch (not a governance motion), over this very batch digest. `signBatch`
 * takes nothing else, so unapproved data cannot type-check into signing, nor pass at run time
 * (airgap-coin-lib's sealed states: unsigned → approved → signed).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { InspectedBatch } from './inspect.js';
import { refuseApproval } from './quorum/errors.js';
import { isQuorum, type Quorum } from './quorum/quorum.js';

declare const approvedBrand: unique symbol;

/** Every ApprovedBatch this module made: the run-time half of the brand. */
const made = new WeakSet<object>();

export interface ApprovedBatch {
  readonly inspected: InspectedBatch;
  readonly quorum: Quorum;
  readonly [approvedBrand]: true;
}

export function approveBatch(inspected: InspectedBatch, quorum: Quorum): ApprovedBatch {
  if (!isQuorum(quorum)) throw new TypeError('"quorum" is not a Quorum made by collectQuorum');
  const digest = bytesToHex(inspected.batch.digest);
  if (quorum.subject !== 'batch')
    refuseApproval(
      'QUORUM_NOT_MET',
      `the quorum approves a ${quorum.subject}, not batch ${inspected.batch.batchId}`,
      {
        expected: 'a quorum of a batch',
        found: `a quorum of a ${quorum.subject}`,
      },
    );
  if (quorum.batchDigest !== digest)
    refuseApproval('QUORUM_NOT_MET', `the quorum approves another batch than ${inspected.batch.batchId}`, {
      expected: digest,
      found: quorum.batchDigest,
    });
  const approved = Object.freeze({ inspected, quorum }) as ApprovedBatch;
  made.add(approved);
  return approved;
}

/** True only for a value `approveBatch` returned. */
export function isApprovedBatch(value: unknown): value is ApprovedBatch {
  return typeof value === 'object' && value !== null && made.has(value);
}
