/**
 * The fountain decoder of BCR-2024-001 ("Multipart UR"; reference BlockchainCommons/bc-ur
 * `fountain-decoder.cpp`): a peeling decoder. Plain fragments are kept; a mixed part is reduced by every
 * known fragment and by every kept mixed part whose fragments are a strict subset of its own; when a
 * part is reduced to one fragment, that fragment is known and all kept mixed parts are reduced by it in
 * turn. When every fragment is known the message is joined and its CRC-32 checked against the checksum
 * every part announced.
 *
 * Same outcomes as the reference, with indexes instead of scans: fragment -> kept mixed parts, so a
 * new fragment touches only the parts that contain it, and the random choice of fragments runs in
 * O(seqLen) (fountain-utils `shuffledPrefix`). The caller (UrDecoder) checks that a part belongs to
 * this transfer before handing it over; this class trusts seqLen, messageLen, checksum and data length.
 */
import { crc32 } from './crc32.js';
import type { FountainPart } from './fountain-encoder.js';
import { chooseFragments, joinFragments, xorInto } from './fountain-utils.js';
import { MAX_MIXED_INDEX_ENTRIES, MAX_MIXED_PER_FRAGMENT } from './limits.js';

interface Mixed {
  /** Sorted fragment indexes, at least two. */
  readonly indexes: readonly number[];
  /** A hash of the indexes: the bucket in `mixed` (equal index sets are compared in full). */
  readonly key: number;
  readonly data: Uint8Array;
  /** False once dropped: `byFragment` lists drop such entries lazily. */
  alive: boolean;
}

/** FNV-1a over the indexes: a bucket key that costs no memory per index (unlike a joined string). */
function keyOf(indexes: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const i of indexes) {
    h = Math.imul(h ^ (i & 0xffff), 0x01000193);
    h = Math.imul(h ^ (i >>> 16), 0x01000193);
  }
  return h >>> 0;
}

function sameIndexes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Simple {
  readonly index: number;
  readonly data: Uint8Array;
}

export interface FountainTransfer {
  readonly seqLen: number;
  readonly messageLen: number;
  readonly checksum: number;
  readonly fragmentLen: number;
}

export type FountainStatus = 'receiving' | 'complete' | 'checksum-mismatch';

