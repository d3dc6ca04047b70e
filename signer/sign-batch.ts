/**
 * The signing pipeline: an inspected batch → sighashes (from the adapters) → the HSM → low-S
 * signatures with recovery ids, verified against the enrolled public keys → assembled signed
 * transactions → the appliance's signature over the result. All or nothing: the result exists only
 * when every withdrawal signed; the caller writes it (atomically) only then.
 *
 * Sealed states (airgap-coin-lib style): only an `ApprovedBatch` (signer/approved-batch.ts: an
 * `InspectedBatch` made by inspectBatch and the `Quorum` that approved exactly it) reaches `signBatch`.
 */

import { verifiedRecovery } from '../hsm/ecdsa.js';
import { type ApprovedBatch, isApprovedBatch } from './approved-batch.js';
import type {
  EcdsaSignature,
  ProducedSignature,
  SignatureScheme,
  SignedTx,
  SigningRequest,
} from './chains/adapter.js';
import { assembleAll, releaseWorker, type VerifiedSeed } from './chains/parallel.js';
import { refuse } from './errors.js';
import {
  attachSignature,
  buildResultBody,
  type ResultWire,
  type ResultWithdrawal,
  resultDigest,
  serializeResult,
} from './format/index.js';

/** What signs: the HSM in production and tests (signer/hsm-backend.ts). */
export interface SigningBackend {
  /** Which signature schemes the module can produce. */
  supports(scheme: SignatureScheme): boolean;
  /** The public key the token holds under `label` (compared with the enrolled one before signing). */
  publicKey(label: string): Uint8Array;
  /** ECDSA-sign digests with one key; every signature low-S, with recovery id, verified against `publicKey`. */
  signEcdsa(label: string, publicKey: Uint8Array, digests: readonly Uint8Array[]): Promise<EcdsaSignature[]>;
  /** The appliance's result-signing key. */
  readonly applianceKeyId: string;
  /** Ed25519 signature by the appliance key over a 32-byte result digest, verified. */
  signAppliance(digest: Uint8Array): Promise<Uint8Array>;
}

