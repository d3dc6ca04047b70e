/**
 * Fixture for batch-level tests (inspect → sign → online verify): real batches built the way the online
 * node builds them (`buildSignedBatch`), for appliance keys that live on a real SoftHSM2 token.
 *
 * - The coordinator (online node) key is a fixed software Ed25519 key: it is the online side's key, and
 *   the tests need to sign whatever a compromised online node would sign (`resign`).
 * - The appliance keys (secp256k1 for Bitcoin and Ethereum, Ed25519 for results) are generated on a
 *   throw-away SoftHSM2 token; PKCS#11 is never mocked. `createBatchFixture` loads SoftHSM2, so call it
 *   once per test file (in `before`) and `cleanup()` in `after`.
 * - Intents mirror samples/intents.json: BTC P2WPKH, BTC P2WSH 2-of-3, ETH native, ERC-20 (Sepolia USDC),
 *   all on testnet.
 *
 * Tampering: `draft` gives a mutable deep copy of a signed batch, `resign` re-signs it with the
 * coordinator key (recomputing the manifest when asked), so a tampered batch is refused for what was
 * changed, never merely because its signature broke. `bitcoinParams` / `ethereumParams` give the exact
 * builder arguments the online node used, to rebuild raw transactions that differ from the words.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { generateKeyPair, type Token } from '../hsm/index.js';
import type { AdapterContext, Chain, EnrolledKey, TokenInfo } from '../signer/chains/adapter.js';
import type { BuildWithdrawalParams } from '../signer/chains/bitcoin/index.js';
import { erc20TransferData, type Type2Params } from '../signer/chains/ethereum/index.js';
import {
  type BatchWire,
  computeManifest,
  type DeclaredWithdrawal,
  digestOf,
  type WithdrawalWire,
} from '../signer/format/index.js';
import { HsmSigningBackend } from '../signer/hsm-backend.js';
import type { TrustAnchors } from '../signer/inspect.js';
import { NETWORKS } from '../signer/networks.js';
import { buildSignedBatch } from '../signer/online/build.js';
import type { Intents, WithdrawalIntent } from '../signer/online/intents.js';
import { createTestHsm, type TestHsm } from './softhsm.js';

// --- fixed values ----------------------------------------------------------------------------------

export const NETWORK = 'testnet' as const;
export const SIGNING_TOKEN = 'airlock-batch-test';
export const BTC_KEY = 'btc-treasury-1';
export const ETH_KEY = 'eth-treasury-1';
/** The appliance's Ed25519 result key: its label on the token is its key id. */
export const APPLIANCE_KEY = 'appliance-1';

/** When the online node built the batch, and a time at which the appliance inspects it (fresh). */
export const BUILT_AT = new Date('2026-11-26T09:00:00Z');
export const VALID_FOR_MINUTES = 120;
export const EXPIRES_AT = new Date(BUILT_AT.getTime() + VALID_FOR_MINUTES * 60_000);
export const INSPECT_AT = new Date('2026-11-26T09:10:00Z');

