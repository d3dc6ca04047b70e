/**
 * Benchmark: a mixed 1,000-withdrawal batch (half Bitcoin P2WPKH, half Ethereum native / ERC-20)
 * through the appliance's path — inspect (authenticate, decode, cross-check) + sign (HSM, low-S,
 * recovery id, verification of every signature, assembly, appliance signature) — against a bare
 * pkcs11js C_SignInit + C_Sign loop making the same number of signatures on the same token, in the
 * same run. Target: at most 1.3x the bare time. The online node's `verify` of the result is timed
 * too and reported on its own (it runs on another machine, after the appliance).
 *
 * With `--child-rss N`, runs inspect + sign of an N-withdrawal batch in this process and prints its
 * peak RSS; the parent runs that for 10,000 withdrawals in a fresh process. Target: under 300 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import pkcs11js from 'pkcs11js';
import { normalizeSecp256k1Batch } from '../hsm/ecdsa.js';
import { type EcdsaSignature, findKey, generateKeyPair, type Session, signRaw } from '../hsm/index.js';
import type { AdapterContext } from '../signer/chains/adapter.js';
import { ADAPTERS } from '../signer/chains/index.js';
import { onOneThread } from '../signer/chains/parallel.js';
import {
  attachSignature,
  buildResultBody,
  type ResultWire,
  resultDigest,
  serializeResult,
} from '../signer/format/index.js';
import { HsmSigningBackend } from '../signer/hsm-backend.js';
import { inspectBatch } from '../signer/inspect.js';
import { NETWORKS } from '../signer/networks.js';
import { buildSignedBatch } from '../signer/online/build.js';
import { verifyResultForBatch } from '../signer/online/verify.js';
import { signBatch } from '../signer/sign-batch.js';
import { mixedIntents } from '../test-support/mixed-intents.js';
import { approvedForTests } from '../test-support/quorum.js';
import { createTestHsm } from '../test-support/softhsm.js';
import { type BenchResult, median } from './report.js';

const USDC = { contract: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238', symbol: 'USDC', decimals: 6 };
const COORDINATOR_SECRET = sha256(new TextEncoder().encode('airlock bench coordinator'));
const _BTC_DEST = 'tb1q6chvjkdu84edy8hj6t9k65sxkechza8zjgzcmt';
const _ETH_DEST = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

export interface Setup {
  readonly ctx: AdapterContext;
  readonly coordinators: Map<string, Uint8Array>;
  readonly applianceKeys: Map<string, Uint8Array>;
  readonly backend: HsmSigningBackend;
  readonly batchJson: string;
  readonly hsm: Awaited<ReturnType<typeof createTestHsm>>;
}

export async function setup(count: number): Promise<Setup> {
  const hsm = await createTestHsm(['bench-batch']);
  const token = hsm.module.token('bench-batch');
  const pin = hsm.tokens[0]!.userPin;
  const keys = await token.withSession(
    pin,
    (s) => [
      generateKeyPair(s, { curve: 'secp256k1', label: 'btc-1' }),
      generateKeyPair(s, { curve: 'secp256k1', label: 'eth-1' }),
      generateKeyPair(s, { curve: 'ed25519', label: 'appliance-1' }),
    ],
    { readWrite: true },
  );
  const ctx: AdapterContext = {
    network: 'testnet',
    keys: new Map(
      keys.slice(0, 2).map((k) => [k.label, { label: k.label, curve: k.curve, publicKey: k.publicKey }]),
    ),
    ethereum: {
      chainId: NETWORKS.testnet.ethereumChainId,
      tokens: new Map([[USDC.contract, USDC]]),
      maxGasLimit: 200_000n,
      maxFeePerGas: 500_000_000_000n,
    },
  };
  const built = await buildSignedBatch(mixedIntents(count, `bench-${count}`, 600), {
    keys: ctx.keys,
    coordinatorKeyId: 'coordinator-1',
    signDigest: async (d) => ed25519.sign(d, COORDINATOR_SECRET),
    now: new Date(),
  });
  return {
    ctx,
    coordinators: new Map([['coordinator-1', ed25519.getPublicKey(COORDINATOR_SECRET)]]),
    applianceKeys: new Map([['appliance-1', keys[2]!.publicKey]]),
    backend: HsmSigningBackend.open(token, pin, 'appliance-1'),
    batchJson: built.json,
    hsm,
  };
}

export async function applianceRun(s: Setup) {
  const t0 = performance.now();
  const inspected = inspectBatch(s.batchJson, { coordinators: s.coordinators, ctx: s.ctx }, new Date());
  const t1 = performance.now();
  // A real quorum (two test operators' card and WebAuthn signatures, verified): part of the pipeline.
  const signed = await signBatch(approvedForTests(inspected), s.backend, new Date());
  return { signed, inspectMs: t1 - t0, signMs: performance.now() - t1 };
}

/** CPU time (user + system, all threads of this process) of `fn`, in ms, and its wall time. */
async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * The appliance's work split into its CPU components, each measured alone on one thread (pools
 * idle, the chain worker off) on the same batch and token as the rounds: SoftHSM signing, the
 * checks of those very signatures, inspect (parse, authenticate, decode, cross-check), the quorum
 * check, assembly, and the result (body, digest, appliance signature, serialisation).
 */
