/**
 * `airlock approve <batch> --operator ID`: one operator's approval of one batch. The batch is
 * inspected afresh and evaluated under the installed policy; the operator sees the decoded
 * withdrawals, the policy's decision and the fingerprint; then both factors sign the approval message
 * (signer/quorum/approval-message.ts): the operator's card (Ed25519 key `operator-<id>`, after C_Login
 * with the card's PIN) and the WebAuthn credential, here the SOFTWARE AUTHENTICATOR FOR TESTS AND
 * DEMO (no authenticator is attached to a CLI). The approval is verified by the quorum core before it
 * is stored: the CLI never trusts its own factors.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LIMITS } from '../../../signer/format/index.js';
import { inspectBatch } from '../../../signer/inspect.js';
import { ApprovalError } from '../../../signer/quorum/index.js';
import {
  APPROVAL_FILE_FORMAT,
  approvalPath,
  approvalsDir,
  type StoredApproval,
} from '../../config/approvals.js';
import { readRegistry } from '../../config/registry.js';
import { audit, openLedger } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';
import { giveApproval } from '../operator-approval.js';
import { decide, decisionReport, humanReport, quorumFor, trustOf } from './batch.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export const approve: Command = {
  name: 'approve',
  usage: 'airlock approve <batch.json> --operator ID [--pin-stdin]',
  summary: 'approve a batch as one operator: card signature + WebAuthn (software authenticator, tests/demo)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, 'pin-stdin': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one batch file');
    const operatorId = values.operator;
    if (!operatorId) throw new UsageError('--operator is required');
    const ctx = cliContext();
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

    const now = new Date();
    const inspected = inspectBatch(
      readInputFile(positionals[0]!, LIMITS.maxBatchBytes),
      trustOf(registry),
      now,
    );
    const batchDigest = hex(inspected.batch.digest);
    const { decision } = decide(ctx.layout, inspected, now);
    for (const line of humanReport(inspected)) out(line);
    out('');
    for (const line of decisionReport(decision)) out(line);

    const file = approvalPath(ctx.layout, batchDigest, operatorId);
    if (existsSync(file))
      throw new ApprovalError(
        'DUPLICATE_OPERATOR',
        `operator ${operatorId} approved batch ${inspected.batch.batchId} already (${file}); one approval per operator counts`,
        { operatorId },
      );

    // Legal only for a reviewed batch that is not signed yet: approvals die with the batch.
    const ledger = openLedger(ctx.layout);
    try {
      ledger.stepBatch(batchDigest, inspected.batch.batchId, 'approval', now);
    } finally {
      ledger.close();
    }
    out(`Operator ${operatorId}: approving fingerprint ${inspected.fingerprint.text}`);
    const { approval, signCountBefore, signCount } = await giveApproval(
      ctx,
      operator,
      'batch',
      batchDigest,
      decision.policyDigest,
      values['pin-stdin'] === true,
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
        operatorId,
        batchId: inspected.batch.batchId,
        batchDigest,
        fingerprint: inspected.fingerprint.text,
        policyDigest: decision.policyDigest,
        required: decision.required,
        cardSignature: approval.cardSignature,
        webauthnSignCount: signCount,
        authenticator: 'software authenticator for tests and demo only',
      },
    });
    out(
      `approved by ${operatorId} (card signature and WebAuthn assertion verified; software authenticator for tests and demo) -> ${file}`,
    );
    // When this approval completes the quorum, the batch is approved.
    try {
      const quorum = quorumFor(ctx.layout, readRegistry(ctx.layout), inspected, now);
      const ledger = openLedger(ctx.layout);
      try {
        ledger.stepBatch(batchDigest, inspected.batch.batchId, 'quorum', now);
      } finally {
        ledger.close();
      }
      out(
        `QUORUM MET: ${quorum.approvals.length} of ${quorum.required}; batch ${inspected.batch.batchId} is approved`,
      );
    } catch (err) {
      if (!(err instanceof ApprovalError && err.code === 'QUORUM_NOT_MET')) throw err;
      out(`quorum not met yet: ${err.found ?? '?'} of ${decision.required} approvals`);
    }
    return EXIT.OK;
  },
};
