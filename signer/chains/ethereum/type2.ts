/**
 * EIP-1559 (type-2) transaction envelope, unsigned and signed (https://eips.ethereum.org/EIPS/eip-1559,
 * typed envelope per EIP-2718):
 *
 *   unsigned: 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList])
 *   signed:   0x02 || rlp([...the nine fields, yParity, r, s])
 *
 * Deny by default: any other first byte is `UNSUPPORTED_TX_TYPE` (legacy, EIP-2930, blob, EIP-7702...);
 * the RLP must be canonical and span the input exactly; field rules are in fields.ts (no contract
 * creation, empty access list only). Consistency rules checked here: maxPriorityFeePerGas <=
 * maxFeePerGas, gasLimit * maxFeePerGas < 2^256 (the clients' overflow rule), yParity is 0 or 1.
 * Signature *values* (r, s ranges, recovery) are verify.ts's job.
 *
 * Invariant: whatever decodes re-encodes to exactly the input bytes (one encoding per transaction),
 * so hashes of re-encodings equal hashes of what was received.
 */
import { type RefusalDetails, refuse } from '../../errors.js';
import {
  address,
  bytes,
  decodeFields,
  emptyAccessList,
  encodeFields,
  type FieldCodec,
  type FieldValues,
  uint,
} from './fields.js';
import { decodeRlp, encodeRlp } from './rlp.js';

export const TYPE2_TX_TYPE = 0x02;

/** The unsigned payload's fields in wire order. */
export const TYPE2_FIELDS = {
  chainId: uint(32),
  nonce: uint(8),
  maxPriorityFeePerGas: uint(32),
  maxFeePerGas: uint(32),
  gasLimit: uint(8),
  to: address,
  value: uint(32),
  data: bytes,
  accessList: emptyAccessList,
} as const;

const yParity: FieldCodec<0 | 1> = {
  expected: '0 or 1',
  decode(item, details) {
    const v = uint(1).decode(item, details);
    if (v !== 0n && v !== 1n) {
      refuse('MALFORMED_TX', `${details.field} is neither 0 nor 1`, {
        ...details,
        expected: '0 or 1',
        found: `${v}`,
      });
    }
    return v === 0n ? 0 : 1;
  },
  encode(value) {
    if (value !== 0 && value !== 1) throw new RangeError(`expected 0 or 1, got ${String(value)}`);
    return uint(1).encode(BigInt(value));
  },
};

/** The signed transaction's fields in wire order. */
export const SIGNED_TYPE2_FIELDS = { ...TYPE2_FIELDS, yParity, r: uint(32), s: uint(32) } as const;

/** A decoded unsigned type-2 transaction (its access list is always empty). */
export type Type2Tx = Omit<FieldValues<typeof TYPE2_FIELDS>, 'accessList'>;

/** A decoded signed type-2 transaction; the signature values are not yet checked. */
export type SignedType2Tx = Type2Tx & { readonly yParity: 0 | 1; readonly r: bigint; readonly s: bigint };

const TWO_256 = 1n << 256n;

const TX_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'type 0 (typed legacy, not in use)',
  1: 'type 1 (EIP-2930 access-list transaction)',
  2: 'type 2 (EIP-1559)',
  3: 'type 3 (EIP-4844 blob transaction)',
  4: 'type 4 (EIP-7702 set-code transaction)',
};

function describeType(first: number): string {
  if (first >= 0xc0) return 'a legacy (untyped) transaction';
  if (first >= 0x80)
    return `first byte 0x${first.toString(16)}, neither a transaction type nor a legacy RLP list`;
  return TX_TYPE_NAMES[first] ?? `unknown type 0x${first.toString(16).padStart(2, '0')}`;
}