async function components(s: Setup, count: number, session: Session) {
  const inspectOne = await timed(() =>
    onOneThread(() => inspectBatch(s.batchJson, { coordinators: s.coordinators, ctx: s.ctx }, new Date())),
  );
  const inspected = inspectOne.value;
  const approve = await timed(() => approvedForTests(inspected));
  // Grouped by key, as signBatch sends them to the token.
  const requests = [...inspected.withdrawals.flatMap((w) => w.decoded.signing)].sort((a, b) =>
    a.keyLabel < b.keyLabel ? -1 : a.keyLabel > b.keyLabel ? 1 : 0,
  );
  const keys = new Map(['btc-1', 'eth-1'].map((label) => [label, findKey(session, { label })] as const));
  // SoftHSM signing of the batch's own digests: C_SignInit + C_Sign, nothing checked.
  const sign = await timed(() =>
    requests.map((r) =>
      Uint8Array.from(signRaw(session, keys.get(r.keyLabel)!, pkcs11js.CKM_ECDSA, r.digest)),
    ),
  );
  // The checks hsm/ makes of each of them (low-S, recovery id, verification), in pool-sized chunks.
  const verify = await timed(() => {
    const out: EcdsaSignature[] = [];
    for (let i = 0; i < requests.length; i += 32)
      out.push(
        ...normalizeSecp256k1Batch(
          requests.slice(i, i + 32).map((r, k) => ({
            raw: sign.value[i + k]!,
            digest: r.digest,
            publicKey: r.publicKey,
          })),
        ),
      );
    return out;
  });
  // Back to withdrawal order for assembly.
  const bySignature = new Map(requests.map((r, i) => [r, verify.value[i]!] as const));
  const assemble = await timed(() =>
    inspected.withdrawals.map((w) => ({
      id: w.declared.id,
      chain: w.declared.chain,
      signedTx: ADAPTERS[w.declared.chain].assemble(
        w.decoded,
        w.decoded.signing.map((r) => bySignature.get(r)!),
      ),
    })),
  );
  const result = await timed(async () => {
    const body = buildResultBody({
      batchId: inspected.batch.batchId,
      batchDigest: inspected.batch.digest,
      signedAt: new Date(),
      applianceKeyId: s.backend.applianceKeyId,
      withdrawals: assemble.value,
    });
    const signature = await s.backend.signAppliance(resultDigest(body));
    return serializeResult(attachSignature(body, signature) as ResultWire).length;
  });
  if (verify.value.length !== count) throw new Error('component run signed the wrong number');
  return {
    signCpuMs: sign.cpuMs,
    verifyCpuMs: verify.cpuMs,
    inspectCpuMs: inspectOne.cpuMs,
    approveCpuMs: approve.cpuMs,
    assembleCpuMs: assemble.cpuMs,
    resultCpuMs: result.cpuMs,
  };
}

