/**
 * Governance under the quorum (signer/governance/motion.ts): freeze, unfreeze, policy changes,
 * operator enrolment after the first ceremony, removal, re-keying, and lifting Airlock's PIN lock-out.
 *
 *   airlock freeze --operator ADMIN [--reason TEXT]            one admin, at once
 *   airlock unfreeze [--operator ID] [--reason TEXT]           propose (or join) the unfreeze; approve it
 *   airlock policy propose <policy.json> [--operator ID]       propose a new policy version
 *   airlock policy approve <motion> --operator ID              approve a proposed policy
 *   airlock operator remove --id X [--operator ID]             propose (or join) a removal
 *   airlock operator rekey --id X --card-token T               a new card key for X (needs T's PIN)
 *   airlock pin unlock --token T [--subject S] [--operator ID] propose (or join) an unlock
 *   airlock motion list | show <motion> | approve <motion> --operator ID
 *   airlock status                                             frozen, policy, operators, open motions
 *
 * Each approval is one operator's card signature and WebAuthn assertion over the motion digest
 * (operator-approval.ts). When the last approval needed comes in, the motion is carried out at once, in
 * one ledger transaction that records it as carried out (a motion is never carried out twice), and
 * audited.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuplicateLabelError, generateKeyPair, readPublicKey } from '../../../hsm/index.js';
import {
  checkMotionOpen,
  checkRemoval,
  type Motion,
  MotionError,
  type MotionParams,
  motionQuorum,
  motionRequirement,
  newMotion,
  operatorOfRecord,
} from '../../../signer/governance/motion.js';
import type { ReplayLedger } from '../../../signer/ledger/index.js';
import {
  acceptPolicyUpdate,
  POLICY_LIMITS,
  type Policy,
  policyDigestHex,
  readPolicy,
} from '../../../signer/policy/index.js';
import { ApprovalError, type Quorum, type WebAuthnCredential } from '../../../signer/quorum/index.js';
import { PinGuard } from '../../../signer/quorum/pin-guard.js';
import {
  checkOperatorId,
  createSoftwareAuthenticator,
  loadPolicy,
  policyPath,
  softwareAuthenticatorPath,
} from '../../config/approvals.js';
import {
  findMotion,
  listMotions,
  loadMotionApprovals,
  MOTION_APPROVAL_FILE_FORMAT,
  motionApprovalPath,
  motionPolicyBytes,
  type StoredMotion,
  saveMotion,
  saveMotionApproval,
} from '../../config/motions.js';
import {
  type EnrolledOperator,
  RELYING_PARTY,
  type Registry,
  readRegistry,
  writeRegistry,
} from '../../config/registry.js';
import { audit, cliActor, openLedger, pinGuardPath, withPinGuard } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { type CliContext, cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile } from '../files.js';
import { type ApprovalFactors, cliFactors, giveApproval, operatorKeyLabel } from '../operator-approval.js';
import { readPin } from '../pin.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// --- the motion life cycle ---

export function describeParams(p: MotionParams): string {
  switch (p.kind) {
    case 'freeze':
      return `freeze the appliance (${p.reason || 'no reason given'})`;
    case 'unfreeze':
      return `unfreeze the appliance (${p.reason || 'no reason given'})`;
    case 'policy-change':
      return `install policy v${p.version} (digest ${p.policyDigest})`;
    case 'operator-enroll':
      return `enrol ${p.operator.role} ${p.operator.id} (card "${p.operator.cardToken}" ${p.operator.cardPublicKey})`;
    case 'operator-remove':
      return `remove operator ${p.operatorId}`;
    case 'operator-rekey':
      return `re-key operator ${p.operatorId} onto card "${p.cardToken}" (${p.cardPublicKey})`;
    case 'pin-unlock':
      return `unlock the PIN of "${p.subject}" on token "${p.token}"`;
  }
}

/** The installed policy and its digest: every motion is proposed and approved under them. */
export function policyInForce(ctx: CliContext): { policy: Policy; digest: string } {
  if (!existsSync(policyPath(ctx.layout)))
    throw new MotionError(
      'MOTION_NOT_ALLOWED',
      'no policy is installed, so there is no quorum yet: install the first policy (airlock policy set) first',
    );
  const policy = loadPolicy(ctx.layout);
  return { policy, digest: policyDigestHex(policy) };
}