function decodeEnvelope(raw: Uint8Array, details: RefusalDetails) {
  const first = raw[0];
  if (first === undefined) {
    refuse('MALFORMED_TX', 'transaction is empty', {
      ...details,
      field: 'rawTx',
      expected: '0x02 || rlp(...)',
      found: '0 bytes',
    });
  }
  if (first !== TYPE2_TX_TYPE) {
    refuse(
      'UNSUPPORTED_TX_TYPE',
      `transaction is ${describeType(first)}; Airlock signs only EIP-1559 (type 2)`,
      {
        ...details,
        field: 'type',
        expected: '0x02',
        found: `0x${first.toString(16).padStart(2, '0')}`,
      },
    );
  }
  const payload = decodeRlp(raw.subarray(1), { ...details, field: 'rawTx' });
  if (payload instanceof Uint8Array) {
    refuse('MALFORMED_TX', 'type-2 payload is an RLP byte string, not a list', {
      ...details,
      field: 'rawTx',
      expected: 'an RLP list of fields',
      found: `a byte string of ${payload.length} bytes`,
    });
  }
  return payload;
}

function checkConsistency(tx: Type2Tx, details: RefusalDetails): void {
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) {
    refuse('MALFORMED_TX', 'maxPriorityFeePerGas is above maxFeePerGas (invalid under EIP-1559)', {
      ...details,
      field: 'maxPriorityFeePerGas',
      expected: `<= maxFeePerGas ${tx.maxFeePerGas}`,
      found: `${tx.maxPriorityFeePerGas}`,
    });
  }
  if (tx.gasLimit * tx.maxFeePerGas >= TWO_256) {
    refuse('MALFORMED_TX', 'gasLimit * maxFeePerGas overflows 256 bits', {
      ...details,
      field: 'gasLimit',
      expected: 'gasLimit * maxFeePerGas < 2^256',
      found: `${tx.gasLimit} * ${tx.maxFeePerGas}`,
    });
  }
}

function withoutAccessList<T extends { readonly accessList: readonly [] }>(values: T): Omit<T, 'accessList'> {
  const { accessList: _empty, ...rest } = values;
  return rest;
}

function detailsOf(withdrawalId: string | undefined): RefusalDetails {
  return withdrawalId === undefined ? {} : { withdrawalId };
}

/** Decode `0x02 || rlp([9 fields])` strictly. Throws RefusalError. */
export function decodeUnsignedType2(raw: Uint8Array, withdrawalId?: string): Type2Tx {
  const details = detailsOf(withdrawalId);
  const items = decodeEnvelope(raw, details);
  const tx = withoutAccessList(decodeFields(TYPE2_FIELDS, items, 'unsigned type-2 transaction', details));
  checkConsistency(tx, details);
  return tx;
}

/** Decode `0x02 || rlp([9 fields, yParity, r, s])` strictly. Throws RefusalError. */
export function decodeSignedType2(raw: Uint8Array, withdrawalId?: string): SignedType2Tx {
  const details = detailsOf(withdrawalId);
  const items = decodeEnvelope(raw, details);
  const tx = withoutAccessList(
    decodeFields(SIGNED_TYPE2_FIELDS, items, 'signed type-2 transaction', details),
  );
  checkConsistency(tx, details);
  return tx;
}

/** `0x02 || rlp([9 fields])`: the bytes whose keccak256 is signed. */
export function encodeUnsignedType2(tx: Type2Tx): Uint8Array {
  return withType(encodeRlp(encodeFields(TYPE2_FIELDS, { ...tx, accessList: [] })));
}

/** `0x02 || rlp([9 fields, yParity, r, s])`: the network transaction. */
export function encodeSignedType2(tx: SignedType2Tx): Uint8Array {
  return withType(encodeRlp(encodeFields(SIGNED_TYPE2_FIELDS, { ...tx, accessList: [] })));
}

function withType(rlp: Uint8Array): Uint8Array {
  const out = new Uint8Array(rlp.length + 1);
  out[0] = TYPE2_TX_TYPE;
  out.set(rlp, 1);
  return out;
}