export interface SignedBatch {
  readonly result: ResultWire;
  /** The result as written to a file or QR payload. */
  readonly json: string;
  readonly withdrawals: readonly ResultWithdrawal[];
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Where the pipeline is, for a progress bar: signatures made of all the batch needs. */
export interface SigningProgress {
  readonly phase: 'checking' | 'signing' | 'verifying' | 'done';
  readonly done: number;
  readonly total: number;
}

export interface SignBatchOptions {
  /**
   * Called as the pipeline moves on. With it, each key's digests go to the HSM in chunks (about 50
   * steps for the whole batch, at least 16 digests a call) so the caller sees signatures come in;
   * without it, one call per key.
   */
  readonly onProgress?: (progress: SigningProgress) => void;
}

export async function signBatch(
  approved: ApprovedBatch,
  backend: SigningBackend,
  now: Date,
  options: SignBatchOptions = {},
): Promise<SignedBatch> {
  if (!isApprovedBatch(approved))
    throw new TypeError('"approved" is not an ApprovedBatch made by approveBatch');
  const { inspected } = approved;
  const items = inspected.withdrawals.map((w) => ({ w, requests: w.decoded.signing }));
  const total = items.reduce((n, { requests }) => n + requests.length, 0);
  const report = options.onProgress ?? (() => {});
  report({ phase: 'checking', done: 0, total });

  // Refuse before the HSM signs anything: every request must be producible by this module with the enrolled key.
  for (const { w, requests } of items) {
    for (const req of requests) checkRequest(w.declared.id, req, backend);
  }

  // One HSM call per key, in batch order, so the token stays busy and the verifier pool keeps up.
  const byKey = new Map<
    string,
    { publicKey: Uint8Array; digests: Uint8Array[]; slots: { item: number; index: number }[] }
  >();
  items.forEach(({ requests }, item) => {
    requests.forEach((req, index) => {
      const group = byKey.get(req.keyLabel) ?? { publicKey: req.publicKey, digests: [], slots: [] };
      group.digests.push(req.digest);
      group.slots.push({ item, index });
      byKey.set(req.keyLabel, group);
    });
  });
  const signatures: ProducedSignature[][] = items.map(({ requests }) => new Array(requests.length));
  const chunk = options.onProgress ? Math.max(16, Math.ceil(total / 50)) : Number.POSITIVE_INFINITY;
  let done = 0;
  report({ phase: 'signing', done, total });
  for (const [label, group] of byKey) {
    for (let start = 0; start < group.digests.length; start += chunk) {
      const digests = Number.isFinite(chunk) ? group.digests.slice(start, start + chunk) : group.digests;
      const sigs = await backend.signEcdsa(label, group.publicKey, digests);
      if (sigs.length !== digests.length)
        throw new Error(`HSM returned ${sigs.length} signatures for ${digests.length} digests`);
      sigs.forEach((sig, i) => {
        const { item, index } = group.slots[start + i]!;
        signatures[item]![index] = sig;
      });
      done += digests.length;
      report({ phase: 'signing', done, total });
    }
  }
  report({ phase: 'verifying', done, total });

  // Assembly is pure and per withdrawal: on this thread and a worker beside it (chains/parallel.ts),
  // failures taken in batch order. Signatures this thread verified (the backend's pool) go along as
  // memo entries, so the worker does not redo their curve arithmetic; anything else it verifies.
  const assembled = assembleAll(
    items.map(({ w, requests }, i) => {
      const verified: VerifiedSeed[] = [];
      requests.forEach((req, k) => {
        const sig = signatures[i]![k];
        if (sig?.scheme !== 'ecdsa-secp256k1') return;
        const recovery = verifiedRecovery(sig.compact, req.digest, req.publicKey);
        if (recovery !== undefined && recovery === sig.recovery)
          verified.push({ compact: sig.compact, digest: req.digest, publicKey: req.publicKey, recovery });
      });
      return { chain: w.declared.chain, decoded: w.decoded, signatures: signatures[i]!, verified };
    }),
  );
  await releaseWorker();
  const withdrawals: ResultWithdrawal[] = items.map(({ w }, i) => {
    const outcome = assembled[i]!;
    if (!outcome.ok) throw outcome.error;
    const signedTx: SignedTx = outcome.value;
    return { id: w.declared.id, chain: w.declared.chain, signedTx };
  });

  const body = buildResultBody({
    batchId: inspected.batch.batchId,
    batchDigest: inspected.batch.digest,
    signedAt: now,
    applianceKeyId: backend.applianceKeyId,
    withdrawals,
  });
  const signature = await backend.signAppliance(resultDigest(body));
  const result = attachSignature(body, signature) as ResultWire;
  report({ phase: 'done', done, total });
  return { result, json: serializeResult(result), withdrawals };
}

function checkRequest(withdrawalId: string, req: SigningRequest, backend: SigningBackend): void {
  const where = req.inputIndex === undefined ? 'transaction' : `inputs[${req.inputIndex}]`;
  if (!backend.supports(req.scheme)) {
    refuse(
      'HSM_MECHANISM_UNAVAILABLE',
      `${where} needs a ${req.scheme} signature, which the PKCS#11 module cannot produce` +
        (req.scheme === 'bip340-secp256k1'
          ? ' (no standard mechanism signs BIP-340 Schnorr with a BIP-341-tweaked key)'
          : ''),
      {
        withdrawalId,
        field: req.inputIndex === undefined ? 'rawTx' : `inputs[${req.inputIndex}]`,
        expected: 'ecdsa-secp256k1',
        found: req.scheme,
      },
    );
  }
  const onToken = backend.publicKey(req.keyLabel);
  if (!equalBytes(onToken, req.publicKey)) {
    refuse('UNKNOWN_KEY', `the token's key "${req.keyLabel}" is not the key enrolled under that label`, {
      withdrawalId,
      field: 'keyLabel',
      expected: Buffer.from(req.publicKey).toString('hex'),
      found: Buffer.from(onToken).toString('hex'),
    });
  }
}