/** Checks that depend on the appliance's state, at proposal and again when carrying out. */
function checkAllowed(ctx: CliContext, params: MotionParams, policy: Policy): void {
  const registry = readRegistry(ctx.layout);
  const ledger = openLedger(ctx.layout);
  let frozen: ReturnType<typeof ledger.freezeState>;
  try {
    frozen = ledger.freezeState();
  } finally {
    ledger.close();
  }
  const enrolled = (id: string) => registry.operators.find((o) => o.id === id);
  switch (params.kind) {
    case 'freeze':
      if (frozen.frozen)
        throw new MotionError(
          'MOTION_NOT_ALLOWED',
          `the appliance is frozen already (since ${frozen.since})`,
        );
      return;
    case 'unfreeze':
      if (!frozen.frozen) throw new MotionError('MOTION_NOT_ALLOWED', 'the appliance is not frozen');
      if (frozen.motionDigest !== params.freezeMotion)
        throw new MotionError(
          'MOTION_NOT_ALLOWED',
          'this unfreeze is for an earlier freeze, not the one in force',
        );
      return;
    case 'policy-change': {
      acceptPolicyUpdate(policy, { version: params.version });
      return;
    }
    case 'operator-enroll':
      if (enrolled(params.operator.id))
        throw new MotionError('MOTION_NOT_ALLOWED', `operator ${params.operator.id} is enrolled already`);
      if (registry.operators.some((o) => o.cardToken === params.operator.cardToken))
        throw new MotionError(
          'MOTION_NOT_ALLOWED',
          `card "${params.operator.cardToken}" holds another operator's key`,
        );
      return;
    case 'operator-remove':
      checkRemoval(params.operatorId, registry.operators, policy);
      return;
    case 'operator-rekey': {
      const o = enrolled(params.operatorId);
      if (!o) throw new MotionError('MOTION_NOT_ALLOWED', `operator ${params.operatorId} is not enrolled`);
      const holder = registry.operators.find(
        (x) => x.cardToken === params.cardToken && x.id !== params.operatorId,
      );
      if (holder)
        throw new MotionError('MOTION_NOT_ALLOWED', `card "${params.cardToken}" holds ${holder.id}'s key`);
      return;
    }
    case 'pin-unlock':
      return;
  }
}

export function propose(
  ctx: CliContext,
  params: MotionParams,
  proposedBy: string,
  policyBytes?: Uint8Array,
): StoredMotion {
  const { policy, digest: policyDigest } = policyInForce(ctx);
  checkAllowed(ctx, params, policy);
  const motion = newMotion(params, {
    now: new Date(),
    proposedBy,
    policyDigest,
    motionId: Uint8Array.from(randomBytes(8)),
  });
  const stored = saveMotion(ctx.layout, motion, policyBytes);
  const need = motionRequirement(params.kind, policy);
  audit(ctx.layout, {
    action: 'motion-proposal',
    payload: {
      motionId: motion.motionId,
      digest: stored.digest,
      kind: params.kind,
      params: params as never,
      proposedBy,
    },
  });
  out(`motion ${motion.motionId} proposed: ${describeParams(params)}`);
  out(
    `  digest ${stored.digest}; needs ${need.required} approval(s), ${need.admins} of them by an admin; expires ${motion.expiresAt}`,
  );
  out(`  operators approve it with: airlock motion approve ${motion.motionId} --operator ID`);
  return stored;
}

/** An open motion with the same params (a second operator joins it rather than proposing anew). */
function openMotionLike(ctx: CliContext, params: MotionParams): StoredMotion | undefined {
  const now = new Date();
  const { digest: policyDigest } = policyInForce(ctx);
  const ledger = openLedger(ctx.layout);
  try {
    return listMotions(ctx.layout)
      .reverse()
      .find(
        (m) =>
          JSON.stringify(m.motion.params) === JSON.stringify(params) &&
          now.getTime() <= Date.parse(m.motion.expiresAt) &&
          m.motion.policyDigest === policyDigest &&
          ledger.motionApplied(m.digest) === undefined,
      );
  } finally {
    ledger.close();
  }
}

function proposeOrJoin(ctx: CliContext, params: MotionParams, proposedBy: string): StoredMotion {
  const open = openMotionLike(ctx, params);
  if (open) {
    out(`joining open motion ${open.motion.motionId}: ${describeParams(params)}`);
    return open;
  }
  return propose(ctx, params, proposedBy);
}

