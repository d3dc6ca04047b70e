/**
 * Issue 4, item 4: Shamir shares of the signing PIN. Every M-subset of a 3-of-5 split rebuilds the PIN;
 * fewer than M, shares of another split, a mistyped (checksum) or malformed share, duplicates and an
 * altered share with a recomputed checksum are refused with typed ShareErrors; fast-check round trips
 * random PINs through random (M, N).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { base32nopad } from '@scure/base';
import fc from 'fast-check';
import { AirlockError } from '../errors.js';
import { combinePin, describeShare, ShareError, type ShareErrorCode, splitPin } from './shares.js';

const PIN = '583920';

async function refusedWith(code: ShareErrorCode, shares: readonly string[], message?: RegExp): Promise<void> {
  await assert.rejects(combinePin(shares), (err: unknown) => {
    assert.ok(err instanceof ShareError, `expected a ShareError, got ${String(err)}`);
    assert.ok(err instanceof AirlockError);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** All k-element subsets of `items`, in order. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items as [T, ...T[]];
  return [...subsets(rest, k - 1).map((s) => [head, ...s]), ...subsets(rest, k)];
}

/** Replace the payload of a share and recompute its checksum: an altered share that passes the checksum. */
function forge(share: string, payload: Uint8Array): string {
  const parts = share.split(':');
  parts[5] = base32nopad.encode(payload).toLowerCase();
  const body = parts.slice(0, 6).join(':');
  return `${body}:${bytesToHex(sha256(utf8ToBytes(body))).slice(0, 8)}`;
}

const payloadOf = (share: string): Uint8Array => base32nopad.decode(share.split(':')[5]!.toUpperCase());

describe('splitPin: the share text', () => {
  it('is self-describing: set id, M-of-N, index, base32 payload and checksum', async () => {
    const shares = await splitPin(PIN, { shares: 5, threshold: 3 });
    assert.equal(shares.length, 5);
    const setId = shares[0]!.split(':')[2];
    for (const [i, s] of shares.entries()) {
      assert.match(s, /^airlock-share:v1:[0-9a-f]{8}:3-of-5:\d+:[a-z2-7]+:[0-9a-f]{8}$/);
      assert.deepEqual(describeShare(s), { setId, threshold: 3, total: 5, index: i + 1 });
      assert.ok(!s.includes(PIN), 'the PIN does not appear in a share');
      // 32-byte padded block plus the library's point byte.
      assert.equal(payloadOf(s).length, 33);
    }
    const again = await splitPin(PIN, { shares: 5, threshold: 3 });
    assert.notEqual(again[0]!.split(':')[2], setId, 'each split has its own set id');
  });

  it('hides the PIN length within its 32-byte size class', async () => {
    const short = await splitPin('1234', { shares: 2, threshold: 2 });
    const long = await splitPin('1234567890123456789012345678901', { shares: 2, threshold: 2 });
    assert.equal(short[0]!.length, long[0]!.length);
    const longer = await splitPin('x'.repeat(32), { shares: 2, threshold: 2 });
    assert.equal(payloadOf(longer[0]!).length, 65);
  });

  it('validates N (2..16), M (2..N) and the PIN', async () => {
    for (const [shares, threshold] of [
      [1, 1],
      [17, 2],
      [5, 1],
      [5, 6],
      [3, 2.5],
      [Number.NaN, 2],
    ] as const) {
      await assert.rejects(splitPin(PIN, { shares, threshold }), RangeError, `${threshold}-of-${shares}`);
    }
    await assert.rejects(splitPin('', { shares: 3, threshold: 2 }), TypeError);
    await assert.rejects(splitPin(1234 as never, { shares: 3, threshold: 2 }), TypeError);
    await assert.rejects(splitPin('x'.repeat(256), { shares: 3, threshold: 2 }), RangeError);
    await assert.rejects(splitPin('12\uD800', { shares: 3, threshold: 2 }), /well-formed/);
    const ok = await splitPin('x'.repeat(255), { shares: 16, threshold: 16 });
    assert.equal(await combinePin(ok), 'x'.repeat(255));
  });
});

