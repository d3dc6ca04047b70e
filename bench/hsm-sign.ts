/**
 * Benchmark: secp256k1 signatures/s through hsm/ against a bare pkcs11js C_SignInit + C_Sign loop
 * on the same SoftHSM2 token, key and session, in the same run. Rounds alternate so that drift in
 * machine load hits both alike; the median round counts. Target: hsm/ keeps >= 90% of the bare rate.
 */
import { availableParallelism } from 'node:os';
import pkcs11js from 'pkcs11js';
import {
  generateKeyPair,
  normalizeSecp256k1,
  signDigest,
  signDigests,
  signRaw,
  VerifierPool,
} from '../hsm/index.js';
import { createTestHsm } from '../test-support/softhsm.js';
import { type BenchResult, median } from './report.js';

export async function benchHsmSign(signatures = 3000, rounds = 5): Promise<BenchResult> {
  const hsm = await createTestHsm(['bench-signing']);
  const token = hsm.module.token('bench-signing');
  const session = token.openSession({ readWrite: true });
  const pool = new VerifierPool();
  try {
    session.login(hsm.tokens[0]!.userPin);
    const key = generateKeyPair(session, { curve: 'secp256k1', label: 'bench-k1' });
    const digests = Array.from({ length: signatures }, (_, i) => {
      const d = new Uint8Array(32);
      new DataView(d.buffer).setUint32(0, i);
      d[31] = 0xa5;
      return d;
    });
    const raw = token.module.raw;
    const bare = () => {
      for (const d of digests) {
        raw.C_SignInit(session.handle, { mechanism: pkcs11js.CKM_ECDSA }, key.privateHandle);
        raw.C_Sign(session.handle, Buffer.from(d), Buffer.alloc(80));
      }
    };
    const timed = async (fn: () => unknown | Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return (signatures / (performance.now() - t0)) * 1000;
    };
    await signDigests(session, key, digests.slice(0, 200), pool); // warm-up: JIT, worker start, key table
    // What checking one signature costs on one core (the same normalise + verify the pool runs).
    const raws = digests.map((d) => Uint8Array.from(signRaw(session, key, pkcs11js.CKM_ECDSA, d)));
    const verifyRates: number[] = [];
    const bareRates: number[] = [];
    const batchRates: number[] = [];
    const singleRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      bareRates.push(await timed(bare));
      verifyRates.push(
        await timed(() => {
          for (const [i, d] of digests.entries()) normalizeSecp256k1(raws[i]!, d, key.publicKey);
        }),
      );
      batchRates.push(await timed(() => signDigests(session, key, digests, pool)));
      singleRates.push(
        await timed(() => {
          for (const d of digests) signDigest(session, key, d);
        }),
      );
    }
    const bareRate = median(bareRates);
    const batchRate = median(batchRates);
    const singleRate = median(singleRates);
    const verifyRate = median(verifyRates);
    // Both jobs are CPU work on this machine (SoftHSM2 signs in software): with every core busy the
    // best possible rate is cores / (1/bare + 1/verify), capped at the bare rate.
    const cores = Math.min(2, availableParallelism());
    const boundRate = Math.min(bareRate, cores / (1 / bareRate + 1 / verifyRate));
    return {
      name: 'hsm-sign',
      command: 'npm run bench -- hsm-sign',
      params: {
        signatures,
        rounds,
        curve: 'secp256k1',
        module: 'SoftHSM2 2.6',
        cores: availableParallelism(),
      },
      figures: {
        bareSignaturesPerSecond: Math.round(bareRate),
        hsmBatchSignaturesPerSecond: Math.round(batchRate),
        hsmSingleSignaturesPerSecond: Math.round(singleRate),
        batchRatioToBare: Number((batchRate / bareRate).toFixed(3)),
        verifySignaturesPerSecondOneCore: Math.round(verifyRate),
        cpuBoundRatioToBare: Number((boundRate / bareRate).toFixed(3)),
        singleRatioToBare: Number((singleRate / bareRate).toFixed(3)),
      },
      target: {
        description: 'hsm/ batch path keeps >= 90% of the bare C_SignInit+C_Sign rate',
        met: batchRate / bareRate >= 0.9,
      },
      rounds: {
        bare: bareRates.map(Math.round),
        batch: batchRates.map(Math.round),
        single: singleRates.map(Math.round),
        verify: verifyRates.map(Math.round),
      },
    };
  } finally {
    await pool.close();
    session.close();
    hsm.cleanup();
  }
}
