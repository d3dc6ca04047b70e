/**
 * `airlock inspect <batch>` and `airlock sign <batch> --out <result>` on the appliance.
 * Both decode every transaction afresh; `sign` never trusts an earlier inspection.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BatchState } from '../../../signer/batch-state.js';
import { formatUnits } from '../../../signer/chains/ethereum/units.js';
import { RefusalError } from '../../../signer/errors.js';
import { LIMITS } from '../../../signer/format/index.js';
import {
  type InspectedBatch,
  inspectBatch,
  type TrustAnchors,
  withdrawalReport,
} from '../../../signer/inspect.js';
import {
  evaluatePolicy,
  type Policy,
  type PolicyDecision,
  policyBatchOf,
} from '../../../signer/policy/index.js';
import { collectQuorum, type Quorum } from '../../../signer/quorum/index.js';
import { recordExport, signApprovedBatch } from '../../appliance/batch-signing.js';
import { loadApprovals, loadPolicy } from '../../config/approvals.js';
import type { HomeLayout } from '../../config/home.js';
import { adapterContextOf, RELYING_PARTY, type Registry, readRegistry } from '../../config/registry.js';
import { auditIfPresent, ledgerPath, openLedger } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';
import { readPin, readPinFromShares } from '../pin.js';

export function trustOf(registry: Registry): TrustAnchors {
  return {
    coordinators: new Map(registry.coordinators.map((c) => [c.keyId, c.publicKey])),
    ctx: adapterContextOf(registry),
  };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export function humanReport(inspected: InspectedBatch): string[] {
  const b = inspected.batch;
  const rows = [['#', 'withdrawal', 'chain', 'amount', 'to', 'fee (max)', 'nonce', 'change']];
  inspected.withdrawals.forEach((w, i) => {
    const r = withdrawalReport(w);
    rows.push([
      String(i + 1),
      String(r.id),
      String(r.chain),
      String(r.amountText),
      String(r.destination),
      String(r.feeText),
      String(r.nonce ?? '-'),
      String((r.change as unknown[]).length),
    ]);
  });
  return [
    `Batch ${b.batchId}  network ${b.network}  coordinator ${b.coordinatorKeyId}`,
    `Created ${b.createdAt.toISOString()}  expires ${b.expiresAt.toISOString()}`,
    `FINGERPRINT ${inspected.fingerprint.text}   <- compare with the online node's display`,
    '',
    ...table(rows),
    '',
    `Totals: ${inspected.totals.map((t) => `${formatUnits(t.amount, t.decimals)} ${t.symbol}`).join('; ')}`,
    `${inspected.withdrawals.length} withdrawal(s) decoded from their raw transactions and matched to the batch.`,
  ];
}

/**
 * The installed policy's decision for an inspected batch, with what the replay ledger knows: the
 * amounts signed in the last 24 hours, the destinations paid before, and whether the appliance is
 * frozen (then every batch is refused with the rule FROZEN).
 */
export function decide(
  layout: HomeLayout,
  inspected: InspectedBatch,
  now: Date,
): { policy: Policy; decision: PolicyDecision } {
  const policy = loadPolicy(layout);
  const ledger = openLedger(layout);
  try {
    const decision = evaluatePolicy(policyBatchOf(inspected), policy, {
      now,
      history: ledger.policyHistory(now),
      frozen: ledger.freezeState().frozen,
    });
    return { policy, decision };
  } finally {
    ledger.close();
  }
}

export function decisionReport(decision: PolicyDecision): string[] {
  return [
    `POLICY: ${decision.required} of ${decision.operators} operators must approve this batch` +
      (decision.flagged.length > 0
        ? `; flagged (destination never paid before): ${decision.flagged.join(', ')}`
        : ''),
    ...decision.withdrawals.map(
      (w) =>
        `  ${w.withdrawalId}: ${w.usdValue} USD, ${w.tier === 0 ? 'default' : `tier ${w.tier}`}, needs ${w.required}` +
        (w.newDestination ? ', new destination' : ''),
    ),
    ...decision.reasons.map((r) => `  ${r}`),
  ];
}

export const inspect: Command = {
  name: 'inspect',
  usage: 'airlock inspect <batch.json> [--json]',
  summary: 'authenticate a batch, decode every transaction, cross-check it; exit 3 if refused',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one batch file');
    const bytes = readInputFile(positionals[0]!, LIMITS.maxBatchBytes);
    const { layout } = cliContext();
    const trust = trustOf(readRegistry(layout));
    try {
      const inspected = inspectBatch(bytes, trust, new Date());
      const state = recordReview(layout, inspected);
      auditIfPresent(layout, {
        action: 'review',
        payload: {
          batchId: inspected.batch.batchId,
          digest: Buffer.from(inspected.batch.digest).toString('hex'),
          fingerprint: inspected.fingerprint.text,
          withdrawals: inspected.withdrawals.length,
          state: state ?? null,
        },
      });
      if (values.json) {
        out(
          JSON.stringify({
            ok: true,
            batchId: inspected.batch.batchId,
            network: inspected.batch.network,
            fingerprint: inspected.fingerprint.text,
            digest: Buffer.from(inspected.batch.digest).toString('hex'),
            withdrawals: inspected.withdrawals.map(withdrawalReport),
            totals: inspected.totals.map((t) => ({ ...t, amount: t.amount.toString() })),
            state: state ?? null,
          }),
        );
      } else {
        for (const line of humanReport(inspected)) out(line);
        if (state) out(`State on this appliance: ${state}`);
      }
      return EXIT.OK;
    } catch (err) {
      if (!(err instanceof RefusalError)) throw err;
      if (values.json) {
        out(JSON.stringify({ ok: false, withdrawals: [], error: err.toJSON() }));
        return EXIT.REFUSED;
      }
      throw err;
    }
  },
};

