/**
 * Test-only fixtures for the Ethereum adapter tests: a fixed test key (the private half stands in for
 * the HSM, which the adapter never sees), an appliance context, and an RFC 6979 signer. Production
 * code never imports this file.
 */

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { readVector, vectorsDir } from '../../../test-support/paths.js';
import { type RefusalCode, RefusalError } from '../../errors.js';
import type { AdapterContext, EcdsaSignature, EnrolledKey, TokenInfo } from '../adapter.js';
import { buildUnsignedType2, type Type2Params } from './build.js';
import { fromHex } from './hex.js';

/** The private key of the web3.js documentation example; its address is 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23. */
export const TEST_PRIVATE_KEY: Uint8Array = fromHex(
  '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
);
export const TEST_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
export const TEST_KEY: EnrolledKey = {
  label: 'eth-cold-1',
  curve: 'secp256k1',
  publicKey: secp256k1.getPublicKey(TEST_PRIVATE_KEY, true),
};
export const ED25519_KEY: EnrolledKey = {
  label: 'ed-1',
  curve: 'ed25519',
  publicKey: new Uint8Array(32).fill(7),
};

export const USDC: TokenInfo = {
  contract: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
  symbol: 'USDC',
  decimals: 6,
};
export const DAI: TokenInfo = {
  contract: '0x6b175474e89094c44da98b954eedeac495271d0f',
  symbol: 'DAI',
  decimals: 18,
};
/** Tether's contract: a real ERC-20, deliberately absent from the test allowlist. */
export const USDT_CONTRACT = '0xdac17f958d2ee523a2206206994597c13d831ec7';

export const RECIPIENT = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

export const GWEI = 1_000_000_000n;

export function testContext(overrides: Partial<AdapterContext['ethereum']> = {}): AdapterContext {
  return {
    network: 'mainnet',
    keys: new Map([
      [TEST_KEY.label, TEST_KEY],
      [ED25519_KEY.label, ED25519_KEY],
    ]),
    ethereum: {
      chainId: 1n,
      tokens: new Map([
        [USDC.contract, USDC],
        [DAI.contract, DAI],
      ]),
      maxGasLimit: 200_000n,
      maxFeePerGas: 500n * GWEI,
      ...overrides,
    },
  };
}

/** A valid native-transfer parameter set; override fields per test. */
export function nativeParams(overrides: Partial<Type2Params> = {}): Type2Params {
  return {
    chainId: 1n,
    nonce: 7n,
    maxPriorityFeePerGas: 2n * GWEI,
    maxFeePerGas: 40n * GWEI,
    gasLimit: 21_000n,
    to: RECIPIENT,
    value: 1_250_000_000_000_000_000n,
    data: new Uint8Array(0),
    ...overrides,
  };
}

export function unsignedHex(overrides: Partial<Type2Params> = {}): string {
  return buildUnsignedType2(nativeParams(overrides));
}

/** Sign a 32-byte digest as the HSM would (here RFC 6979 with the test key), low-S, with recovery id. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array = TEST_PRIVATE_KEY): EcdsaSignature {
  const sig = secp256k1.Signature.fromBytes(
    secp256k1.sign(digest, privateKey, { prehash: false, format: 'recovered' }),
    'recovered',
  );
  const recovery = sig.recovery;
  assert.ok(recovery === 0 || recovery === 1);
  return { scheme: 'ecdsa-secp256k1', r: sig.r, s: sig.s, recovery, compact: sig.toBytes('compact') };
}

/** Assert `fn` throws a RefusalError with `code` (and `field` when given); returns it for more checks. */
export function assertRefused(fn: () => unknown, code: RefusalCode, field?: string): RefusalError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof RefusalError, `expected RefusalError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (field !== undefined) assert.equal(caught.field, field, caught.message);
  return caught;
}

/** One case of ethereum/tests TransactionTests, with its London-fork result. */
export interface TransactionTestCase {
  readonly folder: string;
  readonly name: string;
  /** Signed transaction, `0x` hex. */
  readonly txbytes: string;
  readonly london: { readonly hash?: string; readonly sender?: string; readonly exception?: string };
}

export const TRANSACTION_TEST_FOLDERS = [
  'ttEIP1559',
  'ttEIP2930',
  'ttVValue',
  'ttSignature',
  'ttRSValue',
  'ttWrongRLP',
] as const;

type TransactionTestFile = Record<
  string,
  { readonly txbytes: string; readonly result: Record<string, TransactionTestCase['london']> }
>;

/** Every case of the given TransactionTests folders (vectors/ethereum/TransactionTests, see its README). */
export function transactionTests(
  folders: readonly string[] = TRANSACTION_TEST_FOLDERS,
): TransactionTestCase[] {
  const out: TransactionTestCase[] = [];
  for (const folder of folders) {
    const files = readdirSync(join(vectorsDir, 'ethereum', 'TransactionTests', folder)).filter((f) =>
      f.endsWith('.json'),
    );
    for (const file of files.sort()) {
      const cases = readVector<TransactionTestFile>(join('ethereum', 'TransactionTests', folder, file));
      for (const [name, c] of Object.entries(cases)) {
        const london = c.result.London;
        assert.ok(london !== undefined, `${folder}/${file} ${name} has a London result`);
        out.push({ folder, name, txbytes: c.txbytes, london });
      }
    }
  }
  return out;
}

/** The TransactionTests exception name without its `TransactionException.` prefix. */
export function exceptionName(c: TransactionTestCase): string | undefined {
  return c.london.exception?.replace(/^TransactionException\./, '');
}
