/**
 * The console's handler table: one handler per channel of app/common/ipc-contract.ts, served by
 * Electron's ipcMain (app/main/ipc.ts) and by the Chromium harness (e2e/harness/) alike, through
 * `dispatch`. Each handler does what the CLI command of the same name does (the shared code is in
 * app/appliance/ and app/cli/), on the same data directory, PKCS#11 module, ledger and audit log;
 * requests arrive parsed, and every batch is inspected afresh from its kept bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import {
  guessKind,
  readUsbFile,
  resolveUsbRoot,
  UsbKindRefusedError,
  writeUsbFileAtomic,
} from '../../qr-transport/usb/index.node.js';
import type { BatchState } from '../../signer/batch-state.js';
import { formatUnits } from '../../signer/chains/ethereum/units.js';
import { fingerprint, LIMITS, parseBatch, parseResult } from '../../signer/format/index.js';
import { MotionError, motionRequirement } from '../../signer/governance/motion.js';
import { type InspectedBatch, inspectBatch, withdrawalReport } from '../../signer/inspect.js';
import { type PolicyDecision, PolicyViolation } from '../../signer/policy/index.js';
import {
  ApprovalError,
  approvalChallenge,
  approvalMessage,
  verifyRegistration,
} from '../../signer/quorum/index.js';
import { combinePin } from '../../signer/quorum/shares.js';
import { giveBatchApproval, planBatchApproval } from '../appliance/batch-approval.js';
import { keepBatch, keptBatch, keptBatches } from '../appliance/batch-inbox.js';
import { recordExport, signApprovedBatch } from '../appliance/batch-signing.js';
import {
  ceremonyEnrolmentOpen,
  checkEnrolee,
  type Enrolee,
  enrolAtCeremony,
} from '../appliance/operator-enrolment.js';
import { decide, trustOf } from '../cli/commands/batch.js';
import {
  approveMotion,
  describeParams,
  enrolledOperator,
  policyInForce,
  propose,
  proposeEnrolment,
  proposeOrJoinUnfreeze,
} from '../cli/commands/governance.js';
import { listUsbRows } from '../cli/commands/usb.js';
import { type CliContext, cliContext } from '../cli/context.js';
import { consoleFactors } from '../cli/operator-approval.js';
import {
  type ApplianceStatus,
  type AuditRowView,
  type BatchReview,
  type BatchSummary,
  base64ToBytes,
  bytesToBase64,
  bytesToBase64url,
  type ChallengeView,
  type MotionView,
  type RegistrationOptionsView,
  type WithdrawalView,
} from '../common/ipc-contract.js';
import { loadApprovals, loadPolicy, policyPath } from '../config/approvals.js';
import { ConfigError, prepareSoftHsmEnv } from '../config/home.js';
import { findMotion, listMotions, loadMotionApprovals, type StoredMotion } from '../config/motions.js';
import { RELYING_PARTY, readRegistry } from '../config/registry.js';
import { audit, cliActor, openAudit, openLedger, useAuditSurface } from '../config/stores.js';
import type { Handlers } from './dispatch.js';
import { errorView } from './error-view.js';

export type { Emit, Handlers } from './dispatch.js';
export { dispatch } from './dispatch.js';

export interface HandlerOptions {
  /** The appliance's data directory (AIRLOCK_HOME); else the environment's. */
  readonly home?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where USB sticks are mounted; else AIRLOCK_USB_ROOT, else /media. */
  readonly usbRoot?: string;
  /** The clock (tests); else the system's. */
  readonly now?: () => Date;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function createHandlers(options: HandlerOptions): Handlers {
  const env = options.home === undefined ? options.env : { ...options.env, AIRLOCK_HOME: options.home };
  const ctx: CliContext = cliContext(env);
  // SoftHSM2 reads SOFTHSM2_CONF from the process's own environment when the module initialises.
  prepareSoftHsmEnv(ctx.layout, process.env);
  const now = options.now ?? (() => new Date());
  const usbRoot = () => resolveUsbRoot(options.usbRoot, env);
  useAuditSurface('console');
  /** Registration challenges issued by operator:enrol-begin, one per operator id, used once. */
  const registrations = new Map<string, { challenge: Uint8Array; enrolee: Enrolee; expires: number }>();

  return {
    'status:get': async () => status(ctx),

    'usb:list': async () => {
      const listing = await listUsbRows(usbRoot());
      return {
        root: listing.root,
        files: listing.rows.map((r) => ({ name: r.path, bytes: r.size, kind: r.kind })),
      };
    },

    'batch:import': async (request) => {
      let bytes: Uint8Array;
      let source: Record<string, string>;
      if (request.from === 'camera') {
        bytes = base64ToBytes(request.bytes);
        source = { source: 'camera' };
      } else {
        bytes = await readUsbFile(usbRoot(), request.name, { maxBytes: LIMITS.maxBatchBytes });
        const guess = guessKind(bytes);
        if (guess.kind !== 'batch' && guess.kind !== 'unknown')
          throw new UsbKindRefusedError(request.name, guess.kind, 'a batch (airlock.batch/v1)');
        source = { source: 'usb', name: request.name };
      }
      if (bytes.length > LIMITS.maxBatchBytes)
        throw new ConfigError(
          `the batch is ${bytes.length} bytes, above the limit of ${LIMITS.maxBatchBytes}`,
        );
      // Verify before anything is kept: the coordinator's signature, every transaction decoded and matched.
      const inspected = inspectBatch(bytes, trustOf(readRegistry(ctx.layout)), now());
      const digest = hex(inspected.batch.digest);
      keepBatch(ctx.layout, digest, bytes);
      const ledger = openLedger(ctx.layout);
      let state: BatchState;
      try {
        ledger.stepBatch(digest, inspected.batch.batchId, 'import');
        audit(ctx.layout, {
          action: 'import',
          payload: {
            ...source,
            sha256: sha256Hex(bytes),
            batchId: inspected.batch.batchId,
            digest,
            fingerprint: inspected.fingerprint.text,
          },
        });
        // Shown on the review screen at once: that is the review.
        state = ledger.stepBatch(digest, inspected.batch.batchId, 'review');
      } finally {
        ledger.close();
      }
      audit(ctx.layout, {
        action: 'review',
        payload: {
          batchId: inspected.batch.batchId,
          digest,
          fingerprint: inspected.fingerprint.text,
          withdrawals: inspected.withdrawals.length,
          state,
        },
      });
      return review(ctx, inspected, now());
    },

    'batch:review': async ({ digest }) =>
      review(
        ctx,
        inspectBatch(keptBatch(ctx.layout, digest), trustOf(readRegistry(ctx.layout)), now()),
        now(),
      ),

    'approval:challenge': async ({ subject, digest, operatorId }) => {
      const operator = enrolledOperator(readRegistry(ctx.layout), operatorId);
      let policyDigest: string;
      let fingerprint: string | null = null;
      if (subject === 'batch') {
        const inspected = inspectBatch(
          keptBatch(ctx.layout, digest),
          trustOf(readRegistry(ctx.layout)),
          now(),
        );
        policyDigest = decide(ctx.layout, inspected, now()).decision.policyDigest;
        fingerprint = inspected.fingerprint.text;
      } else {
        findMotion(ctx.layout, digest);
        policyDigest = policyInForce(ctx).digest;
      }
      return {
        operatorId,
        cardToken: operator.cardToken,
        challenge: approvalChallenge(approvalMessage(digest, policyDigest, operatorId, subject)),
        rpId: RELYING_PARTY.rpId,
        credentialId: operator.webauthn.credentialId,
        subject,
        subjectDigest: digest,
        fingerprint,
      } satisfies ChallengeView;
    },

    'approval:submit': async ({ digest, operatorId, pin, assertion }) => {
      const at = now();
      const plan = planBatchApproval(ctx, keptBatch(ctx.layout, digest), operatorId, at);
      await giveBatchApproval(ctx, plan, consoleFactors(pin, assertion), at);
      return review(ctx, plan.inspected, at);
    },

    'batch:sign': async (request, emit) => {
      const { digest } = request;
      const outcome = await signApprovedBatch(
        ctx,
        keptBatch(ctx.layout, digest),
        {
          pin: async () => ('pin' in request ? request.pin : combinePin([...request.shares])),
          onProgress: (p) => emit('sign:progress', { digest, ...p }),
        },
        now(),
      );
      emit('sign:progress', { digest, phase: 'recording', done: 1, total: 1 });
      const withdrawals = outcome.again
        ? resultWithdrawals(outcome.resultBytes)
        : outcome.signed.withdrawals.map((w) => ({ id: w.id, chain: w.chain, txid: w.signedTx.txid }));
      return {
        digest,
        batchId: outcome.ref.batchId,
        again: outcome.again,
        withdrawals,
        resultBytes: outcome.resultBytes.length,
      };
    },

    'result:get': async ({ digest }) => {
      const { ref, bytes } = signedResult(ctx, digest);
      recordExport(ctx, ref, { channel: 'qr', again: false });
      return { bytes: bytesToBase64(bytes), fileName: `${ref.batchId}.result.json` };
    },

    'result:export-usb': async ({ digest }) => {
      const { ref, bytes } = signedResult(ctx, digest);
      const written = await writeUsbFileAtomic(usbRoot(), `${ref.batchId}.result.json`, bytes);
      recordExport(ctx, ref, { channel: 'usb', file: written.fullPath, again: false });
      return { path: written.fullPath, bytes: written.bytes, sha256: sha256Hex(bytes) };
    },

    'audit:list': async ({ beforeSeq, limit }) => {
      const log = openAudit(ctx.layout);
      try {
        const head = log.head();
        const last = Math.min(beforeSeq === null ? head.seq : beforeSeq - 1, head.seq);
        const from = Math.max(1, last - limit + 1);
        const rows =
          last < 1
            ? []
            : log
                .rows({ fromSeq: from, limit: last - from + 1 })
                .reverse()
                .map(
                  (r): AuditRowView => ({
                    seq: r.seq,
                    at: r.time,
                    action: r.action,
                    actor: r.actor,
                    payload: r.payload,
                    hash: r.hash,
                  }),
                );
        return { rows, total: head.seq };
      } finally {
        log.close();
      }
    },

    'audit:verify': async () => {
      const log = openAudit(ctx.layout);
      try {
        const v = log.verify();
        return v.ok
          ? { ok: true, rows: v.rows, headHash: v.head.hash, problem: null }
          : {
              ok: false,
              rows: log.head().seq,
              headHash: null,
              problem: { seq: v.seq, kind: v.problem, message: v.message },
            };
      } finally {
        log.close();
      }
    },

    'freeze:begin': async ({ operatorId, reason }) => {
      const admin = enrolledOperator(readRegistry(ctx.layout), operatorId);
      if (admin.role !== 'admin')
        throw new ApprovalError('ADMIN_REQUIRED', `${operatorId} is not an admin; a freeze is an admin's`, {
          operatorId,
        });
      const stored = propose(ctx, { kind: 'freeze', reason }, operatorId);
      return {
        operatorId,
        cardToken: admin.cardToken,
        challenge: approvalChallenge(
          approvalMessage(stored.digest, stored.motion.policyDigest, operatorId, 'motion'),
        ),
        rpId: RELYING_PARTY.rpId,
        credentialId: admin.webauthn.credentialId,
        subject: 'motion',
        subjectDigest: stored.digest,
        fingerprint: null,
      } satisfies ChallengeView;
    },

    'motion:list': async () => ({ motions: openMotions(ctx).map((m) => motionView(ctx, m)) }),

    'unfreeze:propose': async ({ reason }) => motionView(ctx, proposeOrJoinUnfreeze(ctx, reason, cliActor())),

    'motion:approve': async ({ motionDigest, operatorId, pin, assertion }) => {
      const stored = findMotion(ctx.layout, motionDigest);
      if (stored.digest !== motionDigest)
        throw new MotionError('MOTION_UNKNOWN', `no motion ${motionDigest.slice(0, 16)}… on this appliance`);
      await approveMotion(ctx, stored, operatorId, consoleFactors(pin, assertion));
      return status(ctx);
    },

    'operator:enrol-begin': async ({ operatorId, role, cardToken }) => {
      const enrolee: Enrolee = { id: operatorId, role, cardToken };
      checkEnrolee(ctx, enrolee);
      if (!freeCards(ctx).includes(cardToken))
        throw new ConfigError(
          `card "${cardToken}" is not a free operator card here (configured in airlock.json, present, holding no operator key)`,
        );
      const challenge = Uint8Array.from(randomBytes(32));
      registrations.set(operatorId, {
        challenge,
        enrolee,
        expires: now().getTime() + REGISTRATION_LIFETIME_MS,
      });
      return {
        operatorId,
        challenge: bytesToBase64url(challenge),
        rpId: RELYING_PARTY.rpId,
        rpName: 'Airlock signing appliance',
        userId: bytesToBase64url(new TextEncoder().encode(operatorId)),
        userName: operatorId,
        excludeCredentials: readRegistry(ctx.layout).operators.map((o) => o.webauthn.credentialId),
      } satisfies RegistrationOptionsView;
    },

    'operator:enrol-complete': async ({ operatorId, role, cardToken, pin, registration }) => {
      // One use: taken out before anything is checked, so a failed attempt needs a new challenge.
      const pending = registrations.get(operatorId);
      registrations.delete(operatorId);
      if (!pending || pending.expires < now().getTime())
        throw new ApprovalError(
          'WEBAUTHN_WRONG_CHALLENGE',
          `no registration of ${operatorId} is in progress (or it is older than five minutes): begin again`,
          { operatorId },
        );
      if (pending.enrolee.role !== role || pending.enrolee.cardToken !== cardToken)
        throw new ApprovalError(
          'WEBAUTHN_WRONG_CHALLENGE',
          'the role or card changed since the registration began',
          {
            operatorId,
          },
        );
      const credential = verifyRegistration(registration, {
        challenge: pending.challenge,
        ...RELYING_PARTY,
        operatorId,
      });
      if (readRegistry(ctx.layout).operators.some((o) => o.webauthn.credentialId === credential.credentialId))
        throw new ApprovalError(
          'WEBAUTHN_UNKNOWN_CREDENTIAL',
          'this credential is enrolled for another operator',
          {
            operatorId,
          },
        );
      if (ceremonyEnrolmentOpen(ctx))
        await enrolAtCeremony(ctx, {
          enrolee: pending.enrolee,
          pin: async () => pin,
          credential: () => credential,
          authenticator: 'WebAuthn authenticator registered in the operator console (attestation none, UV)',
        });
      else {
        // After the first policy the quorum enrols: the card key is made now and a motion proposed.
        checkEnrolee(ctx, pending.enrolee);
        await proposeEnrolment(
          ctx,
          pending.enrolee,
          async () => pin,
          () => credential,
          cliActor(),
        );
      }
      return status(ctx);
    },
  };
}