export function enrolledOperator(registry: Registry, operatorId: string): EnrolledOperator {
  const operator = registry.operators.find((o) => o.id === operatorId);
  if (!operator)
    throw new ApprovalError(
      'UNKNOWN_OPERATOR',
      `operator ${operatorId} is not enrolled (airlock operator list)`,
      {
        found: operatorId,
      },
    );
  return operator;
}

/** One operator approves the motion; when that completes its quorum, it is carried out. */
export async function approveMotion(
  ctx: CliContext,
  stored: StoredMotion,
  operatorId: string,
  factors: ApprovalFactors,
): Promise<void> {
  const { motion, digest } = stored;
  const { policy, digest: policyDigest } = policyInForce(ctx);
  const now = new Date();
  checkMotionOpen(motion, now, policyDigest);
  const ledger = openLedger(ctx.layout);
  try {
    if (ledger.motionApplied(digest))
      throw new MotionError('MOTION_REPLAYED', `motion ${motion.motionId} was carried out already`);
  } finally {
    ledger.close();
  }
  const registry = readRegistry(ctx.layout);
  const operator = enrolledOperator(registry, operatorId);
  if (motion.params.kind === 'freeze' && operator.role !== 'admin')
    throw new ApprovalError('ADMIN_REQUIRED', `${operatorId} is not an admin; a freeze is an admin's`, {
      operatorId,
    });
  if (existsSync(motionApprovalPath(stored, operatorId)))
    throw new ApprovalError(
      'DUPLICATE_OPERATOR',
      `operator ${operatorId} approved motion ${motion.motionId} already`,
      {
        operatorId,
      },
    );
  out(`Operator ${operatorId}: approving motion ${motion.motionId}: ${describeParams(motion.params)}`);
  const given = await giveApproval(ctx, operator, 'motion', digest, policyDigest, factors);
  const file = saveMotionApproval(stored, {
    format: MOTION_APPROVAL_FILE_FORMAT,
    motionDigest: digest,
    policyDigest,
    signCountBefore: given.signCountBefore,
    approvedAt: now.toISOString(),
    approval: given.approval,
  });
  audit(ctx.layout, {
    action: 'motion-approval',
    payload: {
      motionId: motion.motionId,
      digest,
      kind: motion.params.kind,
      operatorId,
      policyDigest,
      cardSignature: given.approval.cardSignature,
      webauthnSignCount: given.signCount,
      authenticator: factors.authenticator,
    },
  });
  out(`approved by ${operatorId} (card signature and WebAuthn assertion verified) -> ${file}`);

  let quorum: Quorum;
  try {
    quorum = quorumOfMotion(ctx, stored, policy, policyDigest);
  } catch (err) {
    if (err instanceof ApprovalError && (err.code === 'QUORUM_NOT_MET' || err.code === 'ADMIN_REQUIRED')) {
      out(`motion ${motion.motionId} not carried out yet: ${err.message}`);
      return;
    }
    throw err;
  }
  carryOut(ctx, stored, policy, quorum);
}

function quorumOfMotion(ctx: CliContext, stored: StoredMotion, policy: Policy, policyDigest: string): Quorum {
  const registry = readRegistry(ctx.layout);
  const enrolled = new Set(registry.operators.map((o) => o.id));
  const approvals = loadMotionApprovals(stored).filter((a) => enrolled.has(a?.approval?.operatorId));
  const operators = registry.operators.map((o) => {
    const mine = approvals.find((a) => a.approval.operatorId === o.id);
    const before = mine?.signCountBefore;
    if (typeof before !== 'number' || !Number.isSafeInteger(before) || before < 0) return o;
    return { ...o, webauthn: { ...o.webauthn, signCount: Math.min(before, o.webauthn.signCount) } };
  });
  return motionQuorum(
    stored.motion,
    policy,
    policyDigest,
    approvals.map((a) => a.approval),
    operators,
    RELYING_PARTY,
  );
}

/** Approvals of unsigned batches by `operatorId` die when the operator is removed or re-keyed. */
function voidPendingApprovals(ctx: CliContext, ledger: ReplayLedger, operatorId: string): number {
  const root = join(ctx.layout.home, 'approvals');
  if (!existsSync(root)) return 0;
  let voided = 0;
  for (const digest of readdirSync(root)) {
    const file = join(root, digest, `${operatorId}.json`);
    if (!existsSync(file)) continue;
    const state = /^[0-9a-f]{64}$/.test(digest) ? ledger.batchState(digest) : undefined;
    if (state === 'signed' || state === 'exported') continue;
    mkdirSync(join(root, digest, 'void'), { recursive: true, mode: 0o700 });
    renameSync(file, join(root, digest, 'void', `${operatorId}-${Date.now()}.json`));
    voided++;
  }
  return voided;
}

