/**
 * The online node's withdrawal intents (`airlock.intents/v1`): what the exchange wants paid and the
 * chain data needed to build each unsigned transaction (UTXOs, nonce, gas). Parsed strictly; bad
 * input is a RefusalError naming the field.
 */
import type { Chain, Network } from '../chains/adapter.js';
import { refuse } from '../errors.js';

export const INTENTS_FORMAT = 'airlock.intents/v1';

export interface BitcoinIntentData {
  readonly inputType: 'p2wpkh' | 'p2wsh-multisig';
  readonly fee: bigint;
  readonly utxos: readonly { readonly txid: string; readonly vout: number; readonly amount: bigint }[];
  /** p2wsh-multisig: threshold and cosigner keys (hex, 33 bytes), Airlock's key among them. */
  readonly multisig?: { readonly m: number; readonly pubkeys: readonly string[] };
}

export interface EthereumIntentData {
  readonly nonce: bigint;
  readonly gasLimit: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export interface WithdrawalIntent {
  readonly id: string;
  readonly chain: Chain;
  /** "native" or an ERC-20 contract (Ethereum). */
  readonly asset: string;
  readonly destination: string;
  readonly amount: bigint;
  readonly feeCap: bigint;
  readonly keyLabel: string;
  readonly bitcoin?: BitcoinIntentData;
  readonly ethereum?: EthereumIntentData;
}

export interface Intents {
  readonly batchId: string;
  readonly network: Network;
  readonly validForMinutes: number;
  readonly withdrawals: readonly WithdrawalIntent[];
}

type Obj = Record<string, unknown>;

function schema(field: string, what: string, found: unknown): never {
  refuse('SCHEMA_INVALID', `intents: ${field} ${what}`, {
    field,
    expected: what,
    found: JSON.stringify(found) ?? 'nothing',
  });
}
function obj(v: unknown, field: string, members: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) schema(field, 'must be an object', v);
  for (const k of Object.keys(v as Obj))
    if (!members.includes(k)) schema(`${field}.${k}`, 'is not a known member', k);
  return v as Obj;
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256)
    schema(field, 'must be a non-empty string', v);
  return v as string;
}
function uint(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(v))
    schema(field, 'must be a decimal integer string', v);
  return BigInt(v as string);
}
function int(v: unknown, field: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    schema(field, `must be an integer 0..${max}`, v);
  return v as number;
}

export function parseIntents(text: string): Intents {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    refuse('MALFORMED_JSON', `intents are not valid JSON: ${(err as Error).message}`);
  }
  const o = obj(raw, 'intents', ['format', 'batchId', 'network', 'validForMinutes', 'withdrawals']);
  if (o.format !== INTENTS_FORMAT) schema('format', `must be "${INTENTS_FORMAT}"`, o.format);
  const network = str(o.network, 'network');
  if (network !== 'mainnet' && network !== 'testnet')
    schema('network', 'must be mainnet or testnet', network);
  if (!Array.isArray(o.withdrawals) || o.withdrawals.length === 0)
    schema('withdrawals', 'must be a non-empty array', o.withdrawals);
  const withdrawals = (o.withdrawals as unknown[]).map((w, i): WithdrawalIntent => {
    const f = `withdrawals[${i}]`;
    const wo = obj(w, f, [
      'id',
      'chain',
      'asset',
      'destination',
      'amount',
      'feeCap',
      'keyLabel',
      'bitcoin',
      'ethereum',
    ]);
    const chain = str(wo.chain, `${f}.chain`);
    if (chain !== 'bitcoin' && chain !== 'ethereum')
      schema(`${f}.chain`, 'must be bitcoin or ethereum', chain);
    const base = {
      id: str(wo.id, `${f}.id`),
      chain: chain as Chain,
      asset: wo.asset === undefined ? 'native' : str(wo.asset, `${f}.asset`),
      destination: str(wo.destination, `${f}.destination`),
      amount: uint(wo.amount, `${f}.amount`),
      feeCap: uint(wo.feeCap, `${f}.feeCap`),
      keyLabel: str(wo.keyLabel, `${f}.keyLabel`),
    };
    if (chain === 'bitcoin') {
      const b = obj(wo.bitcoin, `${f}.bitcoin`, ['inputType', 'fee', 'utxos', 'multisig']);
      const inputType = b.inputType ?? 'p2wpkh';
      if (inputType !== 'p2wpkh' && inputType !== 'p2wsh-multisig')
        schema(`${f}.bitcoin.inputType`, 'must be p2wpkh or p2wsh-multisig', inputType);
      if (!Array.isArray(b.utxos) || b.utxos.length === 0)
        schema(`${f}.bitcoin.utxos`, 'must be a non-empty array', b.utxos);
      const utxos = (b.utxos as unknown[]).map((u, j) => {
        const uo = obj(u, `${f}.bitcoin.utxos[${j}]`, ['txid', 'vout', 'amount']);
        const txid = str(uo.txid, `${f}.bitcoin.utxos[${j}].txid`);
        if (!/^[0-9a-f]{64}$/.test(txid))
          schema(`${f}.bitcoin.utxos[${j}].txid`, 'must be 64 lower-case hex digits', txid);
        return {
          txid,
          vout: int(uo.vout, `${f}.bitcoin.utxos[${j}].vout`, 0xffffffff),
          amount: uint(uo.amount, `${f}.bitcoin.utxos[${j}].amount`),
        };
      });
      let multisig: BitcoinIntentData['multisig'];
      if (b.multisig !== undefined) {
        const mo = obj(b.multisig, `${f}.bitcoin.multisig`, ['m', 'pubkeys']);
        if (!Array.isArray(mo.pubkeys))
          schema(`${f}.bitcoin.multisig.pubkeys`, 'must be an array of hex keys', mo.pubkeys);
        multisig = {
          m: int(mo.m, `${f}.bitcoin.multisig.m`, 15),
          pubkeys: (mo.pubkeys as unknown[]).map((k, j) => str(k, `${f}.bitcoin.multisig.pubkeys[${j}]`)),
        };
      }
      return {
        ...base,
        bitcoin: {
          inputType,
          fee: uint(b.fee, `${f}.bitcoin.fee`),
          utxos,
          ...(multisig ? { multisig } : {}),
        },
      };
    }
    const e = obj(wo.ethereum, `${f}.ethereum`, [
      'nonce',
      'gasLimit',
      'maxFeePerGas',
      'maxPriorityFeePerGas',
    ]);
    return {
      ...base,
      ethereum: {
        nonce: uint(e.nonce, `${f}.ethereum.nonce`),
        gasLimit: uint(e.gasLimit, `${f}.ethereum.gasLimit`),
        maxFeePerGas: uint(e.maxFeePerGas, `${f}.ethereum.maxFeePerGas`),
        maxPriorityFeePerGas: uint(e.maxPriorityFeePerGas, `${f}.ethereum.maxPriorityFeePerGas`),
      },
    };
  });
  return {
    batchId: str(o.batchId, 'batchId'),
    network: network as Network,
    validForMinutes: int(o.validForMinutes ?? 60, 'validForMinutes', 7 * 24 * 60),
    withdrawals,
  };
}