type Components = Awaited<ReturnType<typeof components>>;

/**
 * Lower bounds on the appliance's wall time from its measured components:
 *  - software token on this machine (SoftHSM signs on the same cores): all CPU work (signing counted
 *    as the bare loop's CPU time) divided over the cores, and never less than the signing alone (one
 *    session signs one signature at a time);
 *  - hardware HSM (signing off the CPU, taking as long as the bare loop here): inspect and the quorum
 *    check come before the first signature (over the cores), verification and assembly can hide behind
 *    the token's time (over the cores), the result comes after the last signature.
 */
function bounds(c: Components, bareMs: number, bareCpuMs: number, cores: number) {
  // Signing counts as the bare loop's CPU time: the reference the target is measured against.
  const sign = bareCpuMs;
  const total = sign + c.verifyCpuMs + c.inspectCpuMs + c.approveCpuMs + c.assembleCpuMs + c.resultCpuMs;
  const software = Math.max(total / cores, sign);
  const hardware =
    (c.inspectCpuMs + c.approveCpuMs) / cores +
    Math.max(bareMs, (c.verifyCpuMs + c.assembleCpuMs) / cores) +
    c.resultCpuMs;
  return { totalCpuMs: total, softwareBoundMs: software, hardwareBoundMs: hardware };
}

