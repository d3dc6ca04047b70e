/**
 * Caps on what the UR codec accepts, so hostile input cannot make it allocate or compute without
 * bound. Honest transfers are far below them: an Airlock batch is kilobytes, and animated QR at a
 * few hundred bytes a frame stops being practical long before 65,536 frames.
 */

/** The largest message (the UR's CBOR) encoded or accepted: 16 MiB. */
export const MAX_MESSAGE_LEN = 16 * 1024 * 1024;

/** The largest number of fragments (seqLen) encoded or accepted. */
export const MAX_SEQ_LEN = 65536;

/** The largest seqNum: parts are numbered as unsigned 32-bit integers. */
export const MAX_SEQ_NUM = 0xffffffff;

/**
 * The longest UR text looked at: a single-part UR of the largest message (two letters a byte, plus
 * the checksum, a CBOR head and the type). Longer text is refused before it is parsed.
 */
export const MAX_UR_TEXT_LEN = 2 * (MAX_MESSAGE_LEN + 9 + 4) + 256;

/**
 * Mixed parts a decoder keeps while waiting for the fragments that reduce them, per fragment of the
 * message. An honest stream completes long before; beyond it, new mixed parts are set aside.
 */
export const MAX_MIXED_PER_FRAGMENT = 4;

/**
 * Fragment indexes held by a decoder's kept mixed parts, summed. Bounds both the memory a hostile
 * stream at a large seqLen can take (some 50 MB) and the work one part can cause (reducing every kept
 * superset: about 30 ms at the cap). Honest transfers stay well below: 100 kB in 200-byte fragments at
 * 50% loss peaks near 9,000; 1 MB in 200-byte fragments (5,001 of them) at 30% loss near 320,000.
 */
export const MAX_MIXED_INDEX_ENTRIES = 1_000_000;
