/**
 * Canonical RLP (Ethereum Yellow Paper, Appendix B; https://ethereum.org/developers/docs/data-structures-and-encoding/rlp).
 *
 * Decoding is micro-eth-signer's `RLP`, which is strict: it refuses a single byte below 0x80 wrapped
 * as a string, long-form lengths below 56, lengths with leading zero bytes, items running past their
 * parent, and trailing bytes (checked against ethereum/tests ttWrongRLP in rlp-ttwrongrlp.test.ts).
 * Its errors become `MALFORMED_TX` refusals here. Integer canonicality (no leading zero bytes) is a
 * property of the field, not of RLP, and is checked by the field codecs in fields.ts.
 *
 * Invariant: every item this module returns re-encodes to exactly the bytes it was decoded from, and
 * owns its bytes (no view into the caller's buffer).
 */
import { RLP, type RLPInput } from 'micro-eth-signer/core/rlp.js';
import { type RefusalDetails, refuse } from '../../errors.js';
import { showBytes } from './hex.js';

/** An RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | readonly RlpItem[];

function toItem(x: RLPInput): RlpItem {
  if (x instanceof Uint8Array) return x.slice();
  if (Array.isArray(x)) return x.map(toItem);
  // The decoder only ever yields byte strings and lists; anything else is a library change.
  throw new TypeError(`RLP decoder returned ${typeof x}`);
}

/** Decode exactly one canonical RLP item spanning all of `bytes`; refuses with `MALFORMED_TX`. */
export function decodeRlp(bytes: Uint8Array, details: RefusalDetails): RlpItem {
  let decoded: RLPInput;
  try {
    decoded = RLP.decode(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    refuse('MALFORMED_TX', `${details.field ?? 'value'} is not canonical RLP: ${why}`, {
      ...details,
      expected: 'one canonical RLP item spanning the whole input',
      found: showBytes(bytes),
    });
  }
  return toItem(decoded);
}

/** Canonical RLP encoding of `item`. */
export function encodeRlp(item: RlpItem): Uint8Array {
  return RLP.encode(item as RLPInput);
}