describe('combinePin', () => {
  it('rebuilds the PIN from every 3-subset (and 4- and 5-subset) of a 3-of-5 split, in any order', async () => {
    const shares = await splitPin(PIN, { shares: 5, threshold: 3 });
    let tried = 0;
    for (const k of [3, 4, 5]) {
      for (const subset of subsets(shares, k)) {
        assert.equal(await combinePin(subset), PIN);
        assert.equal(await combinePin([...subset].reverse()), PIN);
        tried++;
      }
    }
    assert.equal(tried, 10 + 5 + 1);
  });

  it('reads shares typed in another case and with spaces or line breaks', async () => {
    const [a, b] = await splitPin(PIN, { shares: 3, threshold: 2 });
    const typed = `${a!.toUpperCase().slice(0, 30)} \n ${a!.toUpperCase().slice(30)}`;
    assert.equal(await combinePin([typed, b!]), PIN);
  });

  it('refuses fewer than M shares, naming what it has', async () => {
    const shares = await splitPin(PIN, { shares: 5, threshold: 3 });
    await refusedWith('SHARE_TOO_FEW', [], /no shares/);
    await refusedWith('SHARE_TOO_FEW', [shares[0]!], /needs 3 of its 5 shares, found 1 \(share 1\)/);
    for (const pair of subsets(shares, 2)) await refusedWith('SHARE_TOO_FEW', pair);
  });

  it('refuses shares of another split, even of the same PIN', async () => {
    const a = await splitPin(PIN, { shares: 3, threshold: 2 });
    const b = await splitPin(PIN, { shares: 3, threshold: 2 });
    await refusedWith('SHARE_MIXED_SETS', [a[0]!, b[1]!], /different splits/);
    const c = await splitPin(PIN, { shares: 4, threshold: 2 });
    await refusedWith('SHARE_MIXED_SETS', [a[0]!, a[1]!, c[2]!]);
  });

  it('refuses a mistyped share by its checksum, naming its place', async () => {
    const [a, b] = await splitPin(PIN, { shares: 3, threshold: 2 });
    const parts = a!.split(':');
    const p = parts[5]!;
    parts[5] = p.slice(0, 3) + (p[3] === 'a' ? 'b' : 'a') + p.slice(4);
    const typo = parts.join(':');
    await assert.rejects(combinePin([b!, typo]), (err: unknown) => {
      assert.ok(err instanceof ShareError);
      assert.equal(err.code, 'SHARE_CHECKSUM');
      assert.equal(err.position, 2);
      assert.match(err.message, /share 2 .* fails its checksum/);
      return true;
    });
    // The index is covered by the checksum as well.
    await refusedWith('SHARE_CHECKSUM', [b!, a!.replace(':1:', ':3:')]);
  });

  it('refuses malformed shares', async () => {
    const [a, b] = await splitPin(PIN, { shares: 3, threshold: 2 });
    const cases: [string, RegExp][] = [
      ['', /not an Airlock PIN share/],
      ['hello', /not an Airlock PIN share/],
      [a!.replace(':v1:', ':v2:'), /format version "v2"/],
      [a!.split(':').slice(0, 6).join(':'), /does not have the form/],
      [a!.replace(/:2-of-3:/, ':2-of-x:'), /does not have the form/],
    ];
    for (const [text, message] of cases) await refusedWith('SHARE_MALFORMED', [text, b!], message);
    await refusedWith('SHARE_MALFORMED', [7 as never, b!], /not text/);
    // Bad values behind a valid checksum.
    const header = (h: string): string => {
      const parts = a!.split(':');
      parts[3] = h;
      const body = parts.slice(0, 6).join(':');
      return `${body}:${bytesToHex(sha256(utf8ToBytes(body))).slice(0, 8)}`;
    };
    await refusedWith('SHARE_MALFORMED', [header('1-of-3'), b!], /threshold must be 2 to 3/);
    await refusedWith('SHARE_MALFORMED', [header('2-of-17'), b!], /must be 2 to 16/);
    const index = (i: string): string => {
      const parts = a!.split(':');
      parts[4] = i;
      const body = parts.slice(0, 6).join(':');
      return `${body}:${bytesToHex(sha256(utf8ToBytes(body))).slice(0, 8)}`;
    };
    await refusedWith('SHARE_MALFORMED', [index('4'), b!], /is share 4 of a set of 3/);
    await refusedWith('SHARE_MALFORMED', [index('0'), b!], /does not have the form/);
    await refusedWith('SHARE_MALFORMED', [forge(a!, new Uint8Array(20).fill(1)), b!], /32·k \+ 1 bytes/);
    await refusedWith('SHARE_MALFORMED', [forge(a!, new Uint8Array(33)), b!], /share point/);
    assert.throws(() => describeShare('nope'), ShareError);
  });

  it('refuses duplicates: the same share twice, or the same point under another index', async () => {
    const [a, b, c] = await splitPin(PIN, { shares: 3, threshold: 2 });
    await refusedWith('SHARE_DUPLICATE', [a!, a!], /shares 1 and 2 are both share 1/);
    await refusedWith('SHARE_DUPLICATE', [a!, b!, a!.toUpperCase()]);
    const sameIndex = a!.replace(/:1:/, ':2:');
    const relabelled = forge(sameIndex, payloadOf(a!));
    await refusedWith('SHARE_DUPLICATE', [b!, relabelled]);
    const pointOfA = payloadOf(c!);
    pointOfA[pointOfA.length - 1] = payloadOf(a!)[32]!;
    await refusedWith('SHARE_DUPLICATE', [a!, forge(c!, pointOfA)], /same point/);
  });

  it('refuses an altered share with a recomputed checksum when the rebuilt padding shows it', async () => {
    const [a, b] = await splitPin(PIN, { shares: 3, threshold: 2 });
    const altered = payloadOf(a!);
    // A change in the padding region is always caught (it shows in the rebuilt padding); one inside the
    // PIN's own bytes can rebuild another well-formed PIN, which C_Login then refuses (see shares.ts).
    altered[20]! ^= 0x40;
    await refusedWith('SHARE_INCONSISTENT', [forge(a!, altered), b!], /do not rebuild a PIN/);
  });

  it('round-trips random PINs through random M-of-N (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
          .filter((pin) => utf8ToBytes(pin).length <= 255),
        fc
          .integer({ min: 2, max: 16 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 2, max: n }))),
        fc.infiniteStream(fc.integer()),
        async (pin, [n, m], seeds) => {
          const shares = await splitPin(pin, { shares: n, threshold: m });
          assert.equal(shares.length, n);
          // A random M-subset in random order.
          const pool = [...shares];
          const pick: string[] = [];
          const it = seeds[Symbol.iterator]();
          while (pick.length < m) {
            const r = Math.abs(it.next().value as number) % pool.length;
            pick.push(pool.splice(r, 1)[0]!);
          }
          assert.equal(await combinePin(pick), pin);
          await assert.rejects(combinePin(pick.slice(1)), ShareError);
        },
      ),
      { numRuns: 200 },
    );
  });
});
