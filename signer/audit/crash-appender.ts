/**
 * Test fixture of audit-crash.test.ts, run as a child process: appends groups of entries to an audit log,
 * one transaction per group, until it is killed. It resumes after the rows already in the file. It prints
 * `append <i>` before the transaction of group i and `<i>` once it committed (stdout to a pipe is
 * synchronous on Linux: a printed index is a committed group).
 *
 * Usage: node crash-appender.js <audit log file> <entries per group>
 */
import { fileURLToPath } from 'node:url';
import { AuditLog } from './audit-log.js';
import type { AuditEntry } from './entry.js';

/** Group i: `size` entries, each naming its group and place. */
export function crashGroup(index: number, size: number): AuditEntry[] {
  return Array.from({ length: size }, (_, k) => ({
    actor: k % 2 ? 'operator:alice' : 'appliance',
    action: k % 3 ? 'approval' : 'sign',
    payload: { group: index, k, pad: 'audit '.repeat(20) },
  }));
}

function main(path: string, size: number): void {
  const log = AuditLog.open(path);
  const head = log.head();
  if (head.seq % size !== 0) throw new Error(`the log holds ${head.seq} rows, not whole groups of ${size}`);
  for (let i = head.seq / size; i < 1_000_000; i++) {
    process.stdout.write(`append ${i}\n`);
    log.append(crashGroup(i, size));
    process.stdout.write(`${i}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv[2]!, Number(process.argv[3]));
}