function carryOut(ctx: CliContext, stored: StoredMotion, policy: Policy, quorum: Quorum): void {
  const { motion, digest } = stored;
  const p = motion.params;
  const operators = quorum.approvals.map((a) => a.operatorId);
  checkAllowed(ctx, p, policy);
  const now = new Date();
  let detail: Record<string, unknown> = {};
  let newPolicy: Policy | undefined;
  let newPolicyBytes: Buffer | undefined;
  if (p.kind === 'policy-change') {
    newPolicyBytes = motionPolicyBytes(stored);
    newPolicy = readPolicy(newPolicyBytes);
    if (policyDigestHex(newPolicy) !== p.policyDigest)
      throw new MotionError(
        'MOTION_MALFORMED',
        `the stored policy of motion ${motion.motionId} is not the one approved`,
      );
    acceptPolicyUpdate(policy, newPolicy);
  }
  const ledger = openLedger(ctx.layout);
  try {
    ledger.applyMotion(
      {
        digest,
        kind: p.kind,
        operators,
        ...(p.kind === 'freeze' || p.kind === 'unfreeze'
          ? { freeze: { frozen: p.kind === 'freeze', reason: p.reason } }
          : {}),
      },
      now,
      () => {
        // Inside the ledger's transaction: if this throws, the motion is not recorded as carried out.
        switch (p.kind) {
          case 'freeze':
          case 'unfreeze':
            return;
          case 'policy-change': {
            const path = policyPath(ctx.layout);
            const history = join(ctx.layout.home, 'policies');
            mkdirSync(history, { recursive: true, mode: 0o700 });
            const old = join(history, `v${policy.version}-${policyDigestHex(policy)}.json`);
            if (!existsSync(old)) writeFileSync(old, JSON.stringify(policy.wire), { mode: 0o600 });
            const tmp = `${path}.tmp-${process.pid}`;
            writeFileSync(tmp, newPolicyBytes!, { mode: 0o600 });
            renameSync(tmp, path);
            detail = { version: newPolicy!.version, digest: p.policyDigest, previous: policy.version };
            return;
          }
          case 'operator-enroll': {
            const registry = readRegistry(ctx.layout);
            writeRegistry(ctx.layout, {
              ...registry,
              operators: [
                ...registry.operators,
                { ...operatorOfRecord(p.operator), cardToken: p.operator.cardToken },
              ],
            });
            detail = { operator: p.operator as never };
            return;
          }
          case 'operator-remove': {
            const registry = readRegistry(ctx.layout);
            writeRegistry(ctx.layout, {
              ...registry,
              operators: registry.operators.filter((o) => o.id !== p.operatorId),
            });
            detail = {
              operatorId: p.operatorId,
              voidedApprovals: voidPendingApprovals(ctx, ledger, p.operatorId),
            };
            return;
          }
          case 'operator-rekey': {
            const registry = readRegistry(ctx.layout);
            writeRegistry(ctx.layout, {
              ...registry,
              operators: registry.operators.map((o) =>
                o.id === p.operatorId
                  ? {
                      ...o,
                      cardToken: p.cardToken,
                      cardPublicKey: Uint8Array.from(Buffer.from(p.cardPublicKey, 'hex')),
                    }
                  : o,
              ),
            });
            detail = {
              operatorId: p.operatorId,
              cardToken: p.cardToken,
              cardPublicKey: p.cardPublicKey,
              voidedApprovals: voidPendingApprovals(ctx, ledger, p.operatorId),
            };
            return;
          }
          case 'pin-unlock': {
            const guard = PinGuard.open(pinGuardPath(ctx.layout), { create: true });
            try {
              const record = guard.unlock({ token: p.token, subject: p.subject }, { approvedBy: operators });
              detail = {
                token: p.token,
                subject: p.subject,
                failuresCleared: record.failures,
                wasLocked: record.wasLocked,
              };
            } finally {
              guard.close();
            }
            return;
          }
        }
      },
    );
  } finally {
    ledger.close();
  }
  const action = {
    freeze: 'freeze',
    unfreeze: 'unfreeze',
    'policy-change': 'policy-change',
    'operator-enroll': 'enrolment',
    'operator-remove': 'operator-removal',
    'operator-rekey': 'operator-rekey',
    'pin-unlock': 'unlock',
  } as const;
  audit(ctx.layout, {
    action: action[p.kind],
    payload: {
      motionId: motion.motionId,
      digest,
      approvedBy: operators,
      ...(p.kind === 'freeze' || p.kind === 'unfreeze' ? { reason: p.reason } : {}),
      ...(detail as object),
    } as never,
  });
  out(`CARRIED OUT: motion ${motion.motionId}: ${describeParams(p)} (approved by ${operators.join(', ')})`);
}

