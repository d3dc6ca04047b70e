/**
 * `airlock approve <batch> --operator ID`: one operator's approval of one batch (app/appliance/
 * batch-approval.ts). The operator sees the decoded withdrawals, the policy's decision and the
 * fingerprint; then both factors sign the approval message: the operator's card (after C_Login with the
 * card's PIN) and the WebAuthn credential, here the SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO (no
 * authenticator is attached to a CLI). The approval is verified by the quorum core before it is stored.
 */
import { parseArgs } from 'node:util';
import { LIMITS } from '../../../signer/format/index.js';
import { giveBatchApproval, planBatchApproval } from '../../appliance/batch-approval.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile } from '../files.js';
import { cliFactors } from '../operator-approval.js';
import { decisionReport, humanReport } from './batch.js';

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
    const now = new Date();
    const plan = planBatchApproval(
      ctx,
      readInputFile(positionals[0]!, LIMITS.maxBatchBytes),
      operatorId,
      now,
    );
    for (const line of humanReport(plan.inspected)) out(line);
    out('');
    for (const line of decisionReport(plan.decision)) out(line);
    out(`Operator ${operatorId}: approving fingerprint ${plan.inspected.fingerprint.text}`);
    const given = await giveBatchApproval(ctx, plan, cliFactors(ctx, values['pin-stdin'] === true), now);
    out(
      `approved by ${operatorId} (card signature and WebAuthn assertion verified; software authenticator for tests and demo) -> ${given.file}`,
    );
    if (given.quorum)
      out(
        `QUORUM MET: ${given.quorum.approvals.length} of ${given.quorum.required}; batch ${plan.inspected.batch.batchId} is approved`,
      );
    else out(`quorum not met yet: ${given.pending}`);
    return EXIT.OK;
  },
};
