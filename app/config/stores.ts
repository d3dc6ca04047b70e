/**
 * The appliance's two SQLite files in the data directory: the replay ledger (`ledger.sqlite`) and the
 * audit log (`audit.sqlite`). Created only at setup (demo-init, enrolment); everywhere else a missing
 * file is an error, because an empty ledger would mean "nothing was ever signed".
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { PinIncorrectError } from '../../hsm/index.js';
import { type AuditEntry, AuditLog } from '../../signer/audit/index.js';
import { ReplayLedger } from '../../signer/ledger/index.js';
import { PinGuard, type PinKey } from '../../signer/quorum/pin-guard.js';
import type { HomeLayout } from './home.js';

export function ledgerPath(layout: HomeLayout): string {
  return join(layout.home, 'ledger.sqlite');
}

export function auditPath(layout: HomeLayout): string {
  return join(layout.home, 'audit.sqlite');
}

export function openLedger(layout: HomeLayout, create = false): ReplayLedger {
  return ReplayLedger.open(ledgerPath(layout), { create });
}

export function openAudit(layout: HomeLayout, create = false): AuditLog {
  return AuditLog.open(auditPath(layout), { create });
}

let surface: 'cli' | 'console' = 'cli';

/** The operator console's process records its rows as `console:<account>` (the CLI's as `cli:<account>`). */
export function useAuditSurface(which: 'cli' | 'console'): void {
  surface = which;
}

/**
 * Who acts: the surface and the OS account running it. Operators are named in the payloads of the rows
 * their cards and WebAuthn credentials signed for.
 */
export function cliActor(): string {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry: keep "unknown"
  }
  return `${surface}:${name}`;
}

/** Append one audit row (creating the log at setup only). */
export function audit(layout: HomeLayout, entry: Omit<AuditEntry, 'actor'>, create = false): void {
  const log = openAudit(layout, create);
  try {
    log.append([{ actor: cliActor(), ...entry }]);
  } finally {
    log.close();
  }
}

/** Append a row only where the appliance has an audit log (read-only commands on a bare directory skip it). */
export function auditIfPresent(layout: HomeLayout, entry: Omit<AuditEntry, 'actor'>): void {
  if (existsSync(auditPath(layout))) audit(layout, entry);
}

export function pinGuardPath(layout: HomeLayout): string {
  return join(layout.home, 'pins.sqlite');
}

/**
 * Airlock's own PIN lock-out around one C_Login (SoftHSM2 and some cards never lock a PIN): refuse a
 * locked token+subject before asking the token, count a wrong PIN (and audit it), reset on success.
 * The counter file is created on first use; a locked key stays locked until the admin quorum unlocks
 * it (quorum issue).
 */
export async function withPinGuard<T>(
  layout: HomeLayout,
  key: PinKey,
  askAndLogin: () => Promise<T> | T,
): Promise<T> {
  const guard = PinGuard.open(pinGuardPath(layout), { create: true });
  try {
    // Before the PIN is even asked for. (A token that reports its own PIN locked is refused by C_Login's caller.)
    guard.beforeAttempt(key);
    let result: T;
    try {
      result = await askAndLogin();
    } catch (err) {
      if (err instanceof PinIncorrectError) {
        const failure = guard.recordFailure(key);
        auditIfPresent(layout, {
          action: 'pin-failure',
          payload: {
            token: key.token,
            subject: key.subject,
            failures: failure.failures,
            locked: failure.locked,
          },
        });
        process.stderr.write(
          failure.locked
            ? `Airlock has now locked the PIN of token "${key.token}"; the admin quorum must unlock it\n`
            : `${failure.remaining} more wrong PIN(s) and Airlock locks token "${key.token}"\n`,
        );
      }
      throw err;
    }
    guard.recordSuccess(key);
    return result;
  } finally {
    guard.close();
  }
}
