/**
 * docs/usb.md "Rules" for writing: an export appears whole or not at all, never replaces a file, leaves
 * no temporary file behind, and is fsync'd (file, then directory) before it is reported written. Real
 * files in a temporary directory; the fsync order is read from a real strace of the call where strace
 * is installed, and running out of space is a real 64 KiB tmpfs where mounting is permitted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsbError, type UsbErrorCode } from './errors.js';
import { EXPORT_MODE, type UsbWriteStrategy, writeUsbFileAtomic } from './usb-export.node.js';
import { readUsbFile } from './usb-import.node.js';

let base: string;
let root: string;
let outside: string;
const STRATEGIES: readonly UsbWriteStrategy[] = ['link', 'exclusive-rename'];
const bytesOf = (text: string) => new TextEncoder().encode(text);

before(() => {
  base = mkdtempSync(join(tmpdir(), 'airlock-usb-export-'));
  root = join(base, 'stick');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'airlock'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim.json'), 'outside, must never change');
  symlinkSync(outside, join(root, 'dir-link'));
});
after(() => rmSync(base, { recursive: true, force: true }));

async function refused(run: () => Promise<unknown>, code: UsbErrorCode): Promise<UsbError> {
  let thrown: unknown;
  try {
    await run();
  } catch (err) {
    thrown = err;
  }
  assert.ok(
    thrown instanceof UsbError,
    `expected ${code}, got ${thrown === undefined ? 'success' : String(thrown)}`,
  );
  assert.equal(thrown.code, code, thrown.message);
  return thrown;
}

/** No `.airlock-tmp-*` file anywhere below `dir`. */
function assertNoTemp(dir: string): void {
  const left = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) =>
    n.includes('.airlock-tmp-'),
  );
  assert.deepEqual(left, [], 'a temporary file was left behind');
}

for (const strategy of STRATEGIES) {
  test(`${strategy}: the exported file has exactly the bytes, mode 0644, and no temporary file is left`, async () => {
    const content = bytesOf(`{"format":"airlock.result/v1","strategy":"${strategy}"}\n`);
    const oldMask = process.umask(0o077); // the mode is set, not left to the umask
    let report: Awaited<ReturnType<typeof writeUsbFileAtomic>>;
    try {
      report = await writeUsbFileAtomic(root, `airlock/result-${strategy}.json`, content, { strategy });
    } finally {
      process.umask(oldMask);
    }
    assert.equal(report.strategy, strategy);
    assert.equal(report.bytes, content.length);
    assert.equal(report.fullPath, join(root, 'airlock', `result-${strategy}.json`));
    assert.deepEqual(new Uint8Array(readFileSync(report.fullPath)), content);
    assert.equal(statSync(report.fullPath).mode & 0o777, EXPORT_MODE);
    assert.equal(statSync(report.fullPath).nlink, 1, 'the temporary name must be gone');
    assert.deepEqual(await readUsbFile(root, `airlock/result-${strategy}.json`, { maxBytes: 1024 }), content);
    assertNoTemp(root);
  });

  test(`${strategy}: an existing file, link or directory is never replaced (USB_EXISTS / USB_SYMLINK), no temp left`, async () => {
    const name = `airlock/existing-${strategy}.json`;
    writeFileSync(join(root, name), 'first');
    await refused(() => writeUsbFileAtomic(root, name, bytesOf('second'), { strategy }), 'USB_EXISTS');
    assert.equal(readFileSync(join(root, name), 'utf8'), 'first');
    symlinkSync(join(outside, 'victim.json'), join(root, `airlock/link-${strategy}.json`));
    await refused(
      () => writeUsbFileAtomic(root, `airlock/link-${strategy}.json`, bytesOf('x'), { strategy }),
      'USB_SYMLINK',
    );
    symlinkSync(join(outside, `dangling-${strategy}`), join(root, `airlock/dangling-${strategy}.json`));
    await refused(
      () => writeUsbFileAtomic(root, `airlock/dangling-${strategy}.json`, bytesOf('x'), { strategy }),
      'USB_SYMLINK',
    );
    mkdirSync(join(root, `airlock/dir-${strategy}.json`));
    await refused(
      () => writeUsbFileAtomic(root, `airlock/dir-${strategy}.json`, bytesOf('x'), { strategy }),
      'USB_EXISTS',
    );
    assert.equal(readFileSync(join(outside, 'victim.json'), 'utf8'), 'outside, must never change');
    assert.deepEqual(readdirSync(outside).sort(), ['victim.json']);
    assertNoTemp(root);
  });

  test(`${strategy}: 16 writers racing for one name: exactly one wins, its bytes are the file's, the others get USB_EXISTS`, async () => {
    const name = `race-${strategy}.json`;
    const contents = Array.from({ length: 16 }, (_, i) => bytesOf(`writer ${i} `.repeat(5_000)));
    const results = await Promise.allSettled(
      contents.map((c) => writeUsbFileAtomic(root, name, c, { strategy })),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof UsbError, String(r.reason));
        assert.equal(r.reason.code, 'USB_EXISTS', r.reason.message);
      }
    }
    assert.deepEqual(new Uint8Array(readFileSync(join(root, name))), contents[won[0]!]);
    assertNoTemp(root);
  });
}

