/**
 * Ethereum account addresses: EIP-55 mixed-case checksums (https://eips.ethereum.org/EIPS/eip-55)
 * and the address of a secp256k1 key (last 20 bytes of keccak256 of the uncompressed point, without
 * its 0x04 prefix; Yellow Paper eq. 284).
 *
 * Text form accepted from people: `0x` and 40 hex digits; all lower case or all upper case carries no
 * checksum, mixed case must be the exact EIP-55 checksum. Internally addresses are lower-case `0x`
 * text; they are shown checksummed.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { toHex } from './hex.js';

const ADDRESS_TEXT = /^0x[0-9a-fA-F]{40}$/;

/**
 * Memo of pure functions of public data (strings in, strings out), bounded: a batch names the same
 * signing key's address and often the same destinations many times, and the cross-check computes
 * the checksum of a destination the decoder just computed. Cleared when full.
 */
class Memo {
  private readonly map = new Map<string, string>();
  constructor(private readonly max: number) {}
  get(key: string, compute: (key: string) => string): string {
    let value = this.map.get(key);
    if (value === undefined) {
      value = compute(key);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, value);
    }
    return value;
  }
}
const CHECKSUMMED = new Memo(4096);
const ADDRESS_OF_KEY = new Memo(256);
const encoder = new TextEncoder();

function checksum(lower: string): string {
  const hash = keccak_256(encoder.encode(lower));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lower[i]!;
    // A letter is upper case when the matching nibble of keccak256(lower-case hex) is 8 or more.
    const nibble = i % 2 === 0 ? hash[i >> 1]! >> 4 : hash[i >> 1]! & 0x0f;
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/** EIP-55 checksummed form of a lower- or upper-case `0x` address. */
export function toChecksumAddress(address: string): string {
  if (!ADDRESS_TEXT.test(address))
    throw new TypeError(`expected 0x and 40 hex digits, got ${JSON.stringify(address)}`);
  return CHECKSUMMED.get(address.slice(2).toLowerCase(), checksum);
}

export type ParsedAddress =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly reason: string; readonly expected: string };

/** Parse address text from a person or a batch into lower-case `0x` form. Never throws. */
export function parseAddressText(text: string): ParsedAddress {
  if (!ADDRESS_TEXT.test(text)) {
    return { ok: false, reason: 'is not an Ethereum address', expected: '0x followed by 40 hex digits' };
  }
  const body = text.slice(2);
  const lower = `0x${body.toLowerCase()}`;
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed) {
    // The corrected form is deliberately not shown: if the digits hold a typo, "fixing" the case
    // would turn a caught error into a valid-looking wrong address.
    if (toChecksumAddress(lower) !== text) {
      return {
        ok: false,
        reason: 'has a wrong EIP-55 checksum: its mixed case does not match (a typo or a tampered address)',
        expected: 'mixed case matching the EIP-55 checksum, or all one case',
      };
    }
  }
  return { ok: true, address: lower };
}

/** Lower-case `0x` address of a secp256k1 public key (33-byte compressed or 65-byte uncompressed). */
export function addressOfPublicKey(publicKey: Uint8Array): string {
  // Memoised by the key's bytes (only keys that decode are remembered: a bad key throws each time).
  return ADDRESS_OF_KEY.get(toHex(publicKey), () => {
    // fromBytes checks the encoding and that the point is on the curve.
    const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
    return `0x${toHex(keccak_256(uncompressed.subarray(1)).subarray(12))}`;
  });
}