// --- commands ---

const pinOption = { 'pin-stdin': { type: 'boolean' } } as const;

/** With --operator, that operator approves the motion now, with the command line's factors. */
async function approveOnCommandLine(
  ctx: CliContext,
  stored: StoredMotion,
  operatorId: string | undefined,
  values: { readonly 'pin-stdin'?: boolean | undefined },
): Promise<void> {
  if (operatorId) await approveMotion(ctx, stored, operatorId, cliFactors(ctx, values['pin-stdin'] === true));
}

function operatorOption(values: Record<string, unknown>): string | undefined {
  const v = values.operator;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !checkOperatorId(v)) throw new UsageError('--operator must be an operator id');
  return v;
}

export const freeze: Command = {
  name: 'freeze',
  usage: 'airlock freeze --operator ADMIN [--reason TEXT] [--pin-stdin]',
  summary: 'freeze the appliance at once (one admin: card + WebAuthn); only the quorum unfreezes it',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, reason: { type: 'string' }, ...pinOption },
      strict: true,
    });
    const operatorId = operatorOption(values);
    if (!operatorId) throw new UsageError('--operator (an admin) is required');
    const ctx = cliContext();
    const admin = enrolledOperator(readRegistry(ctx.layout), operatorId);
    if (admin.role !== 'admin')
      throw new ApprovalError('ADMIN_REQUIRED', `${operatorId} is not an admin; a freeze is an admin's`, {
        operatorId,
      });
    const stored = propose(ctx, { kind: 'freeze', reason: values.reason ?? '' }, operatorId);
    await approveMotion(ctx, stored, operatorId, cliFactors(ctx, values['pin-stdin'] === true));
    return EXIT.OK;
  },
};

/**
 * The unfreeze of the freeze in force: an open one (whatever reason it gives) is joined, else one is
 * proposed. Refused when the appliance is not frozen.
 */
export function proposeOrJoinUnfreeze(ctx: CliContext, reason: string, proposedBy: string): StoredMotion {
  const ledger = openLedger(ctx.layout);
  let state: ReturnType<typeof ledger.freezeState>;
  try {
    state = ledger.freezeState();
  } finally {
    ledger.close();
  }
  if (!state.frozen || !state.motionDigest)
    throw new MotionError('MOTION_NOT_ALLOWED', 'the appliance is not frozen');
  const { digest: policyDigest } = policyInForce(ctx);
  const open = listMotions(ctx.layout)
    .reverse()
    .find(
      (m) =>
        m.motion.params.kind === 'unfreeze' &&
        m.motion.params.freezeMotion === state.motionDigest &&
        m.motion.policyDigest === policyDigest &&
        Date.now() <= Date.parse(m.motion.expiresAt),
    );
  if (open) {
    out(`joining open motion ${open.motion.motionId}: ${describeParams(open.motion.params)}`);
    return open;
  }
  return propose(ctx, { kind: 'unfreeze', reason, freezeMotion: state.motionDigest }, proposedBy);
}

export const unfreeze: Command = {
  name: 'unfreeze',
  usage: 'airlock unfreeze [--operator ID] [--reason TEXT] [--pin-stdin]',
  summary: 'propose or join the unfreeze of the freeze in force; with --operator, approve it',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, reason: { type: 'string' }, ...pinOption },
      strict: true,
    });
    const ctx = cliContext();
    const operatorId = operatorOption(values);
    const stored = proposeOrJoinUnfreeze(ctx, values.reason ?? '', operatorId ?? cliActor());
    await approveOnCommandLine(ctx, stored, operatorId, values);
    return EXIT.OK;
  },
};