export async function benchBatchPipeline(count = 1000, rounds = 3): Promise<BenchResult> {
  const loadStart = loadavg().map((x) => Number(x.toFixed(2)));
  const s = await setup(count);
  try {
    const token = s.hsm.module.token('bench-batch');
    const session = token.openSession();
    session.login(s.hsm.tokens[0]!.userPin);
    const raw = token.module.raw;
    const btc = findKey(session, { label: 'btc-1' });
    const digests = Array.from({ length: count }, (_, i) => sha256(Uint8Array.of(i & 0xff, i >> 8, 7)));
    const bare = () => {
      for (const d of digests) {
        raw.C_SignInit(session.handle, { mechanism: pkcs11js.CKM_ECDSA }, btc.privateHandle);
        raw.C_Sign(session.handle, Buffer.from(d), Buffer.alloc(80));
      }
    };
    await applianceRun(s); // warm-up
    await components(s, count, session); // warm-up
    const bareMs: number[] = [];
    const bareCpuMs: number[] = [];
    const applianceMs: number[] = [];
    const applianceCpuMs: number[] = [];
    const inspectMs: number[] = [];
    const signMs: number[] = [];
    const verifyMs: number[] = [];
    const parts: Components[] = [];
    for (let r = 0; r < rounds; r++) {
      const b = await timed(bare);
      bareMs.push(b.wallMs);
      bareCpuMs.push(b.cpuMs);
      const a = await timed(() => applianceRun(s));
      applianceMs.push(a.wallMs);
      applianceCpuMs.push(a.cpuMs);
      inspectMs.push(a.value.inspectMs);
      signMs.push(a.value.signMs);
      parts.push(await components(s, count, session));
      const t0 = performance.now();
      const txs = verifyResultForBatch(a.value.signed.json, s.batchJson, s.applianceKeys, s.ctx);
      verifyMs.push(performance.now() - t0);
      if (txs.length !== count) throw new Error(`online verify returned ${txs.length} transactions`);
    }
    session.close();
    const cores = availableParallelism();
    const bareMedian = median(bareMs);
    const ratio = median(applianceMs) / bareMedian;
    const part = (k: keyof Components) => median(parts.map((p) => p[k]));
    const c: Components = {
      signCpuMs: part('signCpuMs'),
      verifyCpuMs: part('verifyCpuMs'),
      inspectCpuMs: part('inspectCpuMs'),
      approveCpuMs: part('approveCpuMs'),
      assembleCpuMs: part('assembleCpuMs'),
      resultCpuMs: part('resultCpuMs'),
    };
    const b = bounds(c, bareMedian, median(bareCpuMs), cores);
    const loadAfterRounds = loadavg().map((x) => Number(x.toFixed(2)));
    const rssRuns = await peakRssOfChild(10_000, 3);
    const rss = median(rssRuns);
    const ms = (x: number) => Math.round(x);
    return {
      name: 'batch-pipeline',
      command: 'npx tsc -p tsconfig.json && node dist/bench/run.js batch-pipeline',
      params: {
        withdrawals: count,
        signatures: count,
        mix: '50% BTC P2WPKH, 25% ETH, 25% ERC-20',
        rounds,
        rssWithdrawals: 10_000,
        rssRuns: 3,
        cores,
        loadAverageAtStart: loadStart,
        loadAverageAfterRounds: loadAfterRounds,
        loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))),
      },
      figures: {
        bareHsmMs: ms(bareMedian),
        applianceInspectSignMs: ms(median(applianceMs)),
        ratioToBare: Number(ratio.toFixed(3)),
        inspectMs: ms(median(inspectMs)),
        signAssembleMs: ms(median(signMs)),
        applianceCpuMs: ms(median(applianceCpuMs)),
        onlineVerifyMs: ms(median(verifyMs)),
        peakRssMb10k: rss,
        // One thread each, same batch and token (see components()):
        cpuSignMs: ms(c.signCpuMs),
        cpuVerifyMs: ms(c.verifyCpuMs),
        cpuInspectMs: ms(c.inspectCpuMs),
        cpuApproveMs: ms(c.approveCpuMs),
        cpuAssembleMs: ms(c.assembleCpuMs),
        cpuResultMs: ms(c.resultCpuMs),
        cpuTotalMs: ms(b.totalCpuMs),
        boundSoftwareHsmMs: ms(b.softwareBoundMs),
        boundSoftwareHsmRatio: Number((b.softwareBoundMs / bareMedian).toFixed(3)),
        boundHardwareHsmMs: ms(b.hardwareBoundMs),
        boundHardwareHsmRatio: Number((b.hardwareBoundMs / bareMedian).toFixed(3)),
      },
      target: {
        description:
          'inspect+sign <= 1.3x bare HSM time for the same signatures; peak RSS for 10,000 withdrawals < 300 MB',
        met: ratio <= 1.3 && rss < 300,
      },
      rounds: {
        bareMs: bareMs.map(ms),
        bareCpuMs: bareCpuMs.map(ms),
        applianceMs: applianceMs.map(ms),
        applianceCpuMs: applianceCpuMs.map(ms),
        verifyMs: verifyMs.map(ms),
        cpuSignMs: parts.map((p) => ms(p.signCpuMs)),
        cpuVerifyMs: parts.map((p) => ms(p.verifyCpuMs)),
        cpuInspectMs: parts.map((p) => ms(p.inspectCpuMs)),
        cpuAssembleMs: parts.map((p) => ms(p.assembleCpuMs)),
        cpuResultMs: parts.map((p) => ms(p.resultCpuMs)),
        peakRssMb10k: rssRuns,
      },
    };
  } finally {
    await s.backend.close();
    s.hsm.cleanup();
  }
}

/**
 * Peak RSS (MB) of fresh processes (each run separately, median reported) that do only the appliance's part for an N-withdrawal batch:
 * read the batch file, inspect, sign on the token. Another process makes the token, keys and batch
 * first (SoftHSM2 reads its configuration once per process), so the online side's building does not
 * count against the appliance.
 */
