/**
 * Governance motions in the data directory (signer/governance/motion.ts says what a motion is):
 *
 *   motions/<digest>/motion.json            the motion document as proposed (its digest names the folder)
 *   motions/<digest>/policy.json            for a policy change: the proposed policy document, as received
 *   motions/<digest>/approvals/<id>.json    one operator's approval of the motion
 *
 * Nothing read back is trusted: the motion must hash to its folder's name, the policy to the digest the
 * motion names, and every approval is verified again by the quorum core before it counts. Whether a
 * motion was carried out is the replay ledger's word (`motions_applied`), not a file's.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Motion, MotionError, motionDigestHex, parseMotion } from '../../signer/governance/motion.js';
import type { Approval } from '../../signer/quorum/index.js';
import { writeNewFileAtomic } from '../cli/files.js';
import { readJsonFiles } from './approvals.js';
import { ConfigError, type HomeLayout } from './home.js';

export const MOTION_APPROVAL_FILE_FORMAT = 'airlock.stored-motion-approval/v1';

export interface StoredMotionApproval {
  readonly format: typeof MOTION_APPROVAL_FILE_FORMAT;
  readonly motionDigest: string;
  readonly policyDigest: string;
  /** The operator's WebAuthn counter before this approval (the quorum verifies against it). */
  readonly signCountBefore: number;
  readonly approvedAt: string;
  readonly approval: Approval;
}

export interface StoredMotion {
  readonly motion: Motion;
  readonly digest: string;
  readonly dir: string;
}

const HEX32 = /^[0-9a-f]{64}$/;

export function motionsDir(layout: HomeLayout): string {
  return join(layout.home, 'motions');
}

/** Store a new motion (and a policy-change's document). Returns where. */
export function saveMotion(layout: HomeLayout, motion: Motion, policyBytes?: Uint8Array): StoredMotion {
  const digest = motionDigestHex(motion);
  const dir = join(motionsDir(layout), digest);
  mkdirSync(join(dir, 'approvals'), { recursive: true, mode: 0o700 });
  if (policyBytes) writeNewFileAtomic(join(dir, 'policy.json'), policyBytes);
  writeNewFileAtomic(join(dir, 'motion.json'), `${JSON.stringify(motion, null, 2)}\n`);
  return { motion, digest, dir };
}

function readMotionDir(dir: string, digest: string): StoredMotion {
  const path = join(dir, 'motion.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not a readable motion (${(err as Error).message})`);
  }
  const motion = parseMotion(raw);
  if (motionDigestHex(motion) !== digest)
    throw new MotionError('MOTION_MALFORMED', `${path} does not hash to its folder's name: it was altered`);
  return { motion, digest, dir };
}

/** Every stored motion, oldest first. */
export function listMotions(layout: HomeLayout): StoredMotion[] {
  const root = motionsDir(layout);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => HEX32.test(d) && existsSync(join(root, d, 'motion.json')))
    .map((d) => readMotionDir(join(root, d), d))
    .sort((a, b) => a.motion.proposedAt.localeCompare(b.motion.proposedAt));
}

/** A motion by its 16-digit motion id, or by its digest (or a prefix of at least 8 digits). */
export function findMotion(layout: HomeLayout, ref: string): StoredMotion {
  const r = ref.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(r))
    throw new MotionError('MOTION_UNKNOWN', `"${ref}" is not a motion id (16 hex digits) or digest`);
  const found = listMotions(layout).filter((m) => m.motion.motionId === r || m.digest.startsWith(r));
  if (found.length === 0) throw new MotionError('MOTION_UNKNOWN', `no motion ${ref} on this appliance`);
  if (found.length > 1)
    throw new MotionError('MOTION_UNKNOWN', `"${ref}" names ${found.length} motions; give more digits`);
  return found[0]!;
}

/** The proposed policy document of a policy-change motion, as received. */
export function motionPolicyBytes(stored: StoredMotion): Buffer {
  const path = join(stored.dir, 'policy.json');
  if (!existsSync(path)) throw new ConfigError(`${path}: the proposed policy document is missing`);
  return readFileSync(path);
}

export function motionApprovalPath(stored: StoredMotion, operatorId: string): string {
  return join(stored.dir, 'approvals', `${operatorId}.json`);
}

export function saveMotionApproval(stored: StoredMotion, approval: StoredMotionApproval): string {
  const path = motionApprovalPath(stored, approval.approval.operatorId);
  writeNewFileAtomic(path, `${JSON.stringify(approval, null, 2)}\n`);
  return path;
}

export function loadMotionApprovals(stored: StoredMotion): StoredMotionApproval[] {
  return readJsonFiles<StoredMotionApproval>(join(stored.dir, 'approvals'));
}
