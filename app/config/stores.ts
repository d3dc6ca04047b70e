/**
 * The appliance's two SQLite files in the data directory: the replay ledger (`ledger.sqlite`) and the
 * audit log (`audit.sqlite`). Created only at setup (demo-init, enrolment); everywhere else a missing
 * file is an error, because an empty ledger would mean "nothing was ever signed".
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { type AuditEntry, AuditLog } from '../../signer/audit/index.js';
import { ReplayLedger } from '../../signer/ledger/index.js';
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

/** Who acts, until operators sign in with their cards (quorum issue): the OS account running the CLI. */
export function cliActor(): string {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry: keep "unknown"
  }
  return `cli:${name}`;
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
