/**
 * A real quorum for tests and benchmarks that sign: two of the quorum fixtures' three operators
 * approve the inspected batch with their software cards and software WebAuthn authenticators, and
 * `collectQuorum` verifies both factors as on the appliance. Signing without a quorum is impossible
 * by construction (signer/approved-batch.ts), so this is how tests reach `signBatch`.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { type ApprovedBatch, approveBatch } from '../signer/approved-batch.js';
import type { InspectedBatch } from '../signer/inspect.js';
import { approve, POLICY, RP, threeOperators } from '../signer/quorum/fixtures.js';
import { collectQuorum, type Quorum } from '../signer/quorum/index.js';

const operators = threeOperators();

/** A quorum (2 of 3 test operators) over the batch digest `batchDigest` (hex). */
export function testQuorum(batchDigest: string): Quorum {
  return collectQuorum(
    { batchDigest },
    { required: 2, policyDigest: POLICY },
    [approve(operators[0]!, { batchDigest }), approve(operators[1]!, { batchDigest })],
    operators.map((o) => o.operator),
    RP,
  );
}

/** The inspected batch approved by a real test quorum. */
export function approvedForTests(inspected: InspectedBatch): ApprovedBatch {
  return approveBatch(inspected, testQuorum(bytesToHex(inspected.batch.digest)));
}
