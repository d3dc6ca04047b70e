/**
 * The `airlock` command. Dispatches to one module per command group; turns typed errors into
 * stable exit codes (app/cli/exit-codes.ts) and one clear line on stderr.
 */
import { HsmError, PinIncorrectError, PinLockedError } from '../../hsm/index.js';
import { QrTransportError } from '../../qr-transport/errors.js';
import { AuditError } from '../../signer/audit/index.js';
import { RefusalError } from '../../signer/errors.js';
import { MotionError } from '../../signer/governance/motion.js';
import { LedgerError } from '../../signer/ledger/index.js';
import { PolicyViolation } from '../../signer/policy/index.js';
import { ApprovalError } from '../../signer/quorum/index.js';
import { PinLockedOutError } from '../../signer/quorum/pin-guard.js';
import { ShareError } from '../../signer/quorum/shares.js';
import { ConfigError } from '../config/home.js';
import { type Command, UsageError } from './command.js';
import { approve } from './commands/approve.js';
import { auditExport, auditVerify, onlineAuditVerify } from './commands/audit.js';
import { inspect, sign } from './commands/batch.js';
import { demo, demoInit } from './commands/demo.js';
import { enrolCoordinator, enrolKeys, enrolToken, registryExport } from './commands/enrol.js';
import {
  freeze,
  motionApprove,
  motionList,
  motionShow,
  operatorRekey,
  operatorRemove,
  pinUnlock,
  policyApprove,
  policyPropose,
  status,
  unfreeze,
} from './commands/governance.js';
import { hsmKeygen, hsmPubkey, hsmSign, hsmTokens } from './commands/hsm.js';
import { onlineBuild, onlineInit, onlineVerify } from './commands/online.js';
import { operatorEnroll, operatorList } from './commands/operator.js';
import { pinSplit } from './commands/pin-shares.js';
import { PolicyChangeNeedsQuorumError, policySet, policyShow } from './commands/policy.js';
import { qrDecode, qrEncode, qrShow } from './commands/qr.js';
import { usbExport, usbImport, usbList } from './commands/usb.js';
import { EXIT } from './exit-codes.js';
import { PinEntryError } from './pin.js';

const COMMANDS: readonly Command[] = [
  demo,
  demoInit,
  status,
  inspect,
  approve,
  sign,
  freeze,
  unfreeze,
  motionList,
  motionShow,
  motionApprove,
  operatorEnroll,
  operatorList,
  operatorRemove,
  operatorRekey,
  policySet,
  policyShow,
  policyPropose,
  policyApprove,
  pinSplit,
  pinUnlock,
  qrEncode,
  qrDecode,
  qrShow,
  usbList,
  usbImport,
  usbExport,
  enrolKeys,
  enrolCoordinator,
  enrolToken,
  registryExport,
  hsmTokens,
  hsmKeygen,
  hsmPubkey,
  hsmSign,
  onlineInit,
  onlineBuild,
  onlineVerify,
  onlineAuditVerify,
  auditVerify,
  auditExport,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: airlock <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Data directory: AIRLOCK_HOME (default $XDG_DATA_HOME/airlock or ~/.local/share/airlock).',
    'PKCS#11 module: AIRLOCK_PKCS11_MODULE (default /usr/lib/softhsm/libsofthsm2.so).',
  ].join('\n');
}

/** Longest command name matching the start of argv. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export function exitCodeFor(err: unknown): number {
  const nodeCode = (err as { code?: unknown }).code;
  if (err instanceof UsageError || (typeof nodeCode === 'string' && nodeCode.startsWith('ERR_PARSE_ARGS'))) {
    return EXIT.USAGE;
  }
  if (
    err instanceof RefusalError ||
    err instanceof PolicyViolation ||
    err instanceof ApprovalError ||
    err instanceof PolicyChangeNeedsQuorumError ||
    err instanceof QrTransportError ||
    err instanceof MotionError
  )
    return EXIT.REFUSED;
  if (
    err instanceof PinIncorrectError ||
    err instanceof PinLockedError ||
    err instanceof PinEntryError ||
    err instanceof PinLockedOutError ||
    err instanceof ShareError
  ) {
    return EXIT.PIN;
  }
  if (err instanceof HsmError) return EXIT.HSM;
  if (err instanceof ConfigError || err instanceof LedgerError || err instanceof AuditError)
    return EXIT.CONFIG;
  return EXIT.INTERNAL;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${usage()}\n`);
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`airlock: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}\n`);
    return EXIT.USAGE;
  }
  try {
    return await found.command.run(found.rest);
  } catch (err) {
    const code = exitCodeFor(err);
    const e = err as Error;
    const prefix = code === EXIT.INTERNAL ? `internal error (${e.name})` : e.name;
    process.stderr.write(`airlock ${found.command.name}: ${prefix}: ${e.message}\n`);
    if (code === EXIT.USAGE) process.stderr.write(`usage: ${found.command.usage}\n`);
    if (code === EXIT.INTERNAL && process.env.AIRLOCK_DEBUG) process.stderr.write(`${e.stack}\n`);
    return code;
  }
}
