/**
 * The fountain code's shared choices (BCR-2024-001 "Multipart UR"; reference BlockchainCommons/bc-ur
 * `fountain-utils.cpp`, `fountain-encoder.cpp`): the nominal fragment length, partitioning, the degree
 * of a mixed part (alias sampler over 1/i) and which fragments it mixes (a seeded shuffle). Encoder and
 * decoder must compute identical index sets from (seqNum, seqLen, checksum), so every step follows the
 * reference's order of random draws exactly.
 */
import { uint32BE } from './crc32.js';
import { UrError } from './errors.js';
import { RandomSampler } from './random-sampler.js';
import { Xoshiro256 } from './xoshiro256.js';

/**
 * The fragment length: the smallest number of equal fragments, at least `minFragmentLen` long where the
 * message allows, that fit in `maxFragmentLen`. Counts run to ceil(messageLen / minFragmentLen) (as
 * @ngraveio/bc-ur; the C++ reference stops at the floor, which only differs where it would return a
 * length above the maximum, or fail for a message shorter than the minimum).
 */
export function findNominalFragmentLength(
  messageLen: number,
  minFragmentLen: number,
  maxFragmentLen: number,
): number {
  if (!Number.isSafeInteger(messageLen) || messageLen < 1) {
    throw new UrError('UR_ARGUMENT', `"messageLen" expected an integer >= 1, got ${messageLen}`);
  }
  if (!Number.isSafeInteger(minFragmentLen) || minFragmentLen < 1) {
    throw new UrError('UR_ARGUMENT', `"minFragmentLength" expected an integer >= 1, got ${minFragmentLen}`);
  }
  if (!Number.isSafeInteger(maxFragmentLen) || maxFragmentLen < minFragmentLen) {
    throw new UrError(
      'UR_ARGUMENT',
      `"maxFragmentLength" expected an integer >= minFragmentLength (${minFragmentLen}), got ${maxFragmentLen}`,
    );
  }
  const maxFragmentCount = Math.ceil(messageLen / minFragmentLen);
  let fragmentLen = messageLen;
  for (let fragmentCount = 1; fragmentCount <= maxFragmentCount; fragmentCount++) {
    fragmentLen = Math.ceil(messageLen / fragmentCount);
    if (fragmentLen <= maxFragmentLen) break;
  }
  return fragmentLen;
}

/** `message` cut into `fragmentLen`-byte fragments, the last zero-padded. */
export function partitionMessage(message: Uint8Array, fragmentLen: number): Uint8Array[] {
  const count = Math.ceil(message.length / fragmentLen);
  const fragments: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const fragment = new Uint8Array(fragmentLen);
    fragment.set(message.subarray(i * fragmentLen, (i + 1) * fragmentLen));
    fragments.push(fragment);
  }
  return fragments;
}

/** Fragments joined and cut to `messageLen` (drops the padding). */
export function joinFragments(fragments: readonly Uint8Array[], messageLen: number): Uint8Array {
  const out = new Uint8Array(messageLen);
  let offset = 0;
  for (const fragment of fragments) {
    if (offset >= messageLen) break;
    const take = Math.min(fragment.length, messageLen - offset);
    out.set(fragment.subarray(0, take), offset);
    offset += take;
  }
  return out;
}

/** target ^= source (same length). */
export function xorInto(target: Uint8Array, source: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= source[i]!;
}

// A decoder asks for one seqLen over and over, an encoder too: keep the few latest degree samplers.
const samplers = new Map<number, RandomSampler>();

function degreeSampler(seqLen: number): RandomSampler {
  let sampler = samplers.get(seqLen);
  if (sampler === undefined) {
    const weights = new Float64Array(seqLen);
    for (let i = 0; i < seqLen; i++) weights[i] = 1 / (i + 1);
    sampler = new RandomSampler(weights);
    if (samplers.size >= 4) samplers.delete(samplers.keys().next().value!);
    samplers.set(seqLen, sampler);
  }
  return sampler;
}

/** The degree (number of fragments mixed) in [1, seqLen], with probability proportional to 1/degree. */
export function chooseDegree(seqLen: number, rng: Xoshiro256): number {
  return degreeSampler(seqLen).next(() => rng.nextDouble()) + 1;
}

/** The reference shuffle: repeatedly take the item at rng.nextInt(0, remaining - 1). */
export function shuffle<T>(items: readonly T[], rng: Xoshiro256): T[] {
  const remaining = [...items];
  const result: T[] = [];
  while (remaining.length > 0) {
    const index = Math.min(rng.nextInt(0, remaining.length - 1), remaining.length - 1);
    result.push(remaining.splice(index, 1)[0]!);
  }
  return result;
}

/**
 * The first `count` items of `shuffle([0, 1, …, n-1], rng)`, drawing exactly the same random numbers
 * for them, in O(n + count·log n) (a Fenwick tree finds the k-th remaining index) rather than the
 * reference's O(n²): seqLen reaches tens of thousands and a hostile sender picks any seqNum.
 */
export function shuffledPrefix(n: number, count: number, rng: Xoshiro256): number[] {
  const tree = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) tree[i] = i & -i; // every index present once
  let top = 1;
  while (top * 2 <= n) top *= 2;
  const out: number[] = [];
  for (let remaining = n; out.length < count && remaining > 0; remaining--) {
    let k = Math.min(rng.nextInt(0, remaining - 1), remaining - 1) + 1; // 1-based rank
    let pos = 0;
    for (let stepSize = top; stepSize > 0; stepSize >>= 1) {
      const next = pos + stepSize;
      if (next <= n && tree[next]! < k) {
        pos = next;
        k -= tree[next]!;
      }
    }
    out.push(pos); // the 1-based position pos + 1 holds index pos
    for (let i = pos + 1; i <= n; i += i & -i) tree[i]!--;
  }
  return out;
}

/**
 * The fragment indexes mixed into part `seqNum` (sorted). Parts 1..seqLen are the plain fragments; later
 * parts seed Xoshiro256 with seqNum ‖ checksum (each 4 bytes big-endian), draw a degree, then take that
 * many indexes off a shuffle of 0..seqLen-1.
 */
export function chooseFragments(seqNum: number, seqLen: number, checksum: number): number[] {
  if (seqNum <= seqLen) return [seqNum - 1];
  const seed = new Uint8Array(8);
  seed.set(uint32BE(seqNum), 0);
  seed.set(uint32BE(checksum), 4);
  const rng = Xoshiro256.fromBytes(seed);
  const degree = chooseDegree(seqLen, rng);
  return shuffledPrefix(seqLen, degree, rng).sort((a, b) => a - b);
}