/** Motions neither carried out nor expired, under the policy in force. */
function openMotions(ctx: CliContext, ledger?: ReturnType<typeof openLedger>): StoredMotion[] {
  if (!existsSync(policyPath(ctx.layout))) return [];
  const policyDigest = policyInForce(ctx).digest;
  const own = ledger ?? openLedger(ctx.layout);
  try {
    const at = Date.now();
    return listMotions(ctx.layout).filter(
      (m) =>
        !own.motionApplied(m.digest) &&
        at <= Date.parse(m.motion.expiresAt) &&
        m.motion.policyDigest === policyDigest,
    );
  } finally {
    if (!ledger) own.close();
  }
}

function motionView(ctx: CliContext, stored: StoredMotion): MotionView {
  const { motion } = stored;
  const need = motionRequirement(motion.params.kind, loadPolicy(ctx.layout));
  return {
    motionId: motion.motionId,
    digest: stored.digest,
    kind: motion.params.kind,
    description: describeParams(motion.params),
    proposedBy: motion.proposedBy,
    expiresAt: motion.expiresAt,
    approvals: loadMotionApprovals(stored).map((a) => String(a?.approval?.operatorId)),
    required: need.required,
    admins: need.admins,
  };
}

/** How long a registration challenge is good for. */
const REGISTRATION_LIFETIME_MS = 5 * 60_000;

