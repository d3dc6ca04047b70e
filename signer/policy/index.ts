/** The policy engine (docs/policy.md): document, parser, evaluation, digest, rollback. Re-exports only. */
export { type PolicyBatch, type PolicyWithdrawal, policyBatchOf } from './batch.js';
export { type Decimal, formatUsd, USD_SCALE, usdValueMicros } from './decimal.js';
export { policyDigest, policyDigestHex } from './digest.js';
export {
  type AssetKey,
  type AssetLimits,
  assetKeyOf,
  type DestinationLists,
  destinationKey,
  knownDestinationKey,
  POLICY_FORMAT,
  type Policy,
  type PriceTable,
  type Tier,
} from './document.js';
export {
  evaluatePolicy,
  type PolicyContext,
  type PolicyDecision,
  type PolicyHistory,
  type WithdrawalDecision,
} from './evaluate.js';
export { POLICY_LIMITS, parsePolicy, readPolicy } from './parse.js';
export { acceptPolicyUpdate } from './update.js';
export {
  POLICY_VIOLATION_CODES,
  PolicyViolation,
  type PolicyViolationCode,
  type PolicyViolationDetails,
} from './violation.js';
