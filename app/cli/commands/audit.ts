/**
 * The audit log from the command line:
 *   audit verify [--anchor SEQ:HASH]     walk the hash chain; name the first changed, inserted, deleted or reordered row
 *   audit export --out FILE              write the log (JSON lines) for the online node; the export row is in it
 *   online audit-verify FILE [--anchor]  the online node checks an export (no SQLite needed)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AuditHead, type AuditVerifyResult, verifyExport } from '../../../signer/audit/index.js';
import { audit, openAudit } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { writeNewFileAtomic } from '../files.js';

function parseAnchor(text: string | undefined): AuditHead | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!m)
    throw new UsageError('--anchor must be SEQ:HASH (a head printed by an earlier verify), e.g. 12:3fa9…');
  return { seq: Number(m[1]), hash: m[2]! };
}

/** Print the outcome; exit 3 (refused) when the chain is broken. */
function report(result: AuditVerifyResult, what: string): number {
  if (result.ok) {
    out(`${what}: ${result.rows} row(s), hash chain intact; head ${result.head.seq}:${result.head.hash}`);
    return EXIT.OK;
  }
  process.stderr.write(`${what}: BROKEN at row ${result.seq} (${result.problem}): ${result.message}\n`);
  return EXIT.REFUSED;
}

export const auditVerify: Command = {
  name: 'audit verify',
  usage: 'airlock audit verify [--anchor SEQ:HASH]',
  summary: 'check the audit log’s hash chain; names the first changed, inserted, deleted or reordered row',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { anchor: { type: 'string' } }, strict: true });
    const anchor = parseAnchor(values.anchor);
    const log = openAudit(cliContext().layout);
    try {
      return report(log.verify(anchor ? { anchor } : {}), 'audit log');
    } finally {
      log.close();
    }
  },
};

export const auditExport: Command = {
  name: 'audit export',
  usage: 'airlock audit export --out FILE',
  summary: 'write the audit log for the online node (its own export row included)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true });
    if (!values.out) throw new UsageError('--out is required');
    const layout = cliContext().layout;
    audit(layout, { action: 'export', payload: { what: 'audit-log', file: values.out } });
    const log = openAudit(layout);
    try {
      const verified = log.verify();
      if (!verified.ok) return report(verified, 'audit log');
      const exported = log.exportLog();
      writeNewFileAtomic(values.out, exported.text);
      out(`wrote ${exported.rows} row(s) to ${values.out}; head ${exported.head.seq}:${exported.head.hash}`);
      return EXIT.OK;
    } finally {
      log.close();
    }
  },
};

export const onlineAuditVerify: Command = {
  name: 'online audit-verify',
  usage: 'airlock online audit-verify <audit-export.jsonl> [--anchor SEQ:HASH]',
  summary: 'the online node checks an exported audit log (keep the printed head as the next anchor)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { anchor: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one export file');
    const anchor = parseAnchor(values.anchor);
    let text: string;
    try {
      text = readFileSync(positionals[0]!, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read ${positionals[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return report(verifyExport(text, anchor ? { anchor } : {}), 'audit export');
  },
};
