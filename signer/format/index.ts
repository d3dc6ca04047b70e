/** Airlock wire formats v1: batch, result, canonical digest, limits, fingerprint. Re-exports only. */
export {
  type BatchBody,
  type BatchFields,
  type BatchWire,
  batchDigest,
  buildBatchBody,
  computeManifest,
  type DeclaredWithdrawal,
  type Manifest,
  type ManifestTotal,
  type ManifestTotalWire,
  type ManifestWire,
  type ParsedBatch,
  parseBatch,
  serializeBatch,
  type VerifiedBatch,
  verifyBatch,
  type WithdrawalWire,
} from './batch.js';
export { BYTEWORDS } from './bytewords.js';
export {
  assertPlainJson,
  canonicalBytes,
  canonicalJson,
  digestOf,
  type JsonObject,
  type JsonValue,
} from './canonical.js';
export type { DeclaredAsset } from './fields.js';
export { type Fingerprint, fingerprint } from './fingerprint.js';
export { LIMITS, type LimitName } from './limits.js';
export {
  buildResultBody,
  type ParsedResult,
  parseResult,
  type ResultBody,
  type ResultFields,
  type ResultWire,
  type ResultWithdrawal,
  type ResultWithdrawalWire,
  resultDigest,
  type SignedTxWire,
  serializeResult,
  type VerifiedResult,
  verifyResult,
} from './result.js';
export { attachSignature, type Signature, type SignatureWire } from './signature.js';
export { BATCH_FORMAT, RESULT_FORMAT } from './versions.js';
