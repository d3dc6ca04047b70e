/**
 * Any error a handler throws, as the console shows it (ErrorView in app/common/ipc-contract.ts): the
 * same families as the CLI's exit codes (app/cli/main.ts exitCodeFor), the stable code, and where and
 * what when the error knows it. Nothing else of the error (stack, cause) crosses the IPC edge.
 */
import { HsmError, Pkcs11CallError } from '../../hsm/index.js';
import { QrTransportError } from '../../qr-transport/errors.js';
import { AuditError } from '../../signer/audit/index.js';
import { RefusalError } from '../../signer/errors.js';
import { MotionError } from '../../signer/governance/motion.js';
import { LedgerError } from '../../signer/ledger/index.js';
import { PolicyViolation } from '../../signer/policy/index.js';
import { ApprovalError } from '../../signer/quorum/index.js';
import { PinGuardError, PinLockedOutError } from '../../signer/quorum/pin-guard.js';
import { ShareError } from '../../signer/quorum/shares.js';
import { UsageError } from '../cli/command.js';
import { PinEntryError } from '../cli/pin.js';
import type { ErrorView } from '../common/ipc-contract.js';
import { InvalidRequestError } from '../common/ipc-contract.js';
import { ConfigError } from '../config/home.js';

const opt = (k: string, v: unknown) => (typeof v === 'string' && v.length > 0 ? { [k]: v } : {});

export function errorView(err: unknown): ErrorView {
  if (err instanceof InvalidRequestError)
    return { kind: 'invalid-request', code: err.code, message: err.message, field: err.member };
  if (err instanceof UsageError)
    return { kind: 'invalid-request', code: 'REQUEST_REFUSED', message: err.message };
  if (err instanceof RefusalError)
    return {
      kind: 'refused',
      code: err.code,
      message: err.message,
      ...opt('withdrawalId', err.withdrawalId),
      ...opt('field', err.field),
      ...opt('expected', err.expected),
      ...opt('found', err.found),
    };
  if (err instanceof PolicyViolation)
    return {
      kind: 'policy',
      code: err.code,
      message: err.message,
      rule: err.rule,
      ...opt('withdrawalId', err.withdrawalId),
      ...opt('expected', err.limit),
      ...opt('found', err.found),
    };
  if (err instanceof ApprovalError)
    return {
      kind: 'approval',
      code: err.code,
      message: err.message,
      ...opt('field', err.operatorId === undefined ? undefined : `operator ${err.operatorId}`),
      ...opt('expected', err.expected),
      ...opt('found', err.found),
    };
  if (err instanceof MotionError) return { kind: 'approval', code: err.code, message: err.message };
  if (err instanceof QrTransportError) return { kind: 'transport', code: err.code, message: err.message };
  if (err instanceof PinLockedOutError) return { kind: 'pin', code: err.code, message: err.message };
  if (err instanceof ShareError) return { kind: 'pin', code: err.code, message: err.message };
  if (err instanceof PinEntryError) return { kind: 'pin', code: 'PIN_ENTRY', message: err.message };
  if (err instanceof Pkcs11CallError) {
    const pin = err.ckr.startsWith('CKR_PIN_');
    return { kind: pin ? 'pin' : 'hsm', code: err.ckr, message: err.message, field: err.method };
  }
  if (err instanceof HsmError) return { kind: 'hsm', code: err.name, message: err.message };
  if (err instanceof PinGuardError || err instanceof LedgerError || err instanceof AuditError)
    return { kind: 'config', code: err.code, message: err.message };
  if (err instanceof ConfigError)
    return {
      kind: 'config',
      code: String((err as { code?: unknown }).code ?? 'CONFIG'),
      message: err.message,
    };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'internal', code: 'INTERNAL', message: `internal error (${e.name}): ${e.message}` };
}
