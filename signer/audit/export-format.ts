/**
 * The audit export ("airlock.audit-export/v1"): what `airlock audit export` writes for the online side,
 * and its verification there. Pure: no SQLite, no file system.
 *
 * Format: UTF-8 JSON lines, each the RFC 8785 (JCS) text of one object, each ending in "\n":
 * - line 1, the header: `{"format":"airlock.audit-export/v1","head":{"hash":<hex>,"seq":<n>}}`;
 * - then one line per row in seq order:
 *   `{"action":..,"actor":..,"hash":..,"payload":<the JSON value>,"prevHash":..,"seq":..,"time":..}`.
 *   The payload is the value itself (readable); its JCS text is what the row's hash covers.
 * Being canonical, every line has exactly one spelling: a line that is not the JCS of what it parses to
 * (extra spaces, a duplicate member name, a number spelled otherwise) is `malformed`.
 *
 * `verifyExport` walks the chain exactly as the appliance's `verify()` does (chain.ts), then checks that
 * the rows end at the header's head, and, given an anchor (the head the online node verified last time),
 * that the export still contains it.
 */
import { canonicalJson, type JsonValue } from '../format/canonical.js';
import {
  type AuditVerifyResult,
  type ChainSource,
  type UnreadableRow,
  type VerifyOptions,
  walkChain,
} from './chain.js';
import { type AuditHead, type AuditRow, GENESIS_HASH, type StoredRow, shortHash } from './entry.js';

export const EXPORT_FORMAT = 'airlock.audit-export/v1';

export interface AuditExport {
  /** The JSON lines. */
  readonly text: string;
  /** The last row's seq and hash (seq 0 and the genesis hash when the log is empty). */
  readonly head: AuditHead;
  readonly rows: number;
}

const ROW_MEMBERS = ['action', 'actor', 'hash', 'payload', 'prevHash', 'seq', 'time'] as const;
const HASH = /^[0-9a-f]{64}$/;

/** The export of `rows` (in seq order) ending at `head`. */
export function formatExport(rows: Iterable<AuditRow>, head: AuditHead): AuditExport {
  const lines = [canonicalJson({ format: EXPORT_FORMAT, head: { seq: head.seq, hash: head.hash } })];
  let count = 0;
  for (const row of rows) {
    lines.push(
      canonicalJson({
        seq: row.seq,
        time: row.time,
        actor: row.actor,
        action: row.action,
        payload: payloadValue(row.payload),
        prevHash: row.prevHash,
        hash: row.hash,
      }),
    );
    count++;
  }
  return { text: `${lines.join('\n')}\n`, head, rows: count };
}

/** Verify an export (the online side). Never throws on bad input: every problem is a result. */
export function verifyExport(text: string, options: VerifyOptions = {}): AuditVerifyResult {
  if (typeof text !== 'string') throw new TypeError('"text" expected the export as a string');
  if (!text.endsWith('\n')) {
    return {
      ok: false,
      seq: 0,
      problem: 'truncated',
      message: 'the export does not end with a newline: it was cut off',
    };
  }
  const lines = text.slice(0, -1).split('\n');
  const header = readHeader(lines[0]!);
  if (typeof header === 'string') return { ok: false, seq: 0, problem: 'malformed', message: header };

  const items: (StoredRow | UnreadableRow)[] = [];
  for (let i = 1; i < lines.length; i++) {
    const previous = items[items.length - 1];
    items.push(readRow(lines[i]!, i + 1, previous === undefined ? 1 : previous.seq + 1));
  }
  let bySeq: Map<number, StoredRow> | undefined;
  let byHash: Map<string, number> | undefined;
  const index = () => {
    if (bySeq === undefined || byHash === undefined) {
      bySeq = new Map();
      byHash = new Map();
      for (const item of items) {
        if ('unreadable' in item) continue;
        bySeq.set(item.seq, item);
        if (!byHash.has(item.hash)) byHash.set(item.hash, item.seq);
      }
    }
    return { bySeq, byHash };
  };
  const source: ChainSource = {
    rows: items,
    seqOfHash: (hash) => index().byHash.get(hash),
    hasSeq: (seq) => index().bySeq.has(seq),
  };
  const walked = walkChain(source, options);
  if (!walked.ok) return walked;
  const claimed = header.head;
  if (walked.head.seq < claimed.seq) {
    return {
      ok: false,
      seq: walked.head.seq + 1,
      problem: 'truncated',
      message: `the header names row ${claimed.seq} as the head, but the rows end at row ${walked.head.seq}`,
    };
  }
  if (walked.head.seq > claimed.seq) {
    return {
      ok: false,
      seq: claimed.seq + 1,
      problem: 'inserted',
      message: `rows ${claimed.seq + 1} to ${walked.head.seq} follow the head the header names (row ${claimed.seq})`,
    };
  }
  if (walked.head.hash !== claimed.hash) {
    return {
      ok: false,
      seq: claimed.seq,
      problem: 'changed',
      message: `row ${claimed.seq} has hash ${shortHash(walked.head.hash)}, the header names ${shortHash(claimed.hash)}`,
    };
  }
  return walked;
}

