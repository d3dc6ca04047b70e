/**
 * verifySignedType2 against ethereum/tests TransactionTests (ttEIP1559, ttEIP2930, ttVValue,
 * ttSignature, ttRSValue, ttWrongRLP), London results:
 * - every case with an exception is refused: non-type-2 ones as UNSUPPORTED_TX_TYPE, type-2 ones with
 *   the code and field the exception names;
 * - every valid type-2 case is accepted with the stated sender and hash; valid non-type-2 cases are
 *   refused as UNSUPPORTED_TX_TYPE (deny by default);
 * - the field and signature defects of the legacy cases, carried byte for byte into a type-2 envelope,
 *   are refused naming the same field (the legacy cases would otherwise only prove the type check).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RefusalCode, RefusalError } from '../../errors.js';
import { assertRefused, exceptionName, type TransactionTestCase, transactionTests } from './fixtures.js';
import { fromHex, toHex } from './hex.js';
import { decodeRlp, encodeRlp, type RlpItem } from './rlp.js';
import { verifySignedType2 } from './verify.js';

const cases = transactionTests();
const isType2 = (c: TransactionTestCase) => c.txbytes.startsWith('0x02');

/** What a type-2 case's exception means in Airlock's terms. */
const TYPE2_EXCEPTIONS: Readonly<Record<string, { readonly code: RefusalCode; readonly field: string }>> = {
  GASLIMIT_PRICE_PRODUCT_OVERFLOW: { code: 'MALFORMED_TX', field: 'gasLimit' },
  RLP_LEADING_ZEROS_BASEFEE: { code: 'MALFORMED_TX', field: 'maxFeePerGas' },
  GASPRICE_OVERFLOW: { code: 'MALFORMED_TX', field: 'maxFeePerGas' },
  RLP_LEADING_ZEROS_PRIORITY_FEE: { code: 'MALFORMED_TX', field: 'maxPriorityFeePerGas' },
  PRIORITY_OVERFLOW: { code: 'MALFORMED_TX', field: 'maxPriorityFeePerGas' },
  PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS_2: { code: 'MALFORMED_TX', field: 'maxPriorityFeePerGas' },
};

test('TransactionTests: all 166 cases of the six folders are read', () => {
  assert.equal(cases.length, 166);
});

test('TransactionTests (London): every non-type-2 case is refused as UNSUPPORTED_TX_TYPE', () => {
  const others = cases.filter((c) => !isType2(c));
  assert.ok(others.length > 100);
  for (const c of others) {
    const e = assertRefused(() => verifySignedType2(c.txbytes), 'UNSUPPORTED_TX_TYPE', 'type');
    assert.equal(e.expected, '0x02', c.name);
  }
});

test('TransactionTests (London): every invalid type-2 case is refused with the code and field of its exception', () => {
  const invalid = cases.filter((c) => isType2(c) && c.london.exception !== undefined);
  assert.ok(invalid.length >= 8, `found ${invalid.length}`);
  for (const c of invalid) {
    const expected = TYPE2_EXCEPTIONS[exceptionName(c)!];
    assert.ok(expected !== undefined, `${c.folder}/${c.name}: exception ${c.london.exception} is not mapped`);
    const e = assertRefused(() => verifySignedType2(c.txbytes), expected.code, expected.field);
    assert.ok(e.found !== undefined && e.expected !== undefined, c.name);
  }
});

test('TransactionTests (London): every valid type-2 case is accepted with its sender and hash', () => {
  const valid = cases.filter((c) => isType2(c) && c.london.sender !== undefined);
  assert.ok(valid.length >= 1);
  for (const c of valid) {
    const v = verifySignedType2(c.txbytes);
    assert.equal(v.from.toLowerCase(), c.london.sender, c.name);
    assert.equal(`0x${v.hash}`, c.london.hash, c.name);
  }
});

test('verifySignedType2 accepts the hex with or without 0x and names the withdrawal when given one', () => {
  const valid = cases.find((c) => isType2(c) && c.london.sender !== undefined)!;
  assert.deepEqual(verifySignedType2(valid.txbytes.slice(2)), verifySignedType2(valid.txbytes));
  const invalid = cases.find((c) => isType2(c) && c.london.exception !== undefined)!;
  const e = assertRefused(() => verifySignedType2(invalid.txbytes, 'w-9'), 'MALFORMED_TX');
  assert.equal(e.withdrawalId, 'w-9');
});

