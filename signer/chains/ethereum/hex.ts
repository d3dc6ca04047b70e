/**
 * Strict hex text for Ethereum byte strings: `0x` optional, an even number of hex digits, nothing else
 * (no whitespace, no `0X`). Decoding untrusted text refuses with `MALFORMED_TX`; encoding always
 * gives lower case without `0x` (Airlock's wire convention for `SignedTx.hex` and txids).
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { type RefusalDetails, refuse } from '../../errors.js';

const HEX_BODY = /^(?:[0-9a-fA-F]{2})*$/;

/** Bytes of `text` (hex, with or without `0x`); refuses anything else as `MALFORMED_TX`. */
export function hexToBytesStrict(text: string, details: RefusalDetails): Uint8Array {
  const body = text.startsWith('0x') ? text.slice(2) : text;
  if (!HEX_BODY.test(body)) {
    const found =
      text.length > 24
        ? `${JSON.stringify(text.slice(0, 24))}... (${text.length} characters)`
        : JSON.stringify(text);
    refuse('MALFORMED_TX', `${details.field ?? 'value'} is not hex`, {
      ...details,
      expected: 'an even number of hex digits, optionally after 0x',
      found,
    });
  }
  return decodeBody(body);
}

/** Bytes of hex text the program itself produced or already checked; throws TypeError otherwise. */
export function fromHex(text: string): Uint8Array {
  const body = text.startsWith('0x') ? text.slice(2) : text;
  if (!HEX_BODY.test(body)) throw new TypeError(`expected hex, got ${JSON.stringify(text)}`);
  return decodeBody(body);
}

/** `body` matched HEX_BODY (ASCII hex digits of either case, even length): noble's table decoder. */
function decodeBody(body: string): Uint8Array {
  return hexToBytes(body);
}

/**
 * Lower-case hex without `0x`. Node's encoder gives one flat string; a string built by `+=` is a
 * rope of one node per byte until something reads it (tens of bytes of heap per byte of input),
 * and signed transactions are kept until the result is written.
 */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `0x…` text of a byte string for refusal messages, shortened when long. */
export function showBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty (0 bytes)';
  if (bytes.length <= 40) return `0x${toHex(bytes)} (${bytes.length} bytes)`;
  return `0x${toHex(bytes.subarray(0, 36))}... (${bytes.length} bytes)`;
}
