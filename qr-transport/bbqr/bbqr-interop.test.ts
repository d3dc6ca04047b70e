/**
 * BBQr interoperability with the reference implementation's choices (coinkite/BBQr python/bbqr,
 * `encode_data` / `decode_data`): zlib raw DEFLATE with wbits = 10 and RFC 4648 base32 without padding.
 * Python's zlib is the independent implementation here: Airlock's `Z` parts must inflate in it with a
 * 1 KiB window, and parts it makes must decode in Airlock. (python3 is on every build machine: node-gyp
 * needs it, see README.md.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../test-support/paths.js';
import { BbqrDecoder, encodeBbqr } from './bbqr.js';
import { deflateRaw1k } from './deflate-1k.js';

/** The reference `join_qrs` + `decode_data`: order the parts, base32-decode each, inflate at wbits -10. */
const PY_JOIN = `
import sys, zlib
from base64 import b32decode
parts = [l.strip() for l in sys.stdin.read().splitlines() if l.strip()]
hdr = set(p[0:6] for p in parts); assert len(hdr) == 1
enc = parts[0][2]; total = int(parts[0][4:6], 36)
data = {int(p[6:8], 36): p[8:] for p in parts}
assert sorted(data) == list(range(total))
ordered = [data[i] for i in range(total)]
if enc == 'H':
    raw = b''.join(bytes.fromhex(p) for p in ordered)
else:
    raw = b''.join(b32decode(p + '=' * ((8 - len(p) % 8) % 8)) for p in ordered)
    if enc == 'Z':
        z = zlib.decompressobj(wbits=-10)
        raw = z.decompress(raw) + z.flush()
        assert z.eof
sys.stdout.write(parts[0][3] + raw.hex())
`;

/** The reference `encode_data` (Z, else 2 when compression does not help) and an even split mod 8. */
const PY_SPLIT = `
import sys, zlib
from base64 import b32encode
raw = sys.stdin.buffer.read(); per = int(sys.argv[1])
z = zlib.compressobj(9, zlib.DEFLATED, -10); cmp = z.compress(raw) + z.flush()
enc = '2' if len(cmp) >= len(raw) else 'Z'
data = b32encode(raw if enc == '2' else cmp).decode('ascii').rstrip('=')
n = -(-len(data) // per)
def b36(v): return '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[v // 36] + '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[v % 36]
for i in range(n): print('B$' + enc + 'J' + b36(n) + b36(i) + data[i*per:(i+1)*per])
`;

function python(script: string, input: string | Uint8Array, args: string[] = []): string {
  return execFileSync('python3', ['-c', script, ...args], { input, maxBuffer: 64 * 1024 * 1024 }).toString();
}

const samples: [string, Uint8Array][] = [
  ['package-lock.json (text)', readFileSync(join(repoRoot, 'package-lock.json'))],
  ['samples/intents.json', readFileSync(join(repoRoot, 'samples', 'intents.json'))],
  ['one byte', Uint8Array.of(0x42)],
  ['random bytes', randomBytes(5000)],
];

test('Airlock BBQr parts decode with the reference algorithm in Python (zlib at wbits = -10)', () => {
  for (const [name, payload] of samples) {
    for (const encoding of ['Z', '2', 'H'] as const) {
      const { parts } = encodeBbqr(payload, { encoding, fileType: 'J', partBytes: 800 });
      const out = python(PY_JOIN, parts.join('\n'));
      assert.equal(out[0], 'J');
      assert.equal(out.slice(1), Buffer.from(payload).toString('hex'), `${name}, ${encoding}`);
    }
  }
});

test('parts made by the reference algorithm in Python decode in Airlock, in any order', () => {
  for (const [name, payload] of samples) {
    const parts = python(PY_SPLIT, payload, ['1600']).trim().split('\n');
    const dec = new BbqrDecoder();
    for (const p of [...parts].reverse()) dec.receive(p);
    assert.ok(dec.isComplete(), name);
    assert.deepEqual(Buffer.from(dec.result().payload), Buffer.from(payload), name);
    assert.equal(dec.result().fileType, 'J');
  }
});

test('deflateRaw1k never reaches back more than 1024 bytes (a 1 KiB-window inflater reads it)', () => {
  // Repeats at distances 1023, 1024, 1025 and 4096: only the first two may become back-references.
  const block = randomBytes(1025);
  const cases = [1023, 1024, 1025, 4096].map((d) => {
    const first = randomBytes(d);
    return Buffer.concat([first, first.subarray(0, Math.min(d, 600)), block]);
  });
  for (const data of cases) {
    const z = deflateRaw1k(data);
    const out = python(
      'import sys,zlib\nd=sys.stdin.buffer.read()\no=zlib.decompressobj(wbits=-10)\nsys.stdout.write((o.decompress(d)+o.flush()).hex())',
      z,
    );
    assert.equal(out, data.toString('hex'));
  }
  // The 1024-distance repeat is found (it compresses); the 1025 one is not.
  const d1024 = deflateRaw1k(cases[1]!).length;
  const d1025 = deflateRaw1k(cases[2]!).length;
  assert.ok(d1024 < d1025 - 400, `1024: ${d1024} bytes, 1025: ${d1025} bytes`);
});

test('deflateRaw1k compresses JSON close to zlib at wbits 10 (fixed Huffman codes)', (t) => {
  const json = readFileSync(join(repoRoot, 'package-lock.json'));
  const ours = deflateRaw1k(json).length;
  const zlib10 = Number(
    python(
      'import sys,zlib\nd=sys.stdin.buffer.read()\nz=zlib.compressobj(9,zlib.DEFLATED,-10)\nsys.stdout.write(str(len(z.compress(d)+z.flush())))',
      json,
    ),
  );
  t.diagnostic(
    `package-lock.json ${json.length} B: deflateRaw1k ${ours} B, Python zlib wbits=-10 level 9 ${zlib10} B`,
  );
  assert.ok(ours < json.length * 0.5);
  assert.ok(ours < zlib10 * 1.25);
});