export interface Coordinator {
  readonly keyId: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function coordinator(keyId: string, secretKey: Uint8Array): Coordinator {
  return Object.freeze({ keyId, secretKey, publicKey: ed25519.getPublicKey(secretKey) });
}

/** The enrolled coordinator: RFC 8032 §7.1 TEST 3 secret key (public, tests only). */
export const COORDINATOR: Coordinator = coordinator(
  'coordinator-test-1',
  hexToBytes('c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7'),
);
/** A coordinator key the appliance never enrolled. */
export const ROGUE_COORDINATOR: Coordinator = coordinator(
  'coordinator-rogue',
  sha256(utf8ToBytes('airlock test: a coordinator nobody enrolled')),
);

/** USDC on Sepolia, the one allowlisted ERC-20. */
export const USDC: TokenInfo = Object.freeze({
  contract: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238',
  symbol: 'USDC',
  decimals: 6,
});
/** A real ERC-20 contract (mainnet USDT) that is not on the appliance's allowlist. */
export const NOT_ALLOWLISTED_TOKEN = '0xdac17f958d2ee523a2206206994597c13d831ec7';

/** The other two cosigners of the 2-of-3 P2WSH (as in samples/intents.json). */
export const COSIGNERS: readonly string[] = Object.freeze([
  '03c4dae275e16dd5f27b51ab72998e2f947424ab2c6d41f47942e1fc4be6bc5bf1',
  '02bd458a221e80c6c268a067b34cbef9147dda953029d3fbe204d774e6ea518c39',
]);

/** A secp256k1 key no appliance enrolled: whose coins Airlock must never sign away. */
export const FOREIGN_PUBLIC_KEY: Uint8Array = secp256k1.getPublicKey(
  sha256(utf8ToBytes('airlock test: a bitcoin key nobody enrolled')),
  true,
);

/** Destinations (testnet / Sepolia), payments and alternatives for tampering. */
export const ADDRESSES = Object.freeze({
  btcP2wpkh: 'tb1q6chvjkdu84edy8hj6t9k65sxkechza8zjgzcmt',
  btcP2tr: 'tb1pkpf85kgqmw3x0ny9tew9p52v3wktqkmspudqemjz70temexeh5wsqlkm72',
  /** BIP-173 test vector, P2WPKH of 0x751e76e8199196d454941c45d1b3a323f1433bd6 on testnet. */
  btcOther: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
  eth: '0x8ba1f109551bD432803012645Ac136ddd64DBA72',
  ethToken: '0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe',
  ethOther: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
});

export const GWEI = 1_000_000_000n;

// --- the fixture -----------------------------------------------------------------------------------

export interface BatchFixture {
  readonly hsm: TestHsm;
  readonly token: Token;
  readonly pin: string;
  /** The appliance's enrolled signing keys: public halves of the token's keys. */
  readonly btcKey: EnrolledKey;
  readonly ethKey: EnrolledKey;
  readonly appliancePublicKey: Uint8Array;
  readonly ctx: AdapterContext;
  readonly trust: TrustAnchors;
  /** Appliance result keys as the online node enrols them (verifyResultForBatch). */
  readonly applianceKeys: ReadonlyMap<string, Uint8Array>;
  /** A logged-in signing backend on the token; `close()` it. */
  openBackend(): HsmSigningBackend;
  cleanup(): void;
}

/** Load SoftHSM2 with a fresh token and generate the appliance keys on it. Once per test file. */
export async function createBatchFixture(): Promise<BatchFixture> {
  const hsm = await createTestHsm([SIGNING_TOKEN]);
  try {
    const token = hsm.module.token(SIGNING_TOKEN);
    const pin = hsm.tokens[0]!.userPin;
    const [btc, eth, appliance] = await token.withSession(
      pin,
      (s) => [
        generateKeyPair(s, { curve: 'secp256k1', label: BTC_KEY }),
        generateKeyPair(s, { curve: 'secp256k1', label: ETH_KEY }),
        generateKeyPair(s, { curve: 'ed25519', label: APPLIANCE_KEY }),
      ],
      { readWrite: true },
    );
    const btcKey: EnrolledKey = Object.freeze({
      label: BTC_KEY,
      curve: 'secp256k1',
      publicKey: btc!.publicKey,
    });
    const ethKey: EnrolledKey = Object.freeze({
      label: ETH_KEY,
      curve: 'secp256k1',
      publicKey: eth!.publicKey,
    });
    const ctx: AdapterContext = Object.freeze({
      network: NETWORK,
      keys: new Map([
        [BTC_KEY, btcKey],
        [ETH_KEY, ethKey],
      ]),
      ethereum: Object.freeze({
        chainId: NETWORKS[NETWORK].ethereumChainId,
        tokens: new Map([[USDC.contract, USDC]]),
        maxGasLimit: 200_000n,
        maxFeePerGas: 500n * GWEI,
      }),
    });
    return {
      hsm,
      token,
      pin,
      btcKey,
      ethKey,
      appliancePublicKey: appliance!.publicKey,
      ctx,
      trust: Object.freeze({ coordinators: new Map([[COORDINATOR.keyId, COORDINATOR.publicKey]]), ctx }),
      applianceKeys: new Map([[APPLIANCE_KEY, appliance!.publicKey]]),
      openBackend: () => HsmSigningBackend.open(token, pin, APPLIANCE_KEY),
      cleanup: () => hsm.cleanup(),
    };
  } catch (err) {
    hsm.cleanup();
    throw err;
  }
}

// --- intents ---------------------------------------------------------------------------------------

/** A display-order txid that differs per `seed`: distinct UTXOs for generated batches. */
export function fakeTxid(seed: string): string {
  return bytesToHex(sha256(utf8ToBytes(`airlock test utxo ${seed}`)));
}

export function p2wpkhIntent(id: string, utxoSeed = id): WithdrawalIntent {
  return {
    id,
    chain: 'bitcoin',
    asset: 'native',
    destination: ADDRESSES.btcP2wpkh,
    amount: 150_000n,
    feeCap: 5_000n,
    keyLabel: BTC_KEY,
    bitcoin: {
      inputType: 'p2wpkh',
      fee: 1_500n,
      utxos: [{ txid: fakeTxid(utxoSeed), vout: 0, amount: 500_000n }],
    },
  };
}

export function p2wshIntent(id: string, utxoSeed = id): WithdrawalIntent {
  return {
    id,
    chain: 'bitcoin',
    asset: 'native',
    destination: ADDRESSES.btcP2tr,
    amount: 2_000_000n,
    feeCap: 10_000n,
    keyLabel: BTC_KEY,
    bitcoin: {
      inputType: 'p2wsh-multisig',
      fee: 2_500n,
      multisig: { m: 2, pubkeys: [...COSIGNERS, `@${BTC_KEY}`] },
      utxos: [
        { txid: fakeTxid(`${utxoSeed}/a`), vout: 1, amount: 3_000_000n },
        { txid: fakeTxid(`${utxoSeed}/b`), vout: 0, amount: 1_500_000n },
      ],
    },
  };
}

export function ethIntent(id: string, nonce: bigint): WithdrawalIntent {
  return {
    id,
    chain: 'ethereum',
    asset: 'native',
    destination: ADDRESSES.eth,
    amount: 250_000_000_000_000_000n,
    feeCap: 840_000_000_000_000n,
    keyLabel: ETH_KEY,
    ethereum: { nonce, gasLimit: 21_000n, maxFeePerGas: 40n * GWEI, maxPriorityFeePerGas: 1_500_000_000n },
  };
}

export function usdcIntent(id: string, nonce: bigint): WithdrawalIntent {
  return {
    id,
    chain: 'ethereum',
    asset: USDC.contract,
    destination: ADDRESSES.ethToken,
    amount: 2_500_000_000n,
    feeCap: 2_600_000_000_000_000n,
    keyLabel: ETH_KEY,
    ethereum: { nonce, gasLimit: 65_000n, maxFeePerGas: 40n * GWEI, maxPriorityFeePerGas: 1_500_000_000n },
  };
}

/** The four kinds of samples/intents.json, in that order. */
export function sampleIntents(): Intents {
  return {
    batchId: 'test-2026-11-26-001',
    network: NETWORK,
    validForMinutes: VALID_FOR_MINUTES,
    withdrawals: [
      p2wpkhIntent('wd-btc-0001'),
      p2wshIntent('wd-btc-0002'),
      ethIntent('wd-eth-0001', 0n),
      usdcIntent('wd-usdc-0001', 1n),
    ],
  };
}

/** `count` withdrawals cycling through the four kinds; distinct UTXOs and consecutive nonces. */
export function manyIntents(count: number): Intents {
  let nonce = 0n;
  const withdrawals = Array.from({ length: count }, (_, i): WithdrawalIntent => {
    const id = `wd-${String(i).padStart(4, '0')}`;
    switch (i % 4) {
      case 0:
        return p2wpkhIntent(id);
      case 1:
        return p2wshIntent(id);
      case 2:
        return ethIntent(id, nonce++);
      default:
        return usdcIntent(id, nonce++);
    }
  });
  return { batchId: `test-many-${count}`, network: NETWORK, validForMinutes: VALID_FOR_MINUTES, withdrawals };
}

// --- building --------------------------------------------------------------------------------------

export interface BuiltBatch {
  readonly intents: Intents;
  readonly batch: BatchWire;
  /** The batch file text, as the online node writes it. */
  readonly json: string;
}

/** Build and sign a batch exactly as `airlock online build` does. */
export async function buildBatch(
  fx: BatchFixture,
  intents: Intents = sampleIntents(),
  signer: Coordinator = COORDINATOR,
): Promise<BuiltBatch> {
  const { batch, json } = await buildSignedBatch(intents, {
    keys: fx.ctx.keys,
    coordinatorKeyId: signer.keyId,
    signDigest: async (digest) => ed25519.sign(digest, signer.secretKey),
    now: BUILT_AT,
  });
  return { intents, batch, json };
}

export function intentOf(built: BuiltBatch, id: string): WithdrawalIntent {
  const intent = built.intents.withdrawals.find((w) => w.id === id);
  if (intent === undefined) throw new RangeError(`"id" ${id} is not a withdrawal of the batch`);
  return intent;
}

/** The arguments the online node passed to buildWithdrawalPsbt for `intent` (spread and override). */
export function bitcoinParams(fx: BatchFixture, intent: WithdrawalIntent): BuildWithdrawalParams {
  const b = intent.bitcoin;
  if (b === undefined) throw new TypeError(`"intent" ${intent.id} is not a bitcoin withdrawal`);
  const key = fx.ctx.keys.get(intent.keyLabel)!.publicKey;
  return {
    network: NETWORK,
    utxos: b.utxos,
    signingPublicKey: key,
    inputType: b.inputType,
    ...(b.multisig === undefined
      ? {}
      : {
          multisig: {
            m: b.multisig.m,
            pubkeys: b.multisig.pubkeys.map((k) => (k === `@${intent.keyLabel}` ? key : hexToBytes(k))),
            sort: true,
          },
        }),
    destination: intent.destination,
    amount: intent.amount,
    leave: { fee: b.fee },
  };
}

/** The arguments the online node passed to buildUnsignedType2 for `intent` (spread and override). */
export function ethereumParams(intent: WithdrawalIntent): Type2Params {
  const e = intent.ethereum;
  if (e === undefined) throw new TypeError(`"intent" ${intent.id} is not an ethereum withdrawal`);
  const token = intent.asset !== 'native';
  return {
    chainId: NETWORKS[NETWORK].ethereumChainId,
    nonce: e.nonce,
    maxPriorityFeePerGas: e.maxPriorityFeePerGas,
    maxFeePerGas: e.maxFeePerGas,
    gasLimit: e.gasLimit,
    to: token ? intent.asset : intent.destination,
    value: token ? 0n : intent.amount,
    ...(token ? { data: erc20TransferData(intent.destination, intent.amount) } : {}),
  };
}

// --- tampering -------------------------------------------------------------------------------------

/** A withdrawal of a batch being tampered with: any member may be changed or deleted. */
export type DraftWithdrawal = { -readonly [K in keyof WithdrawalWire]: WithdrawalWire[K] };

/** A mutable deep copy of a signed batch. */
export interface DraftBatch {
  format: string;
  batchId: string;
  createdAt: string;
  expiresAt: string;
  network: string;
  coordinatorKeyId: string;
  manifest: { count: number; totals: { chain: string; asset: string; amount: string }[] };
  withdrawals: DraftWithdrawal[];
  signature?: { alg: string; value: string };
}

export function draft(batch: BatchWire | DraftBatch): DraftBatch {
  return JSON.parse(JSON.stringify(batch)) as DraftBatch;
}

/** The manifest the withdrawals of `batch` add up to (the online builder's computeManifest). */
function manifestOf(batch: DraftBatch): DraftBatch['manifest'] {
  const declared = batch.withdrawals.map(
    (w): DeclaredWithdrawal => ({
      id: w.id,
      chain: w.chain as Chain,
      asset: w.asset === 'native' ? { kind: 'native' } : { kind: 'token', contract: w.asset.toLowerCase() },
      destination: w.destination,
      amount: BigInt(w.amount),
      feeCap: BigInt(w.feeCap),
      keyLabel: w.keyLabel,
      rawTx: w.rawTx,
    }),
  );
  const m = computeManifest(declared);
  return {
    count: m.count,
    totals: m.totals.map((t) => ({
      chain: t.chain,
      asset: t.asset.kind === 'native' ? 'native' : t.asset.contract,
      amount: t.amount.toString(),
    })),
  };
}

export interface ResignOptions {
  /** Replace the manifest by what the withdrawals add up to (a tamper that keeps the manifest honest). */
  readonly recomputeManifest?: boolean;
  /** Who signs; the enrolled coordinator by default. */
  readonly signer?: Coordinator;
}

/**
 * Re-sign a (tampered) batch as a compromised online node would: the coordinator key signs whatever it
 * is given. Returns the batch file text. Never runs the builder's own checks, so anything can be signed.
 */
export function resign(batch: BatchWire | DraftBatch, options: ResignOptions = {}): string {
  const body = draft(batch);
  delete body.signature;
  if (options.recomputeManifest) body.manifest = manifestOf(body);
  const signer = options.signer ?? COORDINATOR;
  const value = bytesToHex(ed25519.sign(digestOf(body), signer.secretKey));
  return `${JSON.stringify({ ...body, signature: { alg: 'ed25519', value } }, null, 2)}\n`;
}

/** A re-signed copy of `batch` after `change` ran on a draft of it. */
export function tamper(
  batch: BatchWire,
  change: (d: DraftBatch) => void,
  options: ResignOptions = {},
): string {
  const d = draft(batch);
  change(d);
  return resign(d, options);
}

/** The draft withdrawal with `id` (throws when absent, so a typo cannot make a test vacuous). */
export function withdrawal(d: DraftBatch, id: string): DraftWithdrawal {
  const w = d.withdrawals.find((x) => x.id === id);
  if (w === undefined) throw new RangeError(`"id" ${id} is not a withdrawal of the draft`);
  return w;
}
