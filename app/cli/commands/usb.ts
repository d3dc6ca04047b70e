/**
 * `airlock usb …`: the USB hand-off (docs/usb.md). The stick is hostile: every read goes through
 * qr-transport/usb (no links followed, no devices or FIFOs opened, bounded reads through one descriptor),
 * and what is read is verified before use.
 *   list [--usb-root R] [--json]                  the files a stick offers: name, size, kind
 *   import <name> --out <file> [--usb-root R]     read a batch, authenticate and inspect it, then write it
 *   export <file> [--name N] [--usb-root R]       copy a result, audit export or batch onto the stick atomically
 * The USB root is `--usb-root`, else `AIRLOCK_USB_ROOT`, else /media. Refusals are QrTransportError
 * subclasses (qr-transport/usb/errors.ts) or RefusalError: exit 3.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  guessKind,
  type KindGuess,
  listUsbFiles,
  openUsbFile,
  readUsbFile,
  resolveUsbRoot,
  show,
  UsbContentInvalidError,
  UsbError,
  type UsbFileKind,
  UsbKindRefusedError,
  writeUsbFileAtomic,
} from '../../../qr-transport/usb/index.node.js';
import { verifyExport } from '../../../signer/audit/index.js';
import { LIMITS, parseBatch, parseResult } from '../../../signer/format/index.js';
import { inspectBatch } from '../../../signer/inspect.js';
import { readRegistry } from '../../config/registry.js';
import { auditIfPresent, ledgerPath, openLedger } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';
import { humanReport, trustOf } from './batch.js';

/** How much of a file `usb list` reads to find its `format` member. */
const KIND_PEEK_BYTES = 1024 * 1024;
/** The largest local file `usb export` copies (an audit export has no format limit of its own). */
const MAX_EXPORT_BYTES = 256 * 1024 * 1024;

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A name from the stick as printed: as it is when plain, quoted and escaped otherwise. */
function displayName(name: string): string {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name) ? name : show(name);
}

function describeKind(g: KindGuess): string {
  if (g.kind !== 'unknown') return `${g.kind} (${g.format})`;
  return g.format === null ? 'unknown' : `unknown (format ${JSON.stringify(g.format)})`;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  symlink: 'symbolic link',
  fifo: 'FIFO',
  socket: 'socket',
  'character-device': 'character device',
  'block-device': 'block device',
  other: 'special file',
};

export interface UsbRow {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  /** The kind read from the file's head, or `refused: <why>` for what is never opened or could not be. */
  readonly kind: string;
  readonly format: string | null;
}

/** The files on the stick with their kinds (directories left out); links and special files are refused. */
export async function listUsbRows(
  root: string,
): Promise<{ root: string; truncated: boolean; rows: UsbRow[] }> {
  const listing = await listUsbFiles(root);
  const rows: UsbRow[] = [];
  for (const e of listing.entries) {
    if (e.type === 'directory') continue;
    if (e.type !== 'file') {
      rows.push({ ...e, kind: `refused: ${TYPE_WORDS[e.type] ?? e.type}`, format: null });
      continue;
    }
    let guess: KindGuess;
    try {
      const file = await openUsbFile(root, e.path, { maxBytes: Number.MAX_SAFE_INTEGER });
      try {
        guess = guessKind(await file.readHead(KIND_PEEK_BYTES));
      } finally {
        await file.close();
      }
    } catch (err) {
      if (!(err instanceof UsbError)) throw err;
      rows.push({ ...e, kind: `refused: ${err.code}`, format: null });
      continue;
    }
    rows.push({ ...e, kind: guess.kind, format: guess.format });
  }
  return { root: listing.root, truncated: listing.truncated, rows };
}

export const usbList: Command = {
  name: 'usb list',
  usage: 'airlock usb list [--usb-root R] [--json]',
  summary: 'list the files a USB stick offers: name, size, kind (links and special files are never followed)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { 'usb-root': { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    });
    const listing = await listUsbRows(resolveUsbRoot(values['usb-root']));
    const rows = listing.rows;
    if (values.json) {
      out(JSON.stringify({ root: listing.root, truncated: listing.truncated, files: rows }));
      return EXIT.OK;
    }
    out(`USB root ${listing.root}: ${rows.length} file(s)${listing.truncated ? ' (listing cut short)' : ''}`);
    const shown = rows.map((r) => [
      displayName(r.path),
      r.type === 'file' ? r.size.toLocaleString('en-US') : '-',
      r.kind.startsWith('refused: ')
        ? r.kind
        : describeKind({ kind: r.kind as UsbFileKind, format: r.format }),
    ]);
    const width = (i: number) => Math.max(0, ...shown.map((s) => s[i]!.length));
    for (const [name, size, kind] of shown)
      out(`  ${name!.padEnd(width(0))}  ${size!.padStart(width(1))}  ${kind}`);
    return EXIT.OK;
  },
};