/**
 * The field a legacy exception names, once the legacy fields sit in their type-2 positions.
 * Not carried over: INVALID_CHAINID (legacy v semantics), EC_RECOVERY_FAIL (depends on the digest,
 * which changes with the envelope), and framing defects (rlp-ttwrongrlp.test.ts).
 */
function transplantedField(exception: string): readonly string[] | undefined {
  const byException: Readonly<Record<string, readonly string[]>> = {
    ADDRESS_TOO_LONG: ['to'],
    ADDRESS_TOO_SHORT: ['to'],
    RLP_INVALID_NONCE: ['nonce'],
    RLP_INVALID_GASLIMIT: ['gasLimit'],
    RLP_INVALID_DATA: ['data'],
    RLP_INVALID_TO: ['to'],
    RLP_INVALID_SIGNATURE_R: ['r'],
    RLP_INVALID_SIGNATURE_S: ['s'],
    RLP_LEADING_ZEROS_NONCE: ['nonce'],
    RLP_LEADING_ZEROS_VALUE: ['value'],
    RLP_LEADING_ZEROS_GASLIMIT: ['gasLimit'],
    RLP_LEADING_ZEROS_GASPRICE: ['maxFeePerGas'],
    RLP_LEADING_ZEROS_R: ['r'],
    RLP_LEADING_ZEROS_S: ['s'],
    RLP_LEADING_ZEROS_V: ['yParity'],
    GASLIMIT_OVERFLOW: ['gasLimit'],
    INVALID_SIGNATURE_VRS: ['r', 's'],
  };
  return byException[exception];
}

/** Legacy v as the type-2 yParity: 27/28 and EIP-155 values map to 0/1; anything else is kept as is. */
function yParityOf(v: RlpItem): RlpItem {
  if (!(v instanceof Uint8Array) || v.length === 0 || v[0] === 0) return v;
  const n = BigInt(`0x${toHex(v)}`);
  const parity = n === 27n || n === 28n ? n - 27n : n >= 35n ? (n - 35n) % 2n : undefined;
  if (parity === undefined) return v;
  return parity === 0n ? new Uint8Array(0) : Uint8Array.of(1);
}

test('TransactionTests: legacy field and signature defects carried into a type-2 envelope are refused naming the field', () => {
  let carried = 0;
  for (const c of cases) {
    const exception = exceptionName(c);
    const fields = exception === undefined ? undefined : transplantedField(exception);
    const raw = fromHex(c.txbytes);
    if (fields === undefined || raw[0]! < 0xc0) continue;
    let legacy: RlpItem;
    try {
      legacy = decodeRlp(raw, {});
    } catch (e) {
      assert.ok(e instanceof RefusalError);
      continue; // a framing defect: covered by rlp-ttwrongrlp.test.ts
    }
    if (legacy instanceof Uint8Array || legacy.length !== 9) continue;
    const [nonce, gasPrice, gasLimit, to, value, data, v, r, s] = legacy as RlpItem[];
    const chainId = Uint8Array.of(1);
    const type2 = [
      chainId,
      nonce!,
      new Uint8Array(0),
      gasPrice!,
      gasLimit!,
      to!,
      value!,
      data!,
      [],
      yParityOf(v!),
      r!,
      s!,
    ];
    const hex = `02${toHex(encodeRlp(type2))}`;
    // An all-empty transaction has an empty `to`, which is refused before its signature is looked at.
    const expectedFields = to instanceof Uint8Array && to.length === 0 ? ['to'] : fields;
    let caught: unknown;
    try {
      verifySignedType2(hex);
    } catch (e) {
      caught = e;
    }
    assert.ok(
      caught instanceof RefusalError,
      `${c.folder}/${c.name} (${exception}) was accepted after transplant`,
    );
    assert.ok(
      expectedFields.includes(caught.field ?? ''),
      `${c.name} (${exception}): refused on ${caught.field}, expected ${expectedFields.join(' or ')}: ${caught.message}`,
    );
    carried++;
  }
  assert.equal(carried, 41);
});