/** Operator cards configured in airlock.json, present now, and holding no enrolled operator's key. */
function freeCards(ctx: CliContext, present?: Set<string>): string[] {
  let labels = present;
  if (!labels) {
    try {
      labels = new Set(
        ctx
          .module()
          .tokens()
          .map((t) => t.info().label),
      );
    } catch {
      labels = new Set();
    }
  }
  const held = new Set(readRegistry(ctx.layout).operators.map((o) => o.cardToken));
  return ctx.config.operatorTokens.filter((t) => labels.has(t) && !held.has(t));
}

/** The signed result of a kept batch, from the ledger (the very bytes first recorded). */
function signedResult(ctx: CliContext, digest: string) {
  const ledger = openLedger(ctx.layout);
  try {
    const record = ledger.signedBatch(digest);
    if (!record)
      throw new ConfigError(
        `batch ${digest.slice(0, 16)}… is not signed on this appliance: nothing to export`,
      );
    return {
      ref: { batchId: record.batchId, digest, fingerprint: fingerprint(hexToBytes(digest)).text },
      bytes: record.resultBytes,
    };
  } finally {
    ledger.close();
  }
}

function resultWithdrawals(bytes: Uint8Array): { id: string; chain: string; txid: string }[] {
  return parseResult(bytes).withdrawals.map((w) => ({ id: w.id, chain: w.chain, txid: w.signedTx.txid }));
}