async function peakRssOfChild(count: number, runs: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-rss-'));
  const self = fileURLToPath(import.meta.url);
  let hsmDir: string | undefined;
  try {
    const build = spawnSync(process.execPath, [self, '--child-build', dir, String(count)], {
      encoding: 'utf8',
    });
    if (build.status !== 0)
      throw new Error(`RSS batch builder failed (${build.status}): ${build.stderr.slice(-2000)}`);
    const trust = JSON.parse(readFileSync(join(dir, 'trust.json'), 'utf8')) as {
      confPath: string;
      hsmDir: string;
    };
    hsmDir = trust.hsmDir;
    // Several fresh processes on the same batch and token: the peak moves with GC timing.
    const peaks: number[] = [];
    for (let run = 0; run < runs; run++) {
      const r = spawnSync(process.execPath, [self, '--child-rss', dir], {
        encoding: 'utf8',
        env: { ...process.env, SOFTHSM2_CONF: trust.confPath },
      });
      const m = /peakRssMb=(\d+) signed=(\d+)/.exec(r.stdout);
      if (r.status !== 0 || !m) throw new Error(`RSS child failed (${r.status}): ${r.stderr.slice(-2000)}`);
      if (Number(m[2]) !== count) throw new Error(`RSS child signed ${m[2]} of ${count}`);
      peaks.push(Number(m[1]));
    }
    return peaks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (hsmDir) rmSync(hsmDir, { recursive: true, force: true });
  }
}

async function childBuild(dir: string, count: number): Promise<void> {
  const s = await setup(count);
  await s.backend.close();
  writeFileSync(join(dir, 'batch.json'), s.batchJson);
  writeFileSync(
    join(dir, 'trust.json'),
    JSON.stringify({
      keys: [...s.ctx.keys.values()].map((k) => ({
        label: k.label,
        publicKey: Buffer.from(k.publicKey).toString('hex'),
      })),
      coordinator: Buffer.from(s.coordinators.get('coordinator-1')!).toString('hex'),
      pin: s.hsm.tokens[0]!.userPin,
      confPath: s.hsm.confPath,
      hsmDir: s.hsm.dir,
    }),
  );
  s.hsm.module.finalize(); // keep the token files for the measuring process
}

async function childRss(dir: string): Promise<void> {
  const { Pkcs11Module, DEFAULT_PKCS11_MODULE } = await import('../hsm/index.js');
  const trust = JSON.parse(readFileSync(join(dir, 'trust.json'), 'utf8')) as {
    keys: { label: string; publicKey: string }[];
    coordinator: string;
    pin: string;
  };
  const ctx: AdapterContext = {
    network: 'testnet',
    keys: new Map(
      trust.keys.map((k) => [
        k.label,
        { label: k.label, curve: 'secp256k1', publicKey: Uint8Array.from(Buffer.from(k.publicKey, 'hex')) },
      ]),
    ),
    ethereum: {
      chainId: NETWORKS.testnet.ethereumChainId,
      tokens: new Map([[USDC.contract, USDC]]),
      maxGasLimit: 200_000n,
      maxFeePerGas: 500_000_000_000n,
    },
  };
  const module = Pkcs11Module.open(DEFAULT_PKCS11_MODULE);
  const backend = HsmSigningBackend.open(module.token('bench-batch'), trust.pin, 'appliance-1');
  const bytes = readFileSync(join(dir, 'batch.json'));
  const coordinators = new Map([['coordinator-1', Uint8Array.from(Buffer.from(trust.coordinator, 'hex'))]]);
  const inspected = inspectBatch(bytes, { coordinators, ctx }, new Date());
  const signed = await signBatch(approvedForTests(inspected), backend, new Date());
  await backend.close();
  module.finalize();
  process.stdout.write(
    `peakRssMb=${Math.round(process.resourceUsage().maxRSS / 1024)} signed=${signed.withdrawals.length}\n`,
  );
}

if (process.argv[2] === '--child-build') await childBuild(process.argv[3]!, Number(process.argv[4]));
if (process.argv[2] === '--child-rss') await childRss(process.argv[3]!);