export const usbImport: Command = {
  name: 'usb import',
  usage: 'airlock usb import <name> --out <file> [--usb-root R]',
  summary: 'read a batch from a USB stick, authenticate and inspect it, then write it to --out',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, 'usb-root': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one file name on the USB stick');
    if (!values.out) throw new UsageError('--out is required');
    if (existsSync(values.out))
      throw new UsageError(`${values.out} already exists; Airlock never overwrites an output`);
    const name = positionals[0]!;
    const root = resolveUsbRoot(values['usb-root']);
    const { layout } = cliContext();
    const trust = trustOf(readRegistry(layout));

    const bytes = await readUsbFile(root, name, { maxBytes: LIMITS.maxBatchBytes });
    const guess = guessKind(bytes);
    if (guess.kind !== 'batch' && guess.kind !== 'unknown')
      throw new UsbKindRefusedError(name, guess.kind, 'a batch (airlock.batch/v1)');
    // Verify before use: parse, coordinator signature against the registry, decode and cross-check.
    const inspected = inspectBatch(bytes, trust, new Date());
    for (const line of humanReport(inspected)) out(line);
    writeNewFileAtomic(values.out, bytes);
    const digest = Buffer.from(inspected.batch.digest).toString('hex');
    // On an appliance, the batch's life starts here (signer/batch-state.ts): imported, to be reviewed.
    if (existsSync(ledgerPath(layout))) {
      const ledger = openLedger(layout);
      try {
        ledger.stepBatch(digest, inspected.batch.batchId, 'import');
      } finally {
        ledger.close();
      }
    }
    auditIfPresent(layout, {
      action: 'import',
      payload: {
        source: 'usb',
        name,
        sha256: sha256Hex(bytes),
        batchId: inspected.batch.batchId,
        digest,
        fingerprint: inspected.fingerprint.text,
        file: values.out,
      },
    });
    out(`imported ${displayName(name)} from ${root}: batch ${inspected.batch.batchId} -> ${values.out}`);
    return EXIT.OK;
  },
};

/** Check a local file before it leaves: its kind, and that it reads as that kind. */
function checkExportable(bytes: Uint8Array, name: string): Exclude<UsbFileKind, 'unknown'> {
  const { kind } = guessKind(bytes);
  switch (kind) {
    case 'result':
      parseResult(bytes);
      return kind;
    case 'batch':
      parseBatch(bytes);
      return kind;
    case 'audit-export': {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new UsbContentInvalidError(name, kind, 'it is not UTF-8 text');
      }
      const verified = verifyExport(text);
      if (!verified.ok)
        throw new UsbContentInvalidError(
          name,
          kind,
          `broken at row ${verified.seq} (${verified.problem}): ${verified.message}`,
        );
      return kind;
    }
    case 'unknown':
      throw new UsbKindRefusedError(name, kind, 'a signed result, an audit export or a batch');
    default:
      return missingCaseError(kind);
  }
}

function missingCaseError(x: never): never {
  throw new TypeError(`unexpected kind ${String(x)}`);
}

export const usbExport: Command = {
  name: 'usb export',
  usage: 'airlock usb export <file> [--name N] [--usb-root R]',
  summary:
    'copy a signed result or audit export (or a batch) onto a USB stick, atomically, never overwriting',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { name: { type: 'string' }, 'usb-root': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one local file to export');
    const file = positionals[0]!;
    const name = values.name ?? basename(file);
    const root = resolveUsbRoot(values['usb-root']);
    const bytes = readInputFile(file, MAX_EXPORT_BYTES);
    const kind = checkExportable(bytes, file);
    const written = await writeUsbFileAtomic(root, name, bytes);
    auditIfPresent(cliContext().layout, {
      action: 'export',
      payload: { what: kind, to: 'usb', name, file, sha256: sha256Hex(bytes), bytes: bytes.length },
    });
    out(
      `exported ${kind} ${file} -> ${written.fullPath} (${written.bytes} bytes, sha256 ${sha256Hex(bytes)})`,
    );
    return EXIT.OK;
  },
};
