/**
 * The appliance's registry (`$AIRLOCK_HOME/registry.json`): what is enrolled on it.
 *  - signing keys (label, curve, public key) recorded at the key ceremony, read back from the token;
 *  - the appliance key that signs results;
 *  - coordinator public keys whose batch signatures are accepted;
 *  - the network, the ERC-20 allowlist and Ethereum gas caps;
 *  - operators (`operators`, absent in registries written before it): card public key and token
 *    label, WebAuthn credential and its last signature counter.
 * Public data only. The quorum issue puts changes to it under M-of-N approval and the audit log.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AdapterContext, Curve, EnrolledKey, Network, TokenInfo } from '../../signer/chains/adapter.js';
import { NETWORKS } from '../../signer/networks.js';
import type { Operator, OperatorRole } from '../../signer/quorum/index.js';
import { CONSOLE_ORIGIN } from '../common/ipc-contract.js';
import { ConfigError, type HomeLayout } from './home.js';

export interface Registry {
  readonly version: 1;
  readonly network: Network;
  readonly signingKeys: readonly EnrolledKey[];
  /** Ed25519 key on the signing token that signs results. */
  readonly applianceKey: { readonly keyId: string; readonly publicKey: Uint8Array } | null;
  readonly coordinators: readonly { readonly keyId: string; readonly publicKey: Uint8Array }[];
  readonly ethereum: {
    readonly maxGasLimit: bigint;
    readonly maxFeePerGas: bigint;
    readonly tokens: readonly TokenInfo[];
  };
  /** Enrolled operators (quorum issue); registries written before it have none. */
  readonly operators: readonly EnrolledOperator[];
}

/** An operator as the registry records it: the verification core's `Operator` and the card's token label. */
export interface EnrolledOperator extends Operator {
  /** Label of the operator's PKCS#11 card token, holding the key `operator-<id>`. */
  readonly cardToken: string;
}

/**
 * The appliance's WebAuthn relying party: every credential is scoped to it. Its origin is where the
 * operator console is served from (in Electron by a protocol handler, never over a network).
 */
export const RELYING_PARTY = { rpId: 'airlock.local', origin: CONSOLE_ORIGIN } as const;

export function emptyRegistry(network: Network): Registry {
  return {
    version: 1,
    network,
    signingKeys: [],
    applianceKey: null,
    coordinators: [],
    ethereum: { maxGasLimit: 200_000n, maxFeePerGas: 500_000_000_000n, tokens: [] },
    operators: [],
  };
}