/**
 * The payload as a JSON value. A stored text that is not canonical JSON (a tampered file) is exported as
 * a JSON string: its JCS text then differs from the stored one, so the row fails its hash on the online
 * side instead of the export failing here.
 */
function payloadValue(text: string): JsonValue {
  try {
    const value = JSON.parse(text) as JsonValue;
    if (canonicalJson(value) === text) return value;
  } catch {
    /* exported as a string below */
  }
  return text;
}

function parseCanonical(line: string): { value: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { error: `is not JSON (${(err as Error).message})` };
  }
  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch (err) {
    return { error: `is not plain JSON (${(err as Error).message})` };
  }
  if (canonical !== line) return { error: 'is not in RFC 8785 canonical form' };
  return { value };
}

function readHeader(line: string): { head: AuditHead } | string {
  const parsed = parseCanonical(line);
  if ('error' in parsed) return `the header (line 1) ${parsed.error}`;
  const h = parsed.value as { format?: unknown; head?: { seq?: unknown; hash?: unknown } } | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    Array.isArray(h) ||
    Object.keys(h).length !== 2 ||
    h.format !== EXPORT_FORMAT ||
    typeof h.head !== 'object' ||
    h.head === null ||
    Object.keys(h.head).length !== 2 ||
    !Number.isSafeInteger(h.head.seq) ||
    (h.head.seq as number) < 0 ||
    typeof h.head.hash !== 'string' ||
    !HASH.test(h.head.hash) ||
    (h.head.seq === 0 && h.head.hash !== GENESIS_HASH)
  ) {
    return `the header (line 1) is not {"format":"${EXPORT_FORMAT}","head":{"hash":<64 hex>,"seq":<n>}}`;
  }
  return { head: { seq: h.head.seq as number, hash: h.head.hash } };
}

function readRow(line: string, lineNo: number, expectedSeq: number): StoredRow | UnreadableRow {
  const parsed = parseCanonical(line);
  if ('error' in parsed) return { seq: expectedSeq, unreadable: `line ${lineNo} ${parsed.error}` };
  const v = parsed.value as Record<string, unknown> | null;
  const seq =
    typeof v === 'object' && v !== null && Number.isSafeInteger(v.seq) ? (v.seq as number) : expectedSeq;
  const keys = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
  if (keys.length !== ROW_MEMBERS.length || ROW_MEMBERS.some((m, i) => keys[i] !== m)) {
    return { seq, unreadable: `line ${lineNo} does not have exactly the members ${ROW_MEMBERS.join(', ')}` };
  }
  const r = v as Record<(typeof ROW_MEMBERS)[number], unknown>;
  for (const m of ['action', 'actor', 'hash', 'prevHash', 'time'] as const) {
    if (typeof r[m] !== 'string') return { seq, unreadable: `line ${lineNo}: ${m} is not a string` };
  }
  if (!Number.isSafeInteger(r.seq)) return { seq, unreadable: `line ${lineNo}: seq is not a whole number` };
  return {
    seq: r.seq as number,
    time: r.time as string,
    actor: r.actor as string,
    action: r.action as string,
    // The whole line is canonical JSON, so this is exactly the payload text the row's hash covers.
    payload: canonicalJson(r.payload),
    prevHash: r.prevHash as string,
    hash: r.hash as string,
  };
}