export const policyPropose: Command = {
  name: 'policy propose',
  usage: 'airlock policy propose <policy.json> [--operator ID] [--pin-stdin]',
  summary: 'propose a new policy version (the quorum approves it: policy approve)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, ...pinOption },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one policy file');
    const ctx = cliContext();
    const bytes = readInputFile(positionals[0]!, POLICY_LIMITS.maxPolicyBytes);
    const proposed = readPolicy(bytes);
    const { policy } = policyInForce(ctx);
    acceptPolicyUpdate(policy, proposed);
    const age = Date.now() - proposed.priceTable.asOf.getTime();
    if (age > proposed.priceTable.maxAgeHours * 3_600_000)
      throw new MotionError(
        'MOTION_NOT_ALLOWED',
        `the proposed policy's price table of ${proposed.priceTable.asOf.toISOString()} is stale`,
      );
    const operatorId = operatorOption(values);
    const stored = propose(
      ctx,
      { kind: 'policy-change', policyDigest: policyDigestHex(proposed), version: proposed.version },
      operatorId ?? cliActor(),
      bytes,
    );
    await approveOnCommandLine(ctx, stored, operatorId, values);
    return EXIT.OK;
  },
};

export const policyApprove: Command = {
  name: 'policy approve',
  usage: 'airlock policy approve <motion> --operator ID [--pin-stdin]',
  summary: 'approve a proposed policy change (card + WebAuthn); installed when the quorum is met',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, ...pinOption },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one motion id');
    const operatorId = operatorOption(values);
    if (!operatorId) throw new UsageError('--operator is required');
    const ctx = cliContext();
    const stored = findMotion(ctx.layout, positionals[0]!);
    if (stored.motion.params.kind !== 'policy-change')
      throw new UsageError(
        `motion ${stored.motion.motionId} is a ${stored.motion.params.kind}, not a policy change`,
      );
    await approveMotion(ctx, stored, operatorId, cliFactors(ctx, values['pin-stdin'] === true));
    return EXIT.OK;
  },
};

export const operatorRemove: Command = {
  name: 'operator remove',
  usage: 'airlock operator remove --id X [--operator ID] [--pin-stdin]',
  summary: 'propose or join the removal of an operator (the quorum carries it out)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { id: { type: 'string' }, operator: { type: 'string' }, ...pinOption },
      strict: true,
    });
    if (!values.id || !checkOperatorId(values.id)) throw new UsageError('--id must be an operator id');
    const ctx = cliContext();
    const operatorId = operatorOption(values);
    const stored = proposeOrJoin(
      ctx,
      { kind: 'operator-remove', operatorId: values.id },
      operatorId ?? cliActor(),
    );
    await approveOnCommandLine(ctx, stored, operatorId, values);
    return EXIT.OK;
  },
};

/** A new Ed25519 key `operator-<id>` on a card (after C_Login with the card's PIN), or the one there. */
async function cardKey(
  ctx: CliContext,
  cardToken: string,
  operatorId: string,
  pin: () => Promise<string>,
): Promise<{ token: string; publicKey: Uint8Array }> {
  const token = ctx.token(cardToken);
  const label = token.info().label;
  const publicKey = await withPinGuard(ctx.layout, { token: label, subject: 'user-pin' }, async () =>
    token.withSession(
      await pin(),
      (s) => {
        try {
          return generateKeyPair(s, { curve: 'ed25519', label: operatorKeyLabel(operatorId) }).publicKey;
        } catch (err) {
          // A proposal made before and not carried out left its key: propose with that one.
          if (!(err instanceof DuplicateLabelError)) throw err;
          const existing = readPublicKey(s, operatorKeyLabel(operatorId));
          if (existing.curve !== 'ed25519') throw err;
          return existing.publicKey;
        }
      },
      { readWrite: true },
    ),
  );
  return { token: label, publicKey };
}

export const operatorRekey: Command = {
  name: 'operator rekey',
  usage: 'airlock operator rekey --id X --card-token LABEL [--pin-stdin]',
  summary: "propose a new card for an operator: a key on the new card (its PIN), then the quorum's approval",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { id: { type: 'string' }, 'card-token': { type: 'string' }, ...pinOption },
      strict: true,
    });
    if (!values.id || !checkOperatorId(values.id)) throw new UsageError('--id must be an operator id');
    const cardToken = values['card-token'];
    if (!cardToken) throw new UsageError('--card-token is required');
    const ctx = cliContext();
    if (cardToken === ctx.config.signingToken)
      throw new UsageError(`"${cardToken}" is the signing token, not an operator card`);
    const operator = enrolledOperator(readRegistry(ctx.layout), values.id);
    if (operator.cardToken === cardToken)
      throw new UsageError(
        `${values.id}'s key is on "${cardToken}" already; re-keying moves it to another card`,
      );
    policyInForce(ctx);
    const key = await cardKey(ctx, cardToken, values.id, () =>
      readPin(`User PIN of operator card "${cardToken}": `, values['pin-stdin'] === true),
    );
    propose(
      ctx,
      {
        kind: 'operator-rekey',
        operatorId: values.id,
        cardToken: key.token,
        cardPublicKey: hex(key.publicKey),
      },
      cliActor(),
    );
    return EXIT.OK;
  },
};