export function registryPath(layout: HomeLayout): string {
  return `${layout.home}/registry.json`;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** JSON form: bigints as decimal strings, keys as hex. */
export function registryToJson(r: Registry): unknown {
  return {
    version: 1,
    network: r.network,
    signingKeys: r.signingKeys.map((k) => ({ label: k.label, curve: k.curve, publicKey: hex(k.publicKey) })),
    applianceKey: r.applianceKey && { keyId: r.applianceKey.keyId, publicKey: hex(r.applianceKey.publicKey) },
    coordinators: r.coordinators.map((c) => ({ keyId: c.keyId, publicKey: hex(c.publicKey) })),
    ethereum: {
      maxGasLimit: r.ethereum.maxGasLimit.toString(),
      maxFeePerGas: r.ethereum.maxFeePerGas.toString(),
      tokens: r.ethereum.tokens,
    },
    operators: r.operators.map((o) => ({
      id: o.id,
      role: o.role,
      cardToken: o.cardToken,
      cardPublicKey: hex(o.cardPublicKey),
      webauthn: {
        credentialId: o.webauthn.credentialId,
        publicKey: hex(o.webauthn.publicKey),
        rpId: o.webauthn.rpId,
        signCount: o.webauthn.signCount,
      },
    })),
  };
}

/** Parse a registry (or the public export the online side reads) strictly. */
export function registryFromJson(raw: unknown, where: string): Registry {
  const fail = (what: string): never => {
    throw new ConfigError(`${where}: ${what}`);
  };
  const obj = (v: unknown, name: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(`"${name}" must be an object`);
  const str = (v: unknown, name: string): string =>
    typeof v === 'string' && v.length > 0 ? v : fail(`"${name}" must be a non-empty string`);
  const hexBytes = (v: unknown, name: string, lengths: number[]): Uint8Array => {
    const s = str(v, name);
    if (!/^([0-9a-f]{2})+$/.test(s) || !lengths.includes(s.length / 2))
      fail(`"${name}" must be ${lengths.join(' or ')} bytes of lower-case hex`);
    return Uint8Array.from(Buffer.from(s, 'hex'));
  };
  const big = (v: unknown, name: string): bigint =>
    typeof v === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(v)
      ? BigInt(v)
      : fail(`"${name}" must be a decimal integer string`);
  const arr = (v: unknown, name: string): unknown[] =>
    Array.isArray(v) ? v : fail(`"${name}" must be an array`);

  const o = obj(raw, 'registry');
  if (o.version !== 1) fail(`"version" must be 1, found ${JSON.stringify(o.version)}`);
  const network = str(o.network, 'network');
  if (network !== 'mainnet' && network !== 'testnet')
    fail(`"network" must be mainnet or testnet, found ${network}`);
  const signingKeys = arr(o.signingKeys, 'signingKeys').map((k, i) => {
    const ko = obj(k, `signingKeys[${i}]`);
    const curve = str(ko.curve, `signingKeys[${i}].curve`);
    if (curve !== 'secp256k1' && curve !== 'ed25519')
      fail(`"signingKeys[${i}].curve" must be secp256k1 or ed25519`);
    return {
      label: str(ko.label, `signingKeys[${i}].label`),
      curve: curve as Curve,
      publicKey: hexBytes(ko.publicKey, `signingKeys[${i}].publicKey`, curve === 'secp256k1' ? [33] : [32]),
    };
  });
  const labels = new Set(signingKeys.map((k) => k.label));
  if (labels.size !== signingKeys.length) fail('signing key labels must be unique');
  const appliance =
    o.applianceKey === null || o.applianceKey === undefined
      ? null
      : (() => {
          const a = obj(o.applianceKey, 'applianceKey');
          return {
            keyId: str(a.keyId, 'applianceKey.keyId'),
            publicKey: hexBytes(a.publicKey, 'applianceKey.publicKey', [32]),
          };
        })();
  const coordinators = arr(o.coordinators ?? [], 'coordinators').map((c, i) => {
    const co = obj(c, `coordinators[${i}]`);
    return {
      keyId: str(co.keyId, `coordinators[${i}].keyId`),
      publicKey: hexBytes(co.publicKey, `coordinators[${i}].publicKey`, [32]),
    };
  });
  const eth = obj(o.ethereum, 'ethereum');
  const tokens = arr(eth.tokens, 'ethereum.tokens').map((t, i) => {
    const to = obj(t, `ethereum.tokens[${i}]`);
    const contract = str(to.contract, `ethereum.tokens[${i}].contract`);
    if (!/^0x[0-9a-f]{40}$/.test(contract))
      fail(`"ethereum.tokens[${i}].contract" must be a lower-case 0x address`);
    const decimals = to.decimals;
    if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
      fail(`"ethereum.tokens[${i}].decimals" must be an integer 0..36`);
    }
    return { contract, symbol: str(to.symbol, `ethereum.tokens[${i}].symbol`), decimals: decimals as number };
  });
  const operators = arr(o.operators ?? [], 'operators').map((v, i): EnrolledOperator => {
    const at = `operators[${i}]`;
    const oo = obj(v, at);
    const role = str(oo.role, `${at}.role`);
    if (role !== 'operator' && role !== 'admin') fail(`"${at}.role" must be operator or admin`);
    const w = obj(oo.webauthn, `${at}.webauthn`);
    const signCount = w.signCount;
    if (
      typeof signCount !== 'number' ||
      !Number.isSafeInteger(signCount) ||
      signCount < 0 ||
      signCount > 0xffffffff
    )
      fail(`"${at}.webauthn.signCount" must be a 32-bit unsigned integer`);
    return {
      id: str(oo.id, `${at}.id`),
      role: role as OperatorRole,
      cardToken: str(oo.cardToken, `${at}.cardToken`),
      cardPublicKey: hexBytes(oo.cardPublicKey, `${at}.cardPublicKey`, [32]),
      webauthn: {
        credentialId: str(w.credentialId, `${at}.webauthn.credentialId`),
        publicKey: hexBytes(w.publicKey, `${at}.webauthn.publicKey`, [65]),
        rpId: str(w.rpId, `${at}.webauthn.rpId`),
        signCount: signCount as number,
      },
    };
  });
  if (new Set(operators.map((op) => op.id)).size !== operators.length) fail('operator ids must be unique');
  return {
    version: 1,
    network: network as Network,
    signingKeys,
    applianceKey: appliance,
    coordinators,
    ethereum: {
      maxGasLimit: big(eth.maxGasLimit, 'ethereum.maxGasLimit'),
      maxFeePerGas: big(eth.maxFeePerGas, 'ethereum.maxFeePerGas'),
      tokens,
    },
    operators,
  };
}

export function readRegistry(layout: HomeLayout): Registry {
  const path = registryPath(layout);
  if (!existsSync(path))
    throw new ConfigError(`${path}: no registry; run the key ceremony (airlock enrol keys) first`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return registryFromJson(raw, path);
}

/** Write atomically: temp file then rename, so a crash leaves the old or the new registry, never half. */
export function writeRegistry(layout: HomeLayout, registry: Registry): void {
  const path = registryPath(layout);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(registryToJson(registry), null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** What the chain adapters need from the registry. */
export function adapterContextOf(r: Registry): AdapterContext {
  return {
    network: r.network,
    keys: new Map(r.signingKeys.map((k) => [k.label, k])),
    ethereum: {
      chainId: NETWORKS[r.network].ethereumChainId,
      tokens: new Map(r.ethereum.tokens.map((t) => [t.contract, t])),
      maxGasLimit: r.ethereum.maxGasLimit,
      maxFeePerGas: r.ethereum.maxFeePerGas,
    },
  };
}