/**
 * What the status lists of a kept batch: read once per digest (a kept file is never replaced), by
 * parsing, not inspecting: the list is polled every few seconds, and every use of a batch inspects
 * it afresh anyway. A file that does not parse, or does not hash to its name, is left out.
 */
const keptSummaries = new Map<string, { batchId: string; fingerprint: string; withdrawals: number } | null>();

function keptSummary(ctx: CliContext, digest: string) {
  if (!keptSummaries.has(digest)) {
    let summary: { batchId: string; fingerprint: string; withdrawals: number } | null = null;
    try {
      const parsed = parseBatch(keptBatch(ctx.layout, digest));
      summary = {
        batchId: parsed.batchId,
        fingerprint: fingerprint(hexToBytes(digest)).text,
        withdrawals: parsed.withdrawals.length,
      };
    } catch {
      // not a batch: not listed
    }
    keptSummaries.set(digest, summary);
  }
  return keptSummaries.get(digest) ?? null;
}

function status(ctx: CliContext): ApplianceStatus {
  const registry = readRegistry(ctx.layout);
  let labels: Set<string>;
  try {
    labels = new Set(
      ctx
        .module()
        .tokens()
        .map((t) => t.info().label),
    );
  } catch {
    labels = new Set();
  }
  const ledger = openLedger(ctx.layout);
  try {
    const freeze = ledger.freezeState();
    const policy = existsSync(policyPath(ctx.layout)) ? loadPolicy(ctx.layout) : null;
    const policyDigest = policy ? policyInForce(ctx).digest : null;
    const batches: BatchSummary[] = keptBatches(ctx.layout).flatMap(({ digest, keptAt }) => {
      const summary = keptSummary(ctx, digest);
      return summary
        ? [{ digest, ...summary, state: ledger.batchState(digest) ?? null, importedAt: keptAt.toISOString() }]
        : [];
    });
    const log = openAudit(ctx.layout);
    let auditRows: number;
    try {
      auditRows = log.head().seq;
    } finally {
      log.close();
    }
    return {
      network: registry.network,
      signingToken: { label: ctx.config.signingToken, present: labels.has(ctx.config.signingToken) },
      operators: registry.operators.map((o) => ({
        id: o.id,
        role: o.role,
        cardToken: o.cardToken,
        cardPresent: labels.has(o.cardToken),
        credentialId: o.webauthn.credentialId,
      })),
      policy: policy && policyDigest ? { version: policy.version, digest: policyDigest } : null,
      freeze: {
        frozen: freeze.frozen,
        since: freeze.frozen ? freeze.since : null,
        by: freeze.frozen ? freeze.operators : [],
        reason: freeze.frozen ? freeze.reason : null,
      },
      relyingParty: { ...RELYING_PARTY },
      batches,
      openMotions: openMotions(ctx, ledger).map((m) => ({
        motionId: m.motion.motionId,
        kind: m.motion.params.kind,
        approvals: loadMotionApprovals(m).length,
      })),
      auditRows,
      enrolment: {
        open: ceremonyEnrolmentOpen(ctx),
        byMotion: policy !== null,
        freeCards: freeCards(ctx, labels),
      },
    };
  } finally {
    ledger.close();
  }
}

