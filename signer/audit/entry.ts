/**
 * One audit-log row and its hash (issue 4, item 7). Pure: no SQLite, no clock; the online side uses it
 * to verify an export.
 *
 * A row is (seq, time, actor, action, payload, prevHash, hash):
 * - `seq` counts from 1 without gaps; `time` is ISO 8601 UTC with milliseconds (`Date.toISOString()`);
 * - `actor` is an id (1 to 128 of A-Z a-z 0-9 . _ : @ -), e.g. `operator:alice`, `appliance`;
 * - `action` is one of AUDIT_ACTIONS; `payload` is the RFC 8785 (JCS) text of a JSON value, at most
 *   64 KiB;
 * - `prevHash` is the previous row's `hash`, GENESIS_HASH for row 1;
 * - `hash` = hex(SHA-256(UTF-8(JCS([ENTRY_DOMAIN, seq, time, actor, action, payload, prevHash])))).
 *   The first element separates this digest from every other Airlock digest (batch and result digests
 *   are over JSON objects, never arrays); `payload` enters as a string, so the hash covers exactly the
 *   stored text. Anyone can recompute it with SHA-256 and `JSON.stringify` of that array: for strings
 *   and safe integers JCS and `JSON.stringify` write the same bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalBytes, canonicalJson, type JsonValue } from '../format/canonical.js';

/** What an audit row records. Append-only list: never rename or remove one. */
export const AUDIT_ACTIONS = [
  'import',
  'review',
  'approval',
  'policy-change',
  'enrolment',
  'freeze',
  'unfreeze',
  'sign',
  'export',
  'pin-failure',
  'unlock',
  'motion-proposal',
  'motion-approval',
  'operator-removal',
  'operator-rekey',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a caller appends; `seq`, `time` and the hashes are the log's. */
export interface AuditEntry {
  readonly actor: string;
  readonly action: AuditAction;
  readonly payload: JsonValue;
}

/** A row as stored and exported. */
export interface AuditRow {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: AuditAction;
  /** RFC 8785 text of the payload. */
  readonly payload: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** A row as read back from a file or an export, before any check: anything may have been edited. */
export interface StoredRow extends Omit<AuditRow, 'action'> {
  readonly action: string;
}

/** The last row's seq and hash; seq 0 and GENESIS_HASH for an empty log. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

export const ENTRY_DOMAIN = 'airlock.audit-entry/v1';

/** What row 1 chains to: SHA-256 of "airlock.audit-log/v1 genesis". */
export const GENESIS_HASH: string = bytesToHex(sha256(utf8ToBytes('airlock.audit-log/v1 genesis')));

export const EMPTY_HEAD: AuditHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

export const MAX_PAYLOAD_BYTES = 64 * 1024;
const ACTOR = /^[A-Za-z0-9._:@-]{1,128}$/;
const HASH = /^[0-9a-f]{64}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The hash of a row (its own `hash` member, if any, is ignored). Throws TypeError on non-JSON fields. */
export function entryHash(row: Omit<StoredRow, 'hash'>): string {
  return bytesToHex(
    sha256(
      canonicalBytes([ENTRY_DOMAIN, row.seq, row.time, row.actor, row.action, row.payload, row.prevHash]),
    ),
  );
}

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** Check an entry to append; returns its payload text. Throws TypeError/RangeError naming the member. */
export function entryPayloadText(entry: unknown, at: string): string {
  if (typeof entry !== 'object' || entry === null) throw new TypeError(`"${at}" expected an object`);
  const { actor, action, payload } = entry as Record<string, unknown>;
  if (typeof actor !== 'string' || !ACTOR.test(actor)) {
    throw new TypeError(
      `"${at}.actor" expected 1 to 128 characters of A-Z a-z 0-9 . _ : @ -, got ${show(actor)}`,
    );
  }
  if (!isAuditAction(action)) {
    throw new TypeError(`"${at}.action" expected one of ${AUDIT_ACTIONS.join(', ')}, got ${show(action)}`);
  }
  const text = canonicalJson(payload);
  const bytes = utf8ToBytes(text).length;
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `"${at}.payload" is ${bytes} bytes of JSON, above the limit of ${MAX_PAYLOAD_BYTES}`,
    );
  }
  return text;
}

/**
 * What is wrong with the fields of a row whose hash and link verified (written by a buggy or hostile
 * writer that also computed the hash), or undefined.
 */
export function rowShapeProblem(row: StoredRow): string | undefined {
  if (!Number.isSafeInteger(row.seq) || row.seq < 1) return `seq ${row.seq} is not a whole number from 1`;
  if (
    !TIME.test(row.time) ||
    Number.isNaN(Date.parse(row.time)) ||
    new Date(row.time).toISOString() !== row.time
  ) {
    return `time ${show(row.time)} is not an ISO 8601 UTC time with milliseconds`;
  }
  if (!ACTOR.test(row.actor)) return `actor ${show(row.actor)} is not an actor id`;
  if (!isAuditAction(row.action))
    return `action ${show(row.action)} is not one of ${AUDIT_ACTIONS.join(', ')}`;
  if (!HASH.test(row.hash) || !HASH.test(row.prevHash)) return 'a hash is not 64 lower-case hex digits';
  let canonical: string | undefined;
  try {
    canonical = canonicalJson(JSON.parse(row.payload));
  } catch {
    canonical = undefined;
  }
  if (canonical !== row.payload) return 'the payload is not RFC 8785 canonical JSON';
  if (utf8ToBytes(row.payload).length > MAX_PAYLOAD_BYTES) return 'the payload is above the size limit';
  return undefined;
}

/** Check a caller's head (an anchor). Throws TypeError naming the argument. */
export function checkHead(name: string, head: unknown): asserts head is AuditHead {
  const h = head as Partial<AuditHead> | null;
  if (typeof h !== 'object' || h === null || !Number.isSafeInteger(h.seq) || (h.seq as number) < 0) {
    throw new TypeError(`"${name}.seq" expected a whole number from 0`);
  }
  if (typeof h.hash !== 'string' || !HASH.test(h.hash)) {
    throw new TypeError(`"${name}.hash" expected 64 lower-case hex digits`);
  }
  if (h.seq === 0 && h.hash !== GENESIS_HASH) throw new TypeError(`"${name}": row 0 is the genesis hash`);
}

/** The first 16 hex digits of a hash, for messages. */
export function shortHash(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 16)}…` : hash;
}

function show(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  return value === null ? 'null' : typeof value;
}
