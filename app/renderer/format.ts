/**
 * Pure formatting for the console: hashes shortened, byte counts, times in UTC, the fingerprint split
 * into its hex and Bytewords parts, quorum wording, custodian shares from a textarea, and the rows an
 * error panel shows. No DOM and no `node:`: the renderer uses them and node:test tests them.
 */
import type { BatchStateName, ErrorView } from '../common/ipc-contract.js';

/** The first `n` characters of a hash, with an ellipsis when cut. */
export function shortHash(hash: string | null | undefined, n = 12): string {
  if (hash === null || hash === undefined || hash === '') return '—';
  return hash.length <= n ? hash : `${hash.slice(0, n)}…`;
}

/** A text cut to at most `max` characters (the last one an ellipsis when cut). */
export function shorten(text: string, max: number): string {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`"max" expected a positive integer, got ${max}`);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Bytes as people read them: "512 B", "4.9 kB", "1.2 MB" (powers of 1000, like file managers). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`"n" expected a non-negative number, got ${n}`);
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/**
 * An ISO time as "2025-01-31 14:05:09 UTC": always UTC, so two operators at two screens read the
 * same; the input unchanged when it is not a date.
 */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The fingerprint "abcd-ef01-2345-6789 (able acid also apex)" as its two parts (words '' if absent). */
export function splitFingerprint(text: string): { hex: string; words: string } {
  const m = /^\s*([0-9a-f]{4}(?:-[0-9a-f]{4}){3})\s*(?:\(([^)]*)\))?\s*$/i.exec(text);
  if (m === null) return { hex: text.trim(), words: '' };
  return { hex: m[1]!, words: (m[2] ?? '').trim() };
}

/** "quorum met", or "1 of 3 approvals" (required unknown: "1 approval, policy refuses"). */
export function quorumText(approvals: number, required: number | null, met: boolean): string {
  if (met) return 'quorum met';
  if (required === null) return `${approvals} approval${approvals === 1 ? '' : 's'}, no quorum possible`;
  return `${approvals} of ${required} approvals`;
}

/** An amount with its symbol once: "2500 USDC" stays, "2500" becomes "2500 USDC". */
export function withSymbol(amountText: string, symbol: string): string {
  const t = amountText.trim();
  if (symbol === '' || t.toUpperCase().endsWith(` ${symbol.toUpperCase()}`)) return t;
  return `${t} ${symbol}`;
}

/** One custodian share per non-empty line, trimmed (a share never holds a line break). */
export function parseShares(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** How a batch state reads on screen; unknown (null) when the appliance has no record of it. */
export function stateLabel(state: BatchStateName | null): string {
  return state === null ? 'unknown' : state.toUpperCase();
}

/** The headline of an error panel: REFUSED for refusals (batch, policy, approvals), else what failed. */
export function errorHeadline(error: ErrorView): string {
  switch (error.kind) {
    case 'refused':
    case 'policy':
    case 'approval':
      return 'REFUSED';
    case 'pin':
      return 'PIN NOT ACCEPTED';
    case 'hsm':
      return 'TOKEN ERROR';
    case 'config':
      return 'CONFIGURATION ERROR';
    case 'transport':
      return 'TRANSFER ERROR';
    case 'invalid-request':
      return 'INVALID INPUT';
    case 'sender':
      return 'REFUSED SENDER';
    case 'internal':
      return 'ERROR';
    default:
      return missingCaseError(error.kind);
  }
}

/** The labelled rows of an error panel, in reading order; absent members are left out. */
export function errorRows(error: ErrorView): { key: string; label: string; value: string }[] {
  const rows: { key: string; label: string; value: string }[] = [
    { key: 'code', label: 'Code', value: error.code },
    { key: 'message', label: 'What', value: error.message },
  ];
  const optional: [keyof ErrorView, string][] = [
    ['withdrawalId', 'Withdrawal'],
    ['field', 'Field'],
    ['rule', 'Rule'],
    ['expected', 'Expected'],
    ['found', 'Found'],
  ];
  for (const [key, label] of optional) {
    const value = error[key];
    if (typeof value === 'string' && value.length > 0) rows.push({ key, label, value });
  }
  return rows;
}

/** Wrong PIN and lock-out codes get a plain-words hint under the panel. */
export function pinHint(error: ErrorView): string | null {
  if (error.kind !== 'pin') return null;
  if (/LOCK/i.test(error.code))
    return 'This PIN is locked. Only the admin quorum can unlock it (pin unlock).';
  if (/WRONG|INCORRECT|INVALID/i.test(error.code))
    return 'The PIN was wrong. Each wrong PIN counts toward the lock-out: check it before trying again.';
  return null;
}

function missingCaseError(x: never): never {
  throw new TypeError(`unexpected error kind ${JSON.stringify(x)}`);
}
