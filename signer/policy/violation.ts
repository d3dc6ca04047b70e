/**
 * `PolicyViolation`: the policy engine's refusal. A batch that breaks a rule of the policy is refused
 * whole, like a `RefusalError`, but with codes of its own (the wire-format codes in errors.ts are a
 * different contract) and with the two things a policy refusal must always name: the rule (a path
 * into the policy document, `limits["bitcoin/native"].perWithdrawal`) and the numbers (the limit the
 * rule sets and what the batch has).
 *
 * Codes are stable and part of the public contract (docs/policy.md lists them): never rename one.
 */
import { AirlockError } from '../errors.js';

export const POLICY_VIOLATION_CODES = [
  /** The appliance is frozen: nothing is signed until the quorum unfreezes it. */
  'FROZEN',
  /** The policy's effectiveFrom is still in the future of the appliance clock. */
  'POLICY_NOT_EFFECTIVE',
  /** A proposed policy does not have a higher version than the current one (rollback or replay). */
  'POLICY_ROLLBACK',
  'CHAIN_NOT_ALLOWED',
  'TOKEN_NOT_ALLOWED',
  'DESTINATION_DENIED',
  'DESTINATION_NOT_ALLOWED',
  'NO_PRICE',
  'PRICE_TABLE_STALE',
  'PER_WITHDRAWAL_LIMIT',
  'DAILY_LIMIT',
  'BATCH_TOTAL_LIMIT',
  'FEE_CAP',
  'BATCH_TOO_OLD',
  /** A withdrawal needs more approvals than the policy has operators: no quorum could ever approve it. */
  'APPROVALS_UNREACHABLE',
] as const;

export type PolicyViolationCode = (typeof POLICY_VIOLATION_CODES)[number];

export interface PolicyViolationDetails {
  /** Path of the rule in the policy document: `feeCaps.ethereum`, `priceTable.maxAgeHours`. */
  readonly rule: string;
  /** The withdrawal that breaks the rule; absent for rules about the whole batch or the appliance. */
  readonly withdrawalId?: string | undefined;
  /** What the rule allows, with its unit: `at most 100000000 satoshi (1 BTC)`. */
  readonly limit: string;
  /** What the batch has, with its unit. */
  readonly found: string;
}

/** The batch (or the proposed policy) breaks a rule of the policy. Nothing of it is signed. */
export class PolicyViolation extends AirlockError {
  override readonly name = 'PolicyViolation';
  readonly code: PolicyViolationCode;
  readonly rule: string;
  readonly withdrawalId: string | undefined;
  readonly limit: string;
  readonly found: string;

  constructor(code: PolicyViolationCode, message: string, details: PolicyViolationDetails) {
    super(message);
    this.code = code;
    this.rule = details.rule;
    this.withdrawalId = details.withdrawalId;
    this.limit = details.limit;
    this.found = details.found;
  }

  /** The `error` member of a `--json` report. */
  toJSON(): {
    code: PolicyViolationCode;
    rule: string;
    withdrawalId?: string;
    limit: string;
    found: string;
    message: string;
  } {
    return {
      code: this.code,
      rule: this.rule,
      ...(this.withdrawalId === undefined ? {} : { withdrawalId: this.withdrawalId }),
      limit: this.limit,
      found: this.found,
      message: this.message,
    };
  }
}

/**
 * Refuse with a message that carries the numbers: "withdrawal w1: <what> (rule feeCaps.bitcoin:
 * limit at most 5000 satoshi, found 7500 satoshi)".
 */
export function violate(code: PolicyViolationCode, what: string, details: PolicyViolationDetails): never {
  const where = details.withdrawalId === undefined ? '' : `withdrawal ${details.withdrawalId}: `;
  throw new PolicyViolation(
    code,
    `${where}${what} (rule ${details.rule}: limit ${details.limit}, found ${details.found})`,
    details,
  );
}
