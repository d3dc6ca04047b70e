/**
 * Governance motions: every change to who may approve, to the rules, or to the appliance's state
 * that the issue puts under the quorum (issue 4, items 1, 3 and 5):
 *
 *   freeze           any one admin, at once
 *   unfreeze         the quorum (the policy's default M, at least one admin among them)
 *   policy-change    the quorum; the new version must be above the installed one (rollback protection)
 *   operator-enroll  the quorum (only the very first operators, before a policy exists, are enrolled without one)
 *   operator-remove  the quorum; refused when it would leave fewer operators than M, or no admin
 *   operator-rekey   the quorum: a new card key for an operator (lost or replaced card)
 *   pin-unlock       the quorum, with at least two distinct approvers: lifts Airlock's own PIN lock-out
 *
 * A motion is a JSON document (`airlock.motion/v1`); its digest is SHA-256 of its RFC 8785 (JCS)
 * bytes. Operators approve the digest with both factors under the domain `airlock.motion-approval/v1`
 * (signer/quorum/approval-message.ts), bound to the policy in force. A motion expires 24 hours after it
 * is proposed and is carried out at most once (the ledger's `motions_applied`).
 *
 * Pure: no clock, no I/O. The app layer stores motions and their approvals and carries them out.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { AirlockError } from '../errors.js';
import { digestOf } from '../format/canonical.js';
import type { Policy } from '../policy/document.js';
import { refuseApproval } from '../quorum/errors.js';
import type { Operator } from '../quorum/operator.js';
import { collectQuorum, type Quorum, type RelyingParty } from '../quorum/quorum.js';
import type { Approval } from '../quorum/verify-approval.js';

export const MOTION_FORMAT = 'airlock.motion/v1';
export const MOTION_KINDS = [
  'freeze',
  'unfreeze',
  'policy-change',
  'operator-enroll',
  'operator-remove',
  'operator-rekey',
  'pin-unlock',
] as const;
export type MotionKind = (typeof MOTION_KINDS)[number];

/** How long a motion can collect approvals. */
export const MOTION_LIFETIME_MS = 24 * 3_600_000;

/** An operator as a motion carries it (the registry's JSON form). */
export interface OperatorRecord {
  readonly id: string;
  readonly role: 'operator' | 'admin';
  readonly cardToken: string;
  /** Ed25519 card key, 64 hex digits. */
  readonly cardPublicKey: string;
  readonly webauthn: {
    readonly credentialId: string;
    /** Uncompressed P-256 key, hex. */
    readonly publicKey: string;
    readonly rpId: string;
    readonly signCount: number;
  };
}

export type MotionParams =
  | { readonly kind: 'freeze'; readonly reason: string }
  | { readonly kind: 'unfreeze'; readonly reason: string; readonly freezeMotion: string }
  | { readonly kind: 'policy-change'; readonly policyDigest: string; readonly version: number }
  | { readonly kind: 'operator-enroll'; readonly operator: OperatorRecord }
  | { readonly kind: 'operator-remove'; readonly operatorId: string }
  | {
      readonly kind: 'operator-rekey';
      readonly operatorId: string;
      readonly cardToken: string;
      readonly cardPublicKey: string;
    }
  | { readonly kind: 'pin-unlock'; readonly token: string; readonly subject: string };

export interface Motion {
  readonly format: typeof MOTION_FORMAT;
  /** 16 random hex digits: two motions with the same params are two motions. */
  readonly motionId: string;
  readonly proposedAt: string;
  readonly expiresAt: string;
  /** Who proposed it (an operator id or the CLI's actor). */
  readonly proposedBy: string;
  /** The policy in force when it was proposed (approvals are bound to the policy in force when given). */
  readonly policyDigest: string;
  readonly params: MotionParams;
}

export type MotionErrorCode =
  | 'MOTION_MALFORMED'
  | 'MOTION_EXPIRED'
  | 'MOTION_NOT_ALLOWED'
  | 'MOTION_REPLAYED'
  | 'MOTION_UNKNOWN';

