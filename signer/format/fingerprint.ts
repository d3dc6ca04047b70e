/**
 * The short fingerprint of a batch (or result) digest that people compare: on the coordinator's
 * screen, on the appliance's screen, read aloud between approvers.
 *
 * - `hex`: the first 16 hex digits (8 bytes) of the digest, grouped by four: `3f2a-9c41-07be-d5e8`.
 * - `words`: the Bytewords (bcr-2020-012) of the first 4 digest bytes, e.g. `fish zoom able keys`.
 *   Easier to read aloud and harder to misread than hex; they repeat the first 8 hex digits in words.
 *
 * A fingerprint is a comparison aid for people, not a security boundary: signatures cover the full
 * 32-byte digest. 64 bits make an accidental match between two different batches negligible.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { BYTEWORDS } from './bytewords.js';

export interface Fingerprint {
  /** First 16 hex digits in four groups of four, lower case: "abcd-ef01-2345-6789". */
  readonly hex: string;
  /** Bytewords of digest bytes 0..3. */
  readonly words: readonly [string, string, string, string];
  /** Both, as shown to people: "abcd-ef01-2345-6789 (able acid also apex)". */
  readonly text: string;
}

/** Fingerprint of a 32-byte digest. */
export function fingerprint(digest: Uint8Array): Fingerprint {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new RangeError(
      `"digest" expected 32 bytes (SHA-256), got ${digest instanceof Uint8Array ? `${digest.length} bytes` : typeof digest}`,
    );
  }
  const hex16 = bytesToHex(digest.subarray(0, 8));
  const hex = [0, 4, 8, 12].map((i) => hex16.slice(i, i + 4)).join('-');
  const words = [0, 1, 2, 3].map((i) => BYTEWORDS[digest[i]!]!) as [string, string, string, string];
  return Object.freeze({ hex, words: Object.freeze(words), text: `${hex} (${words.join(' ')})` });
}