function contains(sorted: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export class FountainDecoder {
  readonly transfer: FountainTransfer;
  private readonly fragments: (Uint8Array | undefined)[];
  private knownCount = 0;
  /** Kept mixed parts by key; a bucket holds distinct index sets that share a hash. */
  private readonly mixed = new Map<number, Mixed[]>();
  private mixedCount = 0;
  /** Fragment indexes held by kept mixed parts, summed: the memory they take. */
  private mixedEntries = 0;
  /**
   * Fragment -> kept mixed parts holding it. Plain arrays with lazy deletion (dropped parts are
   * skipped, and swept out when read or when they outnumber the live ones): a Set insert and delete
   * for every index of every reduced part was most of the decoder's time.
   */
  private readonly byFragment: (Mixed[] | undefined)[];
  /** Entries in `byFragment`, dropped ones included. */
  private listEntries = 0;
  /** Smallest fragment -> kept mixed parts whose smallest index it is. */
  private readonly byPivot: (Set<Mixed> | undefined)[];
  /** Per-fragment flags for one reduction; all 0 between calls. */
  private readonly scratch: Uint8Array;
  private readonly queue: Simple[] = [];
  private readonly maxMixed: number;
  private state: FountainStatus = 'receiving';
  private message: Uint8Array | null = null;

  constructor(transfer: FountainTransfer) {
    this.transfer = { ...transfer };
    this.fragments = new Array(transfer.seqLen);
    this.byFragment = new Array(transfer.seqLen);
    this.byPivot = new Array(transfer.seqLen);
    this.scratch = new Uint8Array(transfer.seqLen);
    this.maxMixed = MAX_MIXED_PER_FRAGMENT * transfer.seqLen + 16;
  }

  /** Fragments known so far (received plain, or reduced out of mixed parts). */
  get knownFragments(): number {
    return this.knownCount;
  }

  /** Mixed parts kept, each an equation over fragments still unknown. */
  get mixedParts(): number {
    return this.mixedCount;
  }

  get status(): FountainStatus {
    return this.state;
  }

  /** The rebuilt message once `status` is 'complete', else null. */
  result(): Uint8Array | null {
    return this.state === 'complete' ? this.message : null;
  }

  /**
   * Takes one part of this transfer. 'accepted' when it added information (a new fragment or a new
   * kept mixed part), 'duplicate' when everything in it was already known or implied.
   */
  receive(part: FountainPart): 'accepted' | 'duplicate' {
    if (this.state !== 'receiving') return 'duplicate';
    const { seqLen, checksum } = this.transfer;
    const indexes = chooseFragments(part.seqNum, seqLen, checksum);
    if (indexes.length === 1) {
      if (this.fragments[indexes[0]!] !== undefined) return 'duplicate';
      this.queue.push({ index: indexes[0]!, data: part.data.slice() });
      this.drainQueue();
      return 'accepted';
    }
    if (this.find(indexes) !== undefined) return 'duplicate';

    // Reduce by the known fragments.
    const data = part.data.slice();
    const unknown: number[] = [];
    for (const i of indexes) {
      const fragment = this.fragments[i];
      if (fragment === undefined) unknown.push(i);
      else xorInto(data, fragment);
    }
    if (unknown.length === 0) return 'duplicate';

    // Then by the kept mixed parts that are strict subsets of what is left.
    const reduced = unknown.length === 1 ? unknown : this.reduceByMixed(unknown, data);
    if (reduced.length === 1) {
      this.queue.push({ index: reduced[0]!, data });
      this.drainQueue();
      return 'accepted';
    }
    if (this.find(reduced) !== undefined) return 'duplicate';
    // Set aside beyond the caps: only a hostile or broken stream gets here.
    if (this.mixedCount >= this.maxMixed || this.mixedEntries + reduced.length > MAX_MIXED_INDEX_ENTRIES) {
      return 'duplicate';
    }
    const part2: Mixed = { indexes: reduced, key: keyOf(reduced), data, alive: true };
    this.reduceMixedBy(part2.indexes, data);
    this.keep(part2);
    this.drainQueue();
    return 'accepted';
  }

  /** `unknown` (sorted) reduced, in place in `data`, by kept mixed parts that are strict subsets. */
  private reduceByMixed(unknown: number[], data: Uint8Array): number[] {
    const inCurrent = this.scratch;
    for (const i of unknown) inCurrent[i] = 1;
    let size = unknown.length;
    // A subset's smallest index is in the set: each kept part is looked at through its pivot only.
    for (const i of unknown) {
      const parts = this.byPivot[i];
      if (parts === undefined || inCurrent[i] === 0) continue;
      for (const m of parts) {
        if (m.indexes.length >= size || !m.indexes.every((j) => inCurrent[j] === 1)) continue;
        for (const j of m.indexes) inCurrent[j] = 0;
        size -= m.indexes.length;
        xorInto(data, m.data);
        if (inCurrent[i] === 0) break;
      }
    }
    const out = size === unknown.length ? unknown : unknown.filter((i) => inCurrent[i] === 1);
    for (const i of unknown) inCurrent[i] = 0;
    return out;
  }

  /** Reduces every kept mixed part of which `indexes` is a strict subset. */
  private reduceMixedBy(indexes: readonly number[], data: Uint8Array): void {
    // A superset holds every one of `indexes`: look through the fragment held by fewest kept parts.
    let rarest = -1;
    for (const i of indexes) {
      const parts = this.byFragment[i];
      if (parts === undefined || parts.length === 0) return;
      if (rarest < 0 || parts.length < this.byFragment[rarest]!.length) rarest = i;
    }
    const candidates = this.sweep(rarest);
    const targets: Mixed[] = [];
    for (const m of candidates) {
      if (m.indexes.length > indexes.length && indexes.every((i) => contains(m.indexes, i))) targets.push(m);
    }
    for (const m of targets) {
      this.drop(m);
      const rest =
        indexes.length === 1 ? m.indexes.filter((i) => i !== indexes[0]) : without(m.indexes, indexes);
      const restData = m.data.slice();
      xorInto(restData, data);
      if (rest.length === 1) {
        this.queue.push({ index: rest[0]!, data: restData });
      } else if (this.find(rest) === undefined) {
        this.keep({ indexes: rest, key: keyOf(rest), data: restData, alive: true });
      }
    }
    if (this.listEntries > 2 * this.mixedEntries + 65536) {
      for (let i = 0; i < this.byFragment.length; i++) if (this.byFragment[i] !== undefined) this.sweep(i);
    }
  }

  /** byFragment[i] without its dropped parts (swept in place). */
  private sweep(i: number): Mixed[] {
    const parts = this.byFragment[i]!;
    let w = 0;
    for (const m of parts) if (m.alive) parts[w++] = m;
    this.listEntries -= parts.length - w;
    parts.length = w;
    return parts;
  }

  private find(indexes: readonly number[]): Mixed | undefined {
    return this.mixed.get(keyOf(indexes))?.find((m) => sameIndexes(m.indexes, indexes));
  }

  private keep(m: Mixed): void {
    const bucket = this.mixed.get(m.key);
    if (bucket === undefined) this.mixed.set(m.key, [m]);
    else bucket.push(m);
    this.mixedCount++;
    this.mixedEntries += m.indexes.length;
    const pivot = m.indexes[0]!;
    let pivoted = this.byPivot[pivot];
    if (pivoted === undefined) {
      pivoted = new Set();
      this.byPivot[pivot] = pivoted;
    }
    pivoted.add(m);
    for (const i of m.indexes) {
      const parts = this.byFragment[i];
      if (parts === undefined) this.byFragment[i] = [m];
      else parts.push(m);
    }
    this.listEntries += m.indexes.length;
  }

  private drop(m: Mixed): void {
    const bucket = this.mixed.get(m.key)!;
    if (bucket.length === 1) this.mixed.delete(m.key);
    else bucket.splice(bucket.indexOf(m), 1);
    this.mixedCount--;
    this.mixedEntries -= m.indexes.length;
    this.byPivot[m.indexes[0]!]?.delete(m);
    m.alive = false;
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && this.state === 'receiving') {
      const { index, data } = this.queue.shift()!;
      if (this.fragments[index] !== undefined) continue;
      this.fragments[index] = data;
      this.knownCount++;
      if (this.knownCount === this.transfer.seqLen) {
        this.finish();
        return;
      }
      this.reduceMixedBy([index], data);
    }
  }

  private finish(): void {
    const message = joinFragments(this.fragments as Uint8Array[], this.transfer.messageLen);
    this.mixed.clear();
    this.mixedCount = 0;
    this.mixedEntries = 0;
    this.byFragment.fill(undefined);
    this.listEntries = 0;
    this.byPivot.fill(undefined);
    this.queue.length = 0;
    if (crc32(message) === this.transfer.checksum) {
      this.message = message;
      this.state = 'complete';
    } else {
      this.state = 'checksum-mismatch';
    }
  }
}

/** Sorted `a` minus sorted `b` (b ⊂ a). */
function without(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out;
}