/** A motion refused: malformed, expired, carried out before, or not allowed in the current state. */
export class MotionError extends AirlockError {
  override readonly name = 'MotionError';
  constructor(
    readonly code: MotionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const HEX32 = /^[0-9a-f]{64}$/;
const HEX8 = /^[0-9a-f]{16}$/;

export function newMotion(
  params: MotionParams,
  options: { now: Date; proposedBy: string; policyDigest: string; motionId: Uint8Array },
): Motion {
  if (options.motionId.length !== 8) throw new RangeError('"motionId" expected 8 random bytes');
  const motion: Motion = {
    format: MOTION_FORMAT,
    motionId: bytesToHex(options.motionId),
    proposedAt: options.now.toISOString(),
    expiresAt: new Date(options.now.getTime() + MOTION_LIFETIME_MS).toISOString(),
    proposedBy: options.proposedBy,
    policyDigest: options.policyDigest,
    params,
  };
  return parseMotion(JSON.parse(JSON.stringify(motion)));
}

/** SHA-256 of the motion's JCS bytes, hex: what operators approve. */
export function motionDigestHex(motion: Motion): string {
  return bytesToHex(digestOf(motion));
}

/** Parse a stored motion strictly (MotionError MOTION_MALFORMED naming the member). */
export function parseMotion(raw: unknown): Motion {
  const bad = (what: string): never => {
    throw new MotionError('MOTION_MALFORMED', `not a motion: ${what}`);
  };
  const obj = (v: unknown, what: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(what);
  const str = (v: unknown, what: string, max = 200): string =>
    typeof v === 'string' && v.length <= max
      ? v
      : bad(`${what} must be a string of at most ${max} characters`);
  const exact = (o: Record<string, unknown>, keys: readonly string[], what: string) => {
    const extra = Object.keys(o).filter((k) => !keys.includes(k));
    if (extra.length > 0) bad(`${what} has unknown member(s) ${extra.join(', ')}`);
  };
  const time = (v: unknown, what: string): string => {
    const s = str(v, what);
    if (Number.isNaN(Date.parse(s)) || new Date(s).toISOString() !== s)
      bad(`${what} must be an ISO 8601 UTC time`);
    return s;
  };
  const hex32 = (v: unknown, what: string): string =>
    HEX32.test(str(v, what)) ? (v as string) : bad(`${what} must be 64 lower-case hex digits`);
  const id = (v: unknown, what: string): string =>
    /^[a-z0-9][a-z0-9._-]{0,31}$/.test(str(v, what)) ? (v as string) : bad(`${what} must be an operator id`);

  const m = obj(raw, 'a motion is a JSON object');
  exact(
    m,
    ['format', 'motionId', 'proposedAt', 'expiresAt', 'proposedBy', 'policyDigest', 'params'],
    'the motion',
  );
  if (m.format !== MOTION_FORMAT) bad(`format must be ${MOTION_FORMAT}`);
  if (!HEX8.test(str(m.motionId, 'motionId'))) bad('motionId must be 16 hex digits');
  const p = obj(m.params, 'params must be an object');
  const kind = str(p.kind, 'params.kind') as MotionKind;
  let params: MotionParams;
  switch (kind) {
    case 'freeze':
      exact(p, ['kind', 'reason'], 'params');
      params = { kind, reason: str(p.reason, 'params.reason', 500) };
      break;
    case 'unfreeze':
      exact(p, ['kind', 'reason', 'freezeMotion'], 'params');
      params = {
        kind,
        reason: str(p.reason, 'params.reason', 500),
        freezeMotion: hex32(p.freezeMotion, 'params.freezeMotion'),
      };
      break;
    case 'policy-change': {
      exact(p, ['kind', 'policyDigest', 'version'], 'params');
      const version = p.version;
      if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
        bad('params.version must be a whole number from 1');
      params = {
        kind,
        policyDigest: hex32(p.policyDigest, 'params.policyDigest'),
        version: version as number,
      };
      break;
    }
    case 'operator-enroll': {
      exact(p, ['kind', 'operator'], 'params');
      const o = obj(p.operator, 'params.operator must be an object');
      exact(o, ['id', 'role', 'cardToken', 'cardPublicKey', 'webauthn'], 'params.operator');
      const w = obj(o.webauthn, 'params.operator.webauthn must be an object');
      exact(w, ['credentialId', 'publicKey', 'rpId', 'signCount'], 'params.operator.webauthn');
      if (o.role !== 'operator' && o.role !== 'admin') bad('params.operator.role must be operator or admin');
      if (typeof w.signCount !== 'number' || !Number.isSafeInteger(w.signCount) || w.signCount < 0)
        bad('params.operator.webauthn.signCount must be a whole number');
      params = {
        kind,
        operator: {
          id: id(o.id, 'params.operator.id'),
          role: o.role as 'operator' | 'admin',
          cardToken: str(o.cardToken, 'params.operator.cardToken', 32),
          cardPublicKey: hex32(o.cardPublicKey, 'params.operator.cardPublicKey'),
          webauthn: {
            credentialId: str(w.credentialId, 'params.operator.webauthn.credentialId'),
            publicKey: /^04[0-9a-f]{128}$/.test(str(w.publicKey, 'params.operator.webauthn.publicKey'))
              ? (w.publicKey as string)
              : bad('params.operator.webauthn.publicKey must be an uncompressed P-256 key in hex'),
            rpId: str(w.rpId, 'params.operator.webauthn.rpId'),
            signCount: w.signCount as number,
          },
        },
      };
      break;
    }
    case 'operator-remove':
      exact(p, ['kind', 'operatorId'], 'params');
      params = { kind, operatorId: id(p.operatorId, 'params.operatorId') };
      break;
    case 'operator-rekey':
      exact(p, ['kind', 'operatorId', 'cardToken', 'cardPublicKey'], 'params');
      params = {
        kind,
        operatorId: id(p.operatorId, 'params.operatorId'),
        cardToken: str(p.cardToken, 'params.cardToken', 32),
        cardPublicKey: hex32(p.cardPublicKey, 'params.cardPublicKey'),
      };
      break;
    case 'pin-unlock':
      exact(p, ['kind', 'token', 'subject'], 'params');
      params = {
        kind,
        token: str(p.token, 'params.token', 32),
        subject: str(p.subject, 'params.subject', 32),
      };
      break;
    default:
      return bad(`params.kind must be one of ${MOTION_KINDS.join(', ')}`);
  }
  const motion: Motion = {
    format: MOTION_FORMAT,
    motionId: m.motionId as string,
    proposedAt: time(m.proposedAt, 'proposedAt'),
    expiresAt: time(m.expiresAt, 'expiresAt'),
    proposedBy: str(m.proposedBy, 'proposedBy', 64),
    policyDigest: hex32(m.policyDigest, 'policyDigest'),
    params,
  };
  if (Date.parse(motion.expiresAt) - Date.parse(motion.proposedAt) !== MOTION_LIFETIME_MS)
    bad('expiresAt must be 24 hours after proposedAt');
  return motion;
}

/** How many approvals a motion needs, and how many of them must be admins'. */
export function motionRequirement(
  kind: MotionKind,
  policy: Pick<Policy, 'approvals'>,
): {
  readonly required: number;
  readonly admins: number;
} {
  switch (kind) {
    case 'freeze':
      return { required: 1, admins: 1 };
    case 'pin-unlock':
      return { required: Math.max(2, policy.approvals.default), admins: 1 };
    case 'unfreeze':
    case 'policy-change':
    case 'operator-enroll':
    case 'operator-remove':
    case 'operator-rekey':
      return { required: policy.approvals.default, admins: 1 };
    default:
      return missingCase(kind);
  }
}

/** Refuse a motion that expired (MOTION_EXPIRED), or whose policy is no longer the one in force. */
export function checkMotionOpen(motion: Motion, now: Date, policyDigest: string): void {
  if (now.getTime() > Date.parse(motion.expiresAt))
    throw new MotionError(
      'MOTION_EXPIRED',
      `motion ${motion.motionId} (${motion.params.kind}) expired at ${motion.expiresAt}; propose it again`,
    );
  if (motion.policyDigest !== policyDigest)
    throw new MotionError(
      'MOTION_EXPIRED',
      `motion ${motion.motionId} was proposed under another policy (${motion.policyDigest.slice(0, 16)}…); the policy changed since, propose it again`,
    );
}

/**
 * The quorum for a motion: the approvals verified by the quorum core (both factors over the motion
 * digest, under the policy in force), and enough admins among them. Throws ApprovalError
 * (QUORUM_NOT_MET, ADMIN_REQUIRED, or any verification failure).
 */
export function motionQuorum(
  motion: Motion,
  policy: Pick<Policy, 'approvals'>,
  policyDigest: string,
  approvals: readonly Approval[],
  operators: readonly Operator[],
  relyingParty: RelyingParty,
): Quorum {
  const digest = motionDigestHex(motion);
  const need = motionRequirement(motion.params.kind, policy);
  const quorum = collectQuorum(
    { batchDigest: digest, subject: 'motion' },
    { required: need.required, policyDigest },
    approvals,
    operators,
    relyingParty,
  );
  const admins = quorum.approvals.filter(
    (a) => operators.find((o) => o.id === a.operatorId)?.role === 'admin',
  ).length;
  if (admins < need.admins)
    refuseApproval(
      'ADMIN_REQUIRED',
      `motion ${motion.motionId} (${motion.params.kind}) needs ${need.admins} admin(s) among its approvers, has ${admins}`,
      { expected: `at least ${need.admins} admin(s)`, found: String(admins) },
    );
  return quorum;
}

/**
 * Refuse an operator removal that would leave the appliance unable to govern itself: fewer operators
 * than the default quorum M, or no admin.
 */
export function checkRemoval(
  operatorId: string,
  operators: readonly Pick<Operator, 'id' | 'role'>[],
  policy: Pick<Policy, 'approvals'>,
): void {
  if (!operators.some((o) => o.id === operatorId))
    throw new MotionError('MOTION_NOT_ALLOWED', `operator ${operatorId} is not enrolled`);
  const left = operators.filter((o) => o.id !== operatorId);
  if (left.length < policy.approvals.default)
    throw new MotionError(
      'MOTION_NOT_ALLOWED',
      `removing ${operatorId} would leave ${left.length} operator(s), fewer than the ${policy.approvals.default} every quorum needs`,
    );
  if (!left.some((o) => o.role === 'admin'))
    throw new MotionError('MOTION_NOT_ALLOWED', `removing ${operatorId} would leave no admin`);
}

/** The operator record as the quorum core's Operator. */
export function operatorOfRecord(r: OperatorRecord): Operator {
  return {
    id: r.id,
    role: r.role,
    cardPublicKey: hexToBytes(r.cardPublicKey),
    webauthn: {
      credentialId: r.webauthn.credentialId,
      publicKey: hexToBytes(r.webauthn.publicKey),
      rpId: r.webauthn.rpId,
      signCount: r.webauthn.signCount,
    },
  };
}

function missingCase(x: never): never {
  throw new TypeError(`unhandled motion kind ${String(x)}`);
}