/** The review of an inspected batch: decoded withdrawals, the policy's decision, the approvals so far. */
function review(ctx: CliContext, inspected: InspectedBatch, now: Date): BatchReview {
  const b = inspected.batch;
  const digest = hex(b.digest);
  let decision: PolicyDecision | null = null;
  let policyRefusal = null;
  try {
    decision = decide(ctx.layout, inspected, now).decision;
  } catch (err) {
    if (!(err instanceof PolicyViolation)) throw err;
    policyRefusal = errorView(err);
  }
  const enrolled = new Set(readRegistry(ctx.layout).operators.map((o) => o.id));
  const approvals = loadApprovals(ctx.layout, digest)
    .filter((a) => enrolled.has(a?.approval?.operatorId))
    .map((a) => ({ operatorId: a.approval.operatorId, approvedAt: String(a.approvedAt) }));
  const ledger = openLedger(ctx.layout);
  let state: BatchState | undefined;
  try {
    state = ledger.batchState(digest);
  } finally {
    ledger.close();
  }
  const withdrawals = inspected.withdrawals.map((w): WithdrawalView => {
    const r = withdrawalReport(w) as Record<string, unknown>;
    const d = decision?.withdrawals.find((x) => x.withdrawalId === r.id);
    return {
      id: String(r.id),
      chain: r.chain as WithdrawalView['chain'],
      asset: String(r.asset),
      symbol: String(r.symbol),
      destination: String(r.destination),
      amount: String(r.amount),
      amountText: String(r.amountText),
      fee: String(r.fee),
      feeText: String(r.feeText),
      nonce: r.nonce === undefined ? null : String(r.nonce),
      keyLabel: String(r.keyLabel),
      change: r.change as WithdrawalView['change'],
      usdValue: d?.usdValue ?? null,
      tier: d?.tier ?? null,
      required: d?.required ?? null,
      newDestination: d?.newDestination ?? false,
    };
  });
  return {
    digest,
    batchId: b.batchId,
    network: b.network,
    coordinatorKeyId: b.coordinatorKeyId,
    createdAt: b.createdAt.toISOString(),
    expiresAt: b.expiresAt.toISOString(),
    fingerprint: inspected.fingerprint.text,
    state: state ?? null,
    withdrawals,
    totals: inspected.totals.map((t) => ({
      symbol: t.symbol,
      amountText: `${formatUnits(t.amount, t.decimals)} ${t.symbol}`,
    })),
    policy: decision && {
      version: decision.policyVersion,
      digest: decision.policyDigest,
      required: decision.required,
      operators: decision.operators,
      flagged: decision.flagged,
      reasons: decision.reasons,
    },
    policyRefusal,
    approvals,
    quorumMet: state === 'approved' || state === 'signed' || state === 'exported',
  };
}