/**
 * Enrolment after the first policy: the new operator's card key and WebAuthn credential are made now,
 * and the quorum's motion enrols them. (Before any policy, operator.ts enrols directly.)
 */
/**
 * Propose the enrolment of an operator once a policy is installed: the card key is made now (or the one
 * an earlier proposal left is reused), the WebAuthn credential comes from `credential` (the console's
 * verified registration, or the CLI's software authenticator), and the quorum approves the motion.
 */
export async function proposeEnrolment(
  ctx: CliContext,
  enrolee: { readonly id: string; readonly role: 'operator' | 'admin'; readonly cardToken: string },
  pin: () => Promise<string>,
  credential: () => WebAuthnCredential,
  proposedBy: string = cliActor(),
): Promise<StoredMotion> {
  policyInForce(ctx);
  const { id, role } = enrolee;
  const key = await cardKey(ctx, enrolee.cardToken, id, pin);
  const made = credential();
  return propose(
    ctx,
    {
      kind: 'operator-enroll',
      operator: {
        id,
        role,
        cardToken: key.token,
        cardPublicKey: hex(key.publicKey),
        webauthn: {
          credentialId: made.credentialId,
          publicKey: hex(made.publicKey),
          rpId: made.rpId,
          signCount: made.signCount,
        },
      },
    },
    proposedBy,
  );
}

/** The CLI's credential for a proposed enrolment: a new software authenticator (tests and demo). */
export function softwareCredentialForProposal(ctx: CliContext, id: string): WebAuthnCredential {
  if (existsSync(softwareAuthenticatorPath(ctx.layout, id)))
    throw new MotionError(
      'MOTION_NOT_ALLOWED',
      `${softwareAuthenticatorPath(ctx.layout, id)} exists from an earlier proposal: approve that motion (airlock motion list)`,
    );
  return createSoftwareAuthenticator(ctx.layout, id).credential();
}

export const pinUnlock: Command = {
  name: 'pin unlock',
  usage: 'airlock pin unlock --token LABEL [--subject user-pin] [--operator ID] [--pin-stdin]',
  summary: "propose or join lifting Airlock's PIN lock-out of a token (the quorum carries it out)",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        token: { type: 'string' },
        subject: { type: 'string' },
        operator: { type: 'string' },
        ...pinOption,
      },
      strict: true,
    });
    if (!values.token) throw new UsageError('--token is required');
    const ctx = cliContext();
    const operatorId = operatorOption(values);
    const stored = proposeOrJoin(
      ctx,
      { kind: 'pin-unlock', token: values.token, subject: values.subject ?? 'user-pin' },
      operatorId ?? cliActor(),
    );
    await approveOnCommandLine(ctx, stored, operatorId, values);
    return EXIT.OK;
  },
};

export const motionList: Command = {
  name: 'motion list',
  usage: 'airlock motion list [--all]',
  summary: 'list open governance motions (--all: also carried out and expired ones)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { all: { type: 'boolean' } }, strict: true });
    const ctx = cliContext();
    const { digest: policyDigest } = policyInForce(ctx);
    const ledger = openLedger(ctx.layout);
    try {
      const now = Date.now();
      const rows = listMotions(ctx.layout).map((m) => {
        const applied = ledger.motionApplied(m.digest);
        const state = applied
          ? `carried out ${applied.appliedAt}`
          : now > Date.parse(m.motion.expiresAt)
            ? 'expired'
            : m.motion.policyDigest !== policyDigest
              ? 'lapsed (the policy changed)'
              : 'open';
        return { m, state, approvals: loadMotionApprovals(m).length };
      });
      const shown = values.all ? rows : rows.filter((r) => r.state === 'open');
      if (shown.length === 0) out(values.all ? 'no motions' : 'no open motions');
      for (const r of shown)
        out(
          `${r.m.motion.motionId}  ${r.state}  ${r.approvals} approval(s)  ${describeParams(r.m.motion.params)}`,
        );
    } finally {
      ledger.close();
    }
    return EXIT.OK;
  },
};

