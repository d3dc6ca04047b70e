/**
 * One operator's approval of one batch, shared by `airlock approve` and the operator console. The batch
 * is inspected afresh and evaluated under the installed policy; the approval is legal only for a
 * reviewed batch that is not signed yet (signer/batch-state.ts); both factors sign the approval
 * message (app/cli/operator-approval.ts) and the quorum core verifies them before anything is stored.
 * Then the approval file is written atomically and audited; when it completes the quorum, the batch
 * steps to approved.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { InspectedBatch } from '../../signer/inspect.js';
import { inspectBatch } from '../../signer/inspect.js';
import type { PolicyDecision } from '../../signer/policy/index.js';
import { ApprovalError, type Quorum } from '../../signer/quorum/index.js';
import { decide, quorumFor, trustOf } from '../cli/commands/batch.js';
import type { CliContext } from '../cli/context.js';
import { writeNewFileAtomic } from '../cli/files.js';
import { type ApprovalFactors, giveApproval } from '../cli/operator-approval.js';
import {
  APPROVAL_FILE_FORMAT,
  approvalPath,
  approvalsDir,
  type StoredApproval,
} from '../config/approvals.js';
import { type EnrolledOperator, readRegistry } from '../config/registry.js';
import { audit, openLedger } from '../config/stores.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** What an operator is about to approve, checked before any factor is asked for. */
export interface BatchApprovalPlan {
  readonly inspected: InspectedBatch;
  readonly batchDigest: string;
  readonly decision: PolicyDecision;
  readonly operator: EnrolledOperator;
  readonly file: string;
}

export function planBatchApproval(
  ctx: CliContext,
  batchBytes: Uint8Array,
  operatorId: string,
  now: Date,
): BatchApprovalPlan {
  const registry = readRegistry(ctx.layout);
  const operator = registry.operators.find((o) => o.id === operatorId);
  if (!operator)
    throw new ApprovalError(
      'UNKNOWN_OPERATOR',
      `operator ${operatorId} is not enrolled (airlock operator list)`,
      {
        found: operatorId,
      },
    );
  const inspected = inspectBatch(batchBytes, trustOf(registry), now);
  const batchDigest = hex(inspected.batch.digest);
  const { decision } = decide(ctx.layout, inspected, now);
  const file = approvalPath(ctx.layout, batchDigest, operatorId);
  if (existsSync(file))
    throw new ApprovalError(
      'DUPLICATE_OPERATOR',
      `operator ${operatorId} approved batch ${inspected.batch.batchId} already; one approval per operator counts`,
      { operatorId },
    );
  // Legal only for a reviewed batch that is not signed yet: approvals die with the batch.
  const ledger = openLedger(ctx.layout);
  try {
    ledger.stepBatch(batchDigest, inspected.batch.batchId, 'approval', now);
  } finally {
    ledger.close();
  }
  return { inspected, batchDigest, decision, operator, file };
}

export interface GivenBatchApproval {
  readonly file: string;
  readonly signCount: number;
  /** The quorum when this approval completed it, else null. */
  readonly quorum: Quorum | null;
  /** When the quorum is not met yet: why (approvals found of required). */
  readonly pending: string | null;
}

export async function giveBatchApproval(
  ctx: CliContext,
  plan: BatchApprovalPlan,
  factors: ApprovalFactors,
  now: Date,
): Promise<GivenBatchApproval> {
  const { inspected, batchDigest, decision, operator, file } = plan;
  const { approval, signCountBefore, signCount } = await giveApproval(
    ctx,
    operator,
    'batch',
    batchDigest,
    decision.policyDigest,
    factors,
  );
  const stored: StoredApproval = {
    format: APPROVAL_FILE_FORMAT,
    batchId: inspected.batch.batchId,
    batchDigest,
    policyDigest: decision.policyDigest,
    signCountBefore,
    approvedAt: now.toISOString(),
    approval,
  };
  mkdirSync(approvalsDir(ctx.layout, batchDigest), { recursive: true, mode: 0o700 });
  writeNewFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`);
  audit(ctx.layout, {
    action: 'approval',
    payload: {
      operatorId: operator.id,
      batchId: inspected.batch.batchId,
      batchDigest,
      fingerprint: inspected.fingerprint.text,
      policyDigest: decision.policyDigest,
      required: decision.required,
      cardSignature: approval.cardSignature,
      webauthnSignCount: signCount,
      authenticator: factors.authenticator,
    },
  });
  // When this approval completes the quorum, the batch is approved.
  try {
    const quorum = quorumFor(ctx.layout, readRegistry(ctx.layout), inspected, now);
    const ledger = openLedger(ctx.layout);
    try {
      ledger.stepBatch(batchDigest, inspected.batch.batchId, 'quorum', now);
    } finally {
      ledger.close();
    }
    return { file, signCount, quorum, pending: null };
  } catch (err) {
    if (!(err instanceof ApprovalError && err.code === 'QUORUM_NOT_MET')) throw err;
    return {
      file,
      signCount,
      quorum: null,
      pending: `${err.found ?? '?'} of ${decision.required} approvals`,
    };
  }
}