test('the same path refusals as import: "..", absolute, a link in the middle, a link as the root', async () => {
  const x = bytesOf('x');
  await refused(() => writeUsbFileAtomic(root, '../outside/new.json', x), 'USB_PATH_OUTSIDE_ROOT');
  await refused(() => writeUsbFileAtomic(root, join(outside, 'new.json'), x), 'USB_PATH_OUTSIDE_ROOT');
  await refused(() => writeUsbFileAtomic(root, 'dir-link/new.json', x), 'USB_SYMLINK');
  await refused(() => writeUsbFileAtomic(root, 'no-such-dir/new.json', x), 'USB_NOT_FOUND');
  await refused(() => writeUsbFileAtomic(root, 'a//b.json', x), 'USB_PATH_INVALID');
  const linkRoot = join(base, 'root-link');
  symlinkSync(root, linkRoot);
  await refused(() => writeUsbFileAtomic(linkRoot, 'new.json', x), 'USB_ROOT_INVALID');
  assert.deepEqual(readdirSync(outside).sort(), ['victim.json']);
  assert.equal(readdirSync(root).includes('new.json'), false);
  assertNoTemp(root);
  await assert.rejects(writeUsbFileAtomic(root, 'typed.json', 'text' as unknown as Uint8Array), TypeError);
});

test('an empty export is a file of zero bytes', async () => {
  const r = await writeUsbFileAtomic(root, 'empty.json', new Uint8Array(0));
  assert.equal(statSync(r.fullPath).size, 0);
});

test('a full stick (a real 64 KiB tmpfs): USB_IO_ERROR ENOSPC, no file and no temporary file left', async () => {
  const small = join(base, 'small-stick');
  mkdirSync(small);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'airlock-test', small]);
  // The README's test command runs as root (it installs SoftHSM2 and strace with apt-get): mounting works.
  assert.equal(mounted.status, 0, `mounting a 64 KiB tmpfs needs root: ${String(mounted.stderr).trim()}`);
  try {
    const err = await refused(
      () => writeUsbFileAtomic(small, 'big.json', new Uint8Array(1024 * 1024).fill(0x20)),
      'USB_IO_ERROR',
    );
    assert.match(err.message, /ENOSPC/);
    assert.deepEqual(readdirSync(small), []);
  } finally {
    spawnSync('umount', [small]);
  }
});

test('fsync order under strace: temp created O_EXCL, fsync(temp), link, unlink(temp), fsync(directory)', async () => {
  // scripts/ensure-system.mjs (run by npm test) and .ci/run install strace when it is missing.
  const probe = spawnSync('strace', ['-V']);
  assert.equal(probe.status, 0, 'strace is not installed: run npm test, which installs it');
  const modulePath = fileURLToPath(new URL('./usb-export.node.js', import.meta.url));
  const script = `import(${JSON.stringify(modulePath)}).then((m) => m.writeUsbFileAtomic(${JSON.stringify(root)}, 'airlock/traced.json', new TextEncoder().encode('traced')))`;
  const r = spawnSync(
    'strace',
    [
      '-f',
      '-y',
      '-e',
      'trace=openat,fsync,fdatasync,link,linkat,unlink,unlinkat,rename,renameat,renameat2',
      process.execPath,
      '-e',
      script,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr
    .split('\n')
    .filter((l) => l.includes('.airlock-tmp-') || /fsync\(|link|traced\.json/.test(l));
  const index = (re: RegExp) => {
    const i = lines.findIndex((l) => re.test(l));
    assert.ok(i >= 0, `no ${re} in the trace:\n${lines.join('\n')}`);
    return i;
  };
  const created = index(/openat\(.*\.airlock-tmp-[^"]*".*O_CREAT\|O_EXCL.*0644/);
  const fileSync = index(/fsync\(\d+<[^>]*\.airlock-tmp-[^>]*>\)\s+= 0/);
  const linked = index(/link(at)?\(.*\.airlock-tmp-.*traced\.json.*= 0/);
  const removed = index(/unlink(at)?\(.*\.airlock-tmp-.*= 0/);
  const dirSync = index(
    new RegExp(`fsync\\(\\d+<${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/airlock>\\)\\s+= 0`),
  );
  assert.ok(
    created < fileSync && fileSync < linked && linked < removed && removed < dirSync,
    lines.join('\n'),
  );
  assert.equal(readFileSync(join(root, 'airlock', 'traced.json'), 'utf8'), 'traced');
});