export const motionShow: Command = {
  name: 'motion show',
  usage: 'airlock motion show <motion>',
  summary: 'show a motion: what it does, who approved it, what it still needs',
  async run(argv) {
    const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError('give exactly one motion id');
    const ctx = cliContext();
    const stored = findMotion(ctx.layout, positionals[0]!);
    const { policy } = policyInForce(ctx);
    const need = motionRequirement(stored.motion.params.kind, policy);
    out(`motion ${stored.motion.motionId}: ${describeParams(stored.motion.params)}`);
    out(`  digest ${stored.digest}`);
    out(
      `  proposed ${stored.motion.proposedAt} by ${stored.motion.proposedBy}; expires ${stored.motion.expiresAt}`,
    );
    out(
      `  needs ${need.required} approval(s), ${need.admins} by an admin; approved by: ${
        loadMotionApprovals(stored)
          .map((a) => a.approval.operatorId)
          .join(', ') || 'nobody yet'
      }`,
    );
    out(JSON.stringify(stored.motion, null, 2));
    return EXIT.OK;
  },
};

export const motionApprove: Command = {
  name: 'motion approve',
  usage: 'airlock motion approve <motion> --operator ID [--pin-stdin]',
  summary: 'approve a governance motion (card + WebAuthn); carried out when its quorum is met',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { operator: { type: 'string' }, ...pinOption },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one motion id');
    const operatorId = operatorOption(values);
    if (!operatorId) throw new UsageError('--operator is required');
    const ctx = cliContext();
    await approveMotion(
      ctx,
      findMotion(ctx.layout, positionals[0]!),
      operatorId,
      cliFactors(ctx, values['pin-stdin'] === true),
    );
    return EXIT.OK;
  },
};

export const status: Command = {
  name: 'status',
  usage: 'airlock status [--json]',
  summary: 'the appliance at a glance: frozen or not, policy version, operators, open motions',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
    const ctx = cliContext();
    const registry = readRegistry(ctx.layout);
    const ledger = openLedger(ctx.layout);
    let report: Record<string, unknown>;
    try {
      const freezeState = ledger.freezeState();
      const policy = existsSync(policyPath(ctx.layout)) ? loadPolicy(ctx.layout) : null;
      const now = Date.now();
      const policyDigest = policy && policyDigestHex(policy);
      const open = listMotions(ctx.layout).filter(
        (m) =>
          !ledger.motionApplied(m.digest) &&
          now <= Date.parse(m.motion.expiresAt) &&
          m.motion.policyDigest === policyDigest,
      );
      report = {
        frozen: freezeState.frozen,
        frozenSince: freezeState.frozen ? freezeState.since : null,
        frozenBy: freezeState.frozen ? freezeState.operators : [],
        freezeReason: freezeState.frozen ? freezeState.reason : null,
        policy: policy && { version: policy.version, digest: policyDigest },
        operators: registry.operators.map((o) => ({ id: o.id, role: o.role, cardToken: o.cardToken })),
        signedBatches: ledger.counts().batches,
        openMotions: open.map((m) => ({
          motionId: m.motion.motionId,
          kind: m.motion.params.kind,
          approvals: loadMotionApprovals(m).length,
        })),
      };
    } finally {
      ledger.close();
    }
    if (values.json) out(JSON.stringify(report));
    else {
      out(
        report.frozen
          ? `FROZEN since ${report.frozenSince} by ${(report.frozenBy as string[]).join(', ')}: ${report.freezeReason || 'no reason given'}`
          : 'not frozen',
      );
      const p = report.policy as { version: number; digest: string } | null;
      out(p ? `policy v${p.version} (digest ${p.digest})` : 'no policy installed');
      out(
        `operators: ${(report.operators as { id: string; role: string }[]).map((o) => `${o.id} (${o.role})`).join(', ') || 'none'}`,
      );
      out(`signed batches: ${report.signedBatches}`);
      for (const m of report.openMotions as { motionId: string; kind: string; approvals: number }[])
        out(`open motion ${m.motionId}: ${m.kind}, ${m.approvals} approval(s)`);
    }
    return EXIT.OK;
  },
};

export type { Motion };
