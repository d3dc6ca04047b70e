/**
 * Signing one approved batch, shared by `airlock sign` and the operator console: the replay ledger
 * first (a batch signed before is handed out again with the very same bytes, without the HSM), then the
 * quorum (no PIN is asked for without it), then the signing token under Airlock's PIN lock-out, the
 * pipeline (signer/sign-batch.ts), and the ledger record of the signature in one transaction, audited.
 * Nothing is written unless the whole batch signed.
 */
import { approveBatch } from '../../signer/approved-batch.js';
import { HsmSigningBackend } from '../../signer/hsm-backend.js';
import { type InspectedBatch, inspectBatch } from '../../signer/inspect.js';
import { ledgerBatchOf } from '../../signer/ledger/index.js';
import { type SignedBatch, type SigningProgress, signBatch } from '../../signer/sign-batch.js';
import { quorumFor, trustOf } from '../cli/commands/batch.js';
import type { CliContext } from '../cli/context.js';
import { ConfigError } from '../config/home.js';
import { readRegistry } from '../config/registry.js';
import { audit, openLedger, withPinGuard } from '../config/stores.js';

export interface BatchRef {
  readonly batchId: string;
  readonly digest: string;
  readonly fingerprint: string;
}

export type SigningOutcome =
  | {
      readonly again: true;
      readonly inspected: InspectedBatch;
      readonly ref: BatchRef;
      readonly resultBytes: Uint8Array;
      readonly signedAt: string;
    }
  | {
      readonly again: false;
      readonly inspected: InspectedBatch;
      readonly ref: BatchRef;
      readonly resultBytes: Uint8Array;
      readonly signed: SignedBatch;
    };

export interface SigningInput {
  /** The signing token's user PIN, asked for only once the quorum is there. */
  readonly pin: (tokenLabel: string) => Promise<string>;
  readonly onProgress?: (progress: SigningProgress) => void;
  /** Called with the decoded batch before anything else (the CLI prints it). */
  readonly onInspected?: (inspected: InspectedBatch) => void;
}

export async function signApprovedBatch(
  ctx: CliContext,
  batchBytes: Uint8Array,
  input: SigningInput,
  now: Date,
): Promise<SigningOutcome> {
  const registry = readRegistry(ctx.layout);
  if (!registry.applianceKey)
    throw new ConfigError('no appliance key enrolled (airlock enrol keys --appliance-key ...)');
  const inspected = inspectBatch(batchBytes, trustOf(registry), now);
  input.onInspected?.(inspected);
  const ref: BatchRef = {
    batchId: inspected.batch.batchId,
    digest: Buffer.from(inspected.batch.digest).toString('hex'),
    fingerprint: inspected.fingerprint.text,
  };
  const ledger = openLedger(ctx.layout);
  try {
    // The replay ledger first: no withdrawal id, outpoint or nonce is ever signed twice.
    const entry = ledgerBatchOf(inspected);
    const check = ledger.checkBatch(entry.batchDigest, entry.withdrawals);
    if (check.alreadySigned)
      return { again: true, inspected, ref, resultBytes: check.resultBytes, signedAt: check.signedAt };
    // The quorum before any PIN. Its policy decision reads the ledger's history and the freeze state.
    const quorum = quorumFor(ctx.layout, registry, inspected, now);
    ledger.stepBatch(entry.batchDigest, entry.batchId, 'quorum');
    const approved = approveBatch(inspected, quorum);

    const token = ctx.token();
    const tokenLabel = token.info().label;
    const backend = await withPinGuard(ctx.layout, { token: tokenLabel, subject: 'user-pin' }, async () =>
      HsmSigningBackend.open(token, await input.pin(tokenLabel), registry.applianceKey!.keyId),
    );
    let signed: SignedBatch;
    try {
      signed = await signBatch(
        approved,
        backend,
        new Date(),
        input.onProgress ? { onProgress: input.onProgress } : {},
      );
    } finally {
      await backend.close();
    }
    const json = new TextEncoder().encode(signed.json);
    const recorded = ledger.recordSigned(
      entry.batchDigest,
      entry.batchId,
      entry.withdrawals,
      json,
      new Date(),
    );
    audit(ctx.layout, {
      action: 'sign',
      payload: {
        ...ref,
        authorization: {
          kind: 'quorum',
          policyDigest: quorum.policyDigest,
          required: quorum.required,
          operators: quorum.approvals.map((a) => a.operatorId),
        },
        withdrawals: signed.withdrawals.map((w) => ({ id: w.id, txid: w.signedTx.txid })),
      },
    });
    return {
      again: false,
      inspected,
      ref,
      resultBytes: recorded.recorded ? json : recorded.resultBytes,
      signed,
    };
  } finally {
    ledger.close();
  }
}

/** Record that a signed result left the appliance (a file, a USB stick, the QR screen), and audit it. */
export function recordExport(ctx: CliContext, ref: BatchRef, detail: Record<string, string | boolean>): void {
  const ledger = openLedger(ctx.layout);
  try {
    ledger.stepBatch(ref.digest, ref.batchId, 'export');
  } finally {
    ledger.close();
  }
  audit(ctx.layout, { action: 'export', payload: { ...ref, ...detail } });
}