/**
 * On an appliance (a data directory with a ledger), looking at a batch imports and reviews it: its
 * state becomes reviewed (or stays what it was past that). Returns the state, or undefined where there
 * is no ledger (a bare directory used only to look).
 */
function recordReview(layout: HomeLayout, inspected: InspectedBatch): BatchState | undefined {
  if (!existsSync(ledgerPath(layout))) return undefined;
  const ledger = openLedger(layout);
  try {
    const digest = Buffer.from(inspected.batch.digest).toString('hex');
    ledger.stepBatch(digest, inspected.batch.batchId, 'import');
    return ledger.stepBatch(digest, inspected.batch.batchId, 'review');
  } finally {
    ledger.close();
  }
}

/**
 * The quorum for an inspected batch: the installed policy's decision, and every stored approval of
 * the batch digest verified again by the quorum core (signer/quorum), each against the WebAuthn
 * counter its operator had when approving (stored with it; the registry has moved on since).
 */
export function quorumFor(
  layout: HomeLayout,
  registry: Registry,
  inspected: InspectedBatch,
  now: Date,
): Quorum {
  const batchDigest = Buffer.from(inspected.batch.digest).toString('hex');
  const { decision } = decide(layout, inspected, now);
  process.stderr.write(`${decisionReport(decision).join('\n')}\n`);
  const stored = storedApprovalsOfEnrolled(layout, registry, batchDigest);
  const operators = registry.operators.map((o) => {
    const mine = stored.find((s) => s?.approval?.operatorId === o.id);
    const before = mine?.signCountBefore;
    if (mine === undefined || typeof before !== 'number' || !Number.isSafeInteger(before) || before < 0)
      return o;
    // Never above what the registry saw: an approval cannot claim a counter from the future.
    return { ...o, webauthn: { ...o.webauthn, signCount: Math.min(before, o.webauthn.signCount) } };
  });
  const quorum = collectQuorum(
    { batchDigest },
    decision,
    stored.map((s) => s?.approval),
    operators,
    RELYING_PARTY,
  );
  process.stderr.write(
    `QUORUM: ${quorum.approvals.length} verified approval(s) of ${quorum.required} required: ${quorum.approvals.map((a) => a.operatorId).join(', ')}\n`,
  );
  return quorum;
}

/**
 * The stored approvals of a batch by operators who are enrolled now: an operator removed or re-keyed
 * since has had their approvals voided (moved aside by the motion, see governance.ts); any other
 * file is verified again and refuses the whole set if it does not verify.
 */
function storedApprovalsOfEnrolled(layout: HomeLayout, registry: Registry, batchDigest: string) {
  const enrolled = new Set(registry.operators.map((o) => o.id));
  return loadApprovals(layout, batchDigest).filter((s) => {
    const id = s?.approval?.operatorId;
    if (typeof id === 'string' && !enrolled.has(id)) {
      process.stderr.write(`(an approval by ${id}, no longer enrolled, does not count)\n`);
      return false;
    }
    return true;
  });
}

export const sign: Command = {
  name: 'sign',
  usage: 'airlock sign <batch.json> --out <result.json> [--pin-stdin | --shares-stdin]',
  summary: "sign a batch with the HSM once the policy's quorum of operators approved it",
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        'pin-stdin': { type: 'boolean' },
        'shares-stdin': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one batch file');
    if (!values.out) throw new UsageError('--out is required');
    if (values['pin-stdin'] && values['shares-stdin'])
      throw new UsageError(
        'give the signing PIN either whole (--pin-stdin) or as custodian shares (--shares-stdin)',
      );
    if (existsSync(values.out))
      throw new UsageError(`${values.out} already exists; Airlock never overwrites an output`);
    const ctx = cliContext();
    const outcome = await signApprovedBatch(
      ctx,
      readInputFile(positionals[0]!, LIMITS.maxBatchBytes),
      {
        onInspected: (inspected) => process.stderr.write(`${humanReport(inspected).join('\n')}\n`),
        pin: (tokenLabel) =>
          values['shares-stdin']
            ? readPinFromShares(`signing token "${tokenLabel}"`, true)
            : readPin(`User PIN of signing token "${tokenLabel}": `, values['pin-stdin'] === true),
      },
      new Date(),
    );
    writeNewFileAtomic(values.out, outcome.resultBytes);
    recordExport(ctx, outcome.ref, { file: values.out, again: outcome.again });
    if (outcome.again) {
      out(
        `batch ${outcome.ref.batchId} was signed at ${outcome.signedAt}; wrote the same signed result again -> ${values.out}`,
      );
      return EXIT.OK;
    }
    const { signed } = outcome;
    out(`signed ${signed.withdrawals.length} withdrawal(s) of batch ${outcome.ref.batchId} -> ${values.out}`);
    for (const w of signed.withdrawals)
      out(`  ${w.id}  ${w.chain}  ${w.signedTx.format}  txid ${w.signedTx.txid}`);
    return EXIT.OK;
  },
};
