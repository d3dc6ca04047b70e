/**
 * The quorum's files in the data directory:
 *   policy.json                          the installed policy document, exactly as received
 *   software-authenticators/<id>.json    SOFTWARE AUTHENTICATORS FOR TESTS AND THE DEMO ONLY (0600):
 *                                        the P-256 key a CLI without an attached WebAuthn
 *                                        authenticator stands in with
 *   approvals/<batchDigestHex>/<id>.json one operator's approval of one batch
 *
 * Everything read back here is verified again by the quorum core before it counts (the files are
 * not trusted: an edited approval fails its signatures).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import { type Policy, readPolicy } from '../../signer/policy/index.js';
import { type Approval, SoftwareAuthenticatorForTestsAndDemo } from '../../signer/quorum/index.js';
import { ConfigError, type HomeLayout } from './home.js';
import { RELYING_PARTY } from './registry.js';

export const SOFTWARE_AUTHENTICATOR_WARNING = 'software authenticator for tests and demo only';

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const HEX32 = /^[0-9a-f]{64}$/;

/** Operator ids: 1-32 characters of a-z 0-9 . _ -, starting with a letter or digit (they name files and keys). */
export function checkOperatorId(id: string): boolean {
  return ID_RE.test(id);
}

export function policyPath(layout: HomeLayout): string {
  return join(layout.home, 'policy.json');
}

/** The installed policy, or a ConfigError naming the command that installs one. */
export function loadPolicy(layout: HomeLayout): Policy {
  const path = policyPath(layout);
  if (!existsSync(path))
    throw new ConfigError(`${path}: no policy installed; run airlock policy set <policy.json>`);
  return readPolicy(readFileSync(path));
}

// --- software authenticators (tests and demo only) ---

export function softwareAuthenticatorPath(layout: HomeLayout, operatorId: string): string {
  return join(layout.home, 'software-authenticators', `${operatorId}.json`);
}

interface StoredAuthenticator {
  readonly warning: typeof SOFTWARE_AUTHENTICATOR_WARNING;
  readonly operatorId: string;
  readonly rpId: string;
  readonly origin: string;
  readonly credentialId: string;
  readonly secretKey: string;
  /** The authenticator's own signature counter (the last one it sent). */
  readonly counter: number;
}

/** Create and persist a software authenticator for `operatorId` (refuses to replace one). */
export function createSoftwareAuthenticator(
  layout: HomeLayout,
  operatorId: string,
): SoftwareAuthenticatorForTestsAndDemo {
  const path = softwareAuthenticatorPath(layout, operatorId);
  if (existsSync(path)) throw new ConfigError(`${path} already exists; refusing to replace it`);
  const secretKey = Uint8Array.from(randomBytes(32));
  const credentialId = Uint8Array.from(randomBytes(16));
  const auth = new SoftwareAuthenticatorForTestsAndDemo({ ...RELYING_PARTY, secretKey, credentialId });
  mkdirSync(join(layout.home, 'software-authenticators'), { recursive: true, mode: 0o700 });
  const stored: StoredAuthenticator = {
    warning: SOFTWARE_AUTHENTICATOR_WARNING,
    operatorId,
    rpId: auth.rpId,
    origin: auth.origin,
    credentialId: auth.credentialId,
    secretKey: bytesToHex(secretKey),
    counter: 0,
  };
  writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return auth;
}

/** Load an operator's software authenticator and the counter it last sent. */
export function loadSoftwareAuthenticator(
  layout: HomeLayout,
  operatorId: string,
): { authenticator: SoftwareAuthenticatorForTestsAndDemo; counter: number } {
  const path = softwareAuthenticatorPath(layout, operatorId);
  if (!existsSync(path))
    throw new ConfigError(`${path}: operator ${operatorId} has no software authenticator on this appliance`);
  let s: StoredAuthenticator;
  try {
    s = JSON.parse(readFileSync(path, 'utf8')) as StoredAuthenticator;
    if (
      s.warning !== SOFTWARE_AUTHENTICATOR_WARNING ||
      !HEX32.test(s.secretKey) ||
      !Number.isSafeInteger(s.counter) ||
      s.counter < 0
    )
      throw new Error('unexpected members');
  } catch (err) {
    throw new ConfigError(`${path}: not a software authenticator file (${(err as Error).message})`);
  }
  const authenticator = new SoftwareAuthenticatorForTestsAndDemo({
    rpId: s.rpId,
    origin: s.origin,
    secretKey: hexToBytes(s.secretKey),
    credentialId: base64urlnopad.decode(s.credentialId),
  });
  return { authenticator, counter: s.counter };
}

export function saveSoftwareAuthenticatorCounter(
  layout: HomeLayout,
  operatorId: string,
  counter: number,
): void {
  const path = softwareAuthenticatorPath(layout, operatorId);
  const s = JSON.parse(readFileSync(path, 'utf8')) as StoredAuthenticator;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ ...s, counter }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

// --- stored approvals ---

export const APPROVAL_FILE_FORMAT = 'airlock.stored-approval/v1';

/** One approval as stored: the approval itself and what it was given for. */
export interface StoredApproval {
  readonly format: typeof APPROVAL_FILE_FORMAT;
  readonly batchId: string;
  readonly batchDigest: string;
  readonly policyDigest: string;
  /**
   * The operator's WebAuthn counter before this approval: the sign step verifies the assertion
   * against it (the registry has since moved on to the approval's own counter).
   */
  readonly signCountBefore: number;
  readonly approvedAt: string;
  readonly approval: Approval;
}

export function approvalsDir(layout: HomeLayout, batchDigestHex: string): string {
  if (!HEX32.test(batchDigestHex)) throw new TypeError('"batchDigestHex" expected 64 lower-case hex digits');
  return join(layout.home, 'approvals', batchDigestHex);
}

export function approvalPath(layout: HomeLayout, batchDigestHex: string, operatorId: string): string {
  return join(approvalsDir(layout, batchDigestHex), `${operatorId}.json`);
}

/** Every stored approval of the batch, by file name (the operator id) in sorted order. */
export function loadApprovals(layout: HomeLayout, batchDigestHex: string): StoredApproval[] {
  return readJsonFiles<StoredApproval>(approvalsDir(layout, batchDigestHex));
}

/**
 * The `*.json` files directly in `dir` (none when it does not exist), parsed, in file-name order.
 * Their content is not trusted: callers verify what they read (approvals by the quorum core).
 */
export function readJsonFiles<T>(dir: string): T[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch (err) {
        throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
      }
    });
}
