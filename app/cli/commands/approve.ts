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
import { findKey, signEd25519 } from '../../../hsm/index.js';
import { LIMITS } from '../../../signer/format/index.js';
import { inspectBatch } from '../../../signer/inspect.js';
import {
  type Approval,
  ApprovalError,
  approvalDigest,
  approvalMessage,
  verifyApproval,
} from '../../../signer/quorum/index.js';
import {
  APPROVAL_FILE_FORMAT,
  approvalPath,
  approvalsDir,
  loadSoftwareAuthenticator,
  type StoredApproval,
  saveSoftwareAuthenticatorCounter,
} from '../../config/approvals.js';
import { RELYING_PARTY, readRegistry, writeRegistry } from '../../config/registry.js';
import { audit, withPinGuard } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';
import { readPin } from '../pin.js';
import { decide, decisionReport, humanReport, trustOf } from './batch.js';
import { operatorKeyLabel } from './operator.js';

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

    const message = approvalMessage(batchDigest, decision.policyDigest, operatorId);
    const digest = approvalDigest(message);
    out(`Operator ${operatorId}: approving fingerprint ${inspected.fingerprint.text}`);

    // Factor 1: the operator's card, after C_Login with the card's PIN (Airlock's own lock-out around it).
    const token = ctx.token(operator.cardToken);
    const cardSignature = await withPinGuard(
      ctx.layout,
      { token: operator.cardToken, subject: 'user-pin' },
      async () =>
        token.withSession(
          await readPin(
            `User PIN of ${operatorId}'s card "${operator.cardToken}": `,
            values['pin-stdin'] === true,
          ),
          (s) => signEd25519(s, findKey(s, { label: operatorKeyLabel(operatorId) }), digest),
        ),
    );

    // Factor 2: WebAuthn. No authenticator is attached to a CLI: the software one stands in.
    out(
      `WebAuthn for ${operatorId}: SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO ONLY (no biometric is checked)`,
    );
    const { authenticator, counter } = loadSoftwareAuthenticator(ctx.layout, operatorId);
    const assertion = authenticator.getAssertion(digest, { signCount: counter + 1 });
    saveSoftwareAuthenticatorCounter(ctx.layout, operatorId, counter + 1);

    const approval: Approval = { operatorId, cardSignature: hex(cardSignature), webauthn: assertion };
    // The core verifies both factors as the sign step will; nothing unverified is stored.
    const signCount = verifyApproval(approval, operator, {
      batchDigest,
      policyDigest: decision.policyDigest,
      ...RELYING_PARTY,
    });

    const stored: StoredApproval = {
      format: APPROVAL_FILE_FORMAT,
      batchId: inspected.batch.batchId,
      batchDigest,
      policyDigest: decision.policyDigest,
      signCountBefore: operator.webauthn.signCount,
      approvedAt: now.toISOString(),
      approval,
    };
    mkdirSync(approvalsDir(ctx.layout, batchDigest), { recursive: true, mode: 0o700 });
    writeNewFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`);
    writeRegistry(ctx.layout, {
      ...registry,
      operators: registry.operators.map((o) =>
        o.id === operatorId ? { ...o, webauthn: { ...o.webauthn, signCount } } : o,
      ),
    });
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
    return EXIT.OK;
  },
};
