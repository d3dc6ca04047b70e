/**
 * docs/usb.md "Rules" for reading: a hostile USB stick, built from real files, links, FIFOs, sockets and
 * devices in a temporary directory. Every attack must be refused with its own typed error, and nothing
 * outside the USB root is ever read.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QrTransportError } from '../errors.js';
import { UsbError, type UsbErrorCode } from './errors.js';
import { listUsbFiles, openUsbFile, readUsbFile } from './usb-import.node.js';

let base: string;
let root: string;
let outside: string;
const SECRET = 'the contents of a file outside the USB root';
const GOOD = '{"format":"airlock.batch/v1"}\n';
const LIMIT = { maxBytes: 1024 * 1024 };
let socketServer: Server | undefined;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'airlock-usb-'));
  root = join(base, 'stick');
  outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.json'), SECRET);
  writeFileSync(join(outside, 'batch.json'), SECRET);
  writeFileSync(join(root, 'batch.json'), GOOD);
  mkdirSync(join(root, 'airlock', 'in'), { recursive: true });
  writeFileSync(join(root, 'airlock', 'in', 'batch.json'), GOOD);
  // Links: the last component, a directory in the middle, a link to a file inside the root, a dangling one.
  symlinkSync(join(outside, 'secret.json'), join(root, 'link-out.json'));
  symlinkSync('batch.json', join(root, 'link-in.json'));
  symlinkSync(join(outside, 'nothing-here'), join(root, 'dangling.json'));
  symlinkSync(outside, join(root, 'dir-link'));
  symlinkSync(outside, join(root, 'airlock', 'linked'));
  symlinkSync('/dev/null', join(root, 'null-link'));
  mkdirSync(join(root, 'a-directory.json'));
  writeFileSync(join(root, 'plain-file'), 'x');
  const fifo = spawnSync('mkfifo', [join(root, 'pipe.json')]);
  assert.equal(fifo.status, 0, `mkfifo failed: ${fifo.stderr}`);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer!.listen(join(root, 'socket.json'), resolve));
});

after(async () => {
  await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
  rmSync(base, { recursive: true, force: true });
});

/** Assert `run` rejects with a UsbError of `code`, a QrTransportError as main.ts maps it. */
async function refused(run: () => Promise<unknown>, code: UsbErrorCode, message?: RegExp): Promise<UsbError> {
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
  assert.ok(thrown instanceof QrTransportError);
  assert.equal(thrown.code, code, thrown.message);
  if (message) assert.match(thrown.message, message);
  return thrown;
}

const read =
  (path: string, options = LIMIT) =>
  () =>
    readUsbFile(root, path, options);

test('a regular file below the root is read whole, through one descriptor', async () => {
  assert.equal(new TextDecoder().decode(await readUsbFile(root, 'batch.json', LIMIT)), GOOD);
  assert.equal(new TextDecoder().decode(await readUsbFile(root, 'airlock/in/batch.json', LIMIT)), GOOD);
});

test('a symbolic link as the last component is refused, wherever it points (outside, inside, nowhere, /dev/null)', async () => {
  for (const name of ['link-out.json', 'link-in.json', 'dangling.json', 'null-link']) {
    const err = await refused(read(name), 'USB_SYMLINK', /is a symbolic link/);
    assert.equal(err.path, name);
  }
});

test('a symbolic link as a directory in the middle of the path is refused and names that directory', async () => {
  await refused(read('dir-link/secret.json'), 'USB_SYMLINK', /its directory "dir-link" is a symbolic link/);
  await refused(read('airlock/linked/batch.json'), 'USB_SYMLINK', /"airlock\/linked"/);
});

test('".." segments and absolute paths are outside the root, even when they would land inside it', async () => {
  for (const name of [
    '../outside/secret.json',
    'airlock/../../outside/secret.json',
    'airlock/in/../../batch.json',
    '..',
    '..\\outside\\secret.json',
  ])
    await refused(read(name), 'USB_PATH_OUTSIDE_ROOT');
  await refused(read(join(outside, 'secret.json')), 'USB_PATH_OUTSIDE_ROOT', /absolute path/);
  await refused(read(join(root, 'batch.json')), 'USB_PATH_OUTSIDE_ROOT', /absolute path/);
  for (const name of ['', 'airlock//in/batch.json', './batch.json', 'batch.json/', 'a\0b', 'x\\y'])
    await refused(read(name), 'USB_PATH_INVALID');
});

test('a FIFO is refused without being opened (the call returns, it never blocks on the pipe)', async () => {
  const started = Date.now();
  const err = await refused(read('pipe.json'), 'USB_NOT_REGULAR_FILE', /FIFO/);
  assert.equal(err.path, 'pipe.json');
  assert.ok(Date.now() - started < 2000, 'reading a FIFO must not wait for a writer');
});

test('a socket and a directory are not regular files', async () => {
  await refused(read('socket.json'), 'USB_NOT_REGULAR_FILE', /is a socket/);
  await refused(read('a-directory.json'), 'USB_NOT_REGULAR_FILE', /is a directory/);
});

test('a character device on the stick (mknod, like /dev/null) is refused', async () => {
  const dev = join(root, 'null.json');
  const made = spawnSync('mknod', [dev, 'c', '1', '3']);
  // The README's test command runs as root, so mknod works.
  assert.equal(made.status, 0, `mknod needs root: ${String(made.stderr).trim()}`);
  assert.ok(statSync(dev).isCharacterDevice());
  await refused(read('null.json'), 'USB_NOT_REGULAR_FILE', /character device/);
  rmSync(dev);
});

test('a 2 GiB sparse file is refused from its size before any byte is read', async () => {
  const huge = join(root, 'huge.json');
  const fd = openSync(huge, 'w');
  try {
    ftruncateSync(fd, 2 * 1024 ** 3); // the size without the disk blocks
  } finally {
    closeSync(fd);
  }
  const st = statSync(huge);
  assert.equal(st.size, 2 * 1024 ** 3);
  assert.ok(st.blocks * 512 < 1024 * 1024, 'the sparse file must use (almost) no disk');
  const started = Date.now();
  const err = await refused(read('huge.json', { maxBytes: 32 * 1024 * 1024 }), 'USB_TOO_LARGE');
  assert.match(err.message, /is 2,147,483,648 bytes, above the limit of 33,554,432 bytes/);
  assert.ok(Date.now() - started < 1000);
  rmSync(huge);
});

test('the size limit is exact: maxBytes bytes are read, one more is refused', async () => {
  writeFileSync(join(root, 'exact.json'), 'x'.repeat(100));
  assert.equal((await readUsbFile(root, 'exact.json', { maxBytes: 100 })).length, 100);
  await refused(read('exact.json', { maxBytes: 99 }), 'USB_TOO_LARGE');
  assert.equal((await readUsbFile(root, 'plain-file', { maxBytes: 1 })).length, 1);
  writeFileSync(join(root, 'empty.json'), '');
  assert.equal((await readUsbFile(root, 'empty.json', { maxBytes: 0 })).length, 0);
  await assert.rejects(readUsbFile(root, 'exact.json', { maxBytes: -1 }), RangeError);
});

test('a file that grows after it was opened is cut off one byte past the limit and refused', async () => {
  const path = join(root, 'growing.json');
  writeFileSync(path, '{}');
  const file = await openUsbFile(root, 'growing.json', { maxBytes: 4096 });
  try {
    assert.equal(file.size, 2);
    appendFileSync(path, 'y'.repeat(1024 * 1024)); // the stick's content changes under the reader
    const err = await refused(() => file.readAll(), 'USB_TOO_LARGE', /grew while it was read/);
    assert.equal(err.path, 'growing.json');
    assert.equal((await file.readHead(10)).length, 10);
  } finally {
    await file.close();
  }
});

test('the USB root must be a real directory: not a link to one, not a file, not missing', async () => {
  const linkRoot = join(base, 'root-link');
  symlinkSync(root, linkRoot);
  await refused(() => readUsbFile(linkRoot, 'batch.json', LIMIT), 'USB_ROOT_INVALID', /is a symbolic link/);
  await refused(() => readUsbFile(`${linkRoot}/`, 'batch.json', LIMIT), 'USB_ROOT_INVALID');
  await refused(() => listUsbFiles(linkRoot), 'USB_ROOT_INVALID');
  await refused(
    () => readUsbFile(join(root, 'batch.json'), 'x', LIMIT),
    'USB_ROOT_INVALID',
    /not a directory/,
  );
  await refused(() => readUsbFile(join(base, 'no-stick'), 'x', LIMIT), 'USB_ROOT_INVALID', /mounted/);
});

test('missing files and a file used as a directory are USB_NOT_FOUND', async () => {
  await refused(read('nothing.json'), 'USB_NOT_FOUND');
  await refused(read('airlock/none/batch.json'), 'USB_NOT_FOUND', /there is no directory "airlock\/none"/);
  await refused(read('batch.json/x'), 'USB_NOT_FOUND', /not a directory/);
});

test('race: names swapped between a real file and links to outside while reading never yield the outside file', async (t) => {
  // A second process swaps, as fast as it can: `race.json` between a hard link of the good file and a
  // link to the secret; `swap` between a real directory and a link to the outside directory.
  mkdirSync(join(root, 'swap'));
  writeFileSync(join(root, 'swap', 'secret.json'), GOOD);
  linkSync(join(root, 'batch.json'), join(root, 'race.json'));
  const script = `
    const fs = require('node:fs'); const p = require('node:path'); const root = ${JSON.stringify(root)};
    const outside = ${JSON.stringify(outside)}; const end = Date.now() + 1500;
    while (Date.now() < end) {
      fs.symlinkSync(p.join(outside, 'secret.json'), p.join(root, 'race.tmp')); fs.renameSync(p.join(root, 'race.tmp'), p.join(root, 'race.json'));
      fs.linkSync(p.join(root, 'batch.json'), p.join(root, 'race.tmp')); fs.renameSync(p.join(root, 'race.tmp'), p.join(root, 'race.json'));
      fs.renameSync(p.join(root, 'swap'), p.join(root, 'swap.real')); fs.symlinkSync(outside, p.join(root, 'swap'));
      fs.unlinkSync(p.join(root, 'swap')); fs.renameSync(p.join(root, 'swap.real'), p.join(root, 'swap'));
    }`;
  const swapper = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
  const exited = new Promise<number | null>((resolve) => swapper.on('exit', resolve));
  const outcomes = new Map<string, number>();
  let running = true;
  void exited.then(() => {
    running = false;
  });
  try {
    while (running) {
      for (const name of ['race.json', 'swap/secret.json']) {
        try {
          const text = new TextDecoder().decode(await readUsbFile(root, name, LIMIT));
          assert.equal(text, GOOD, `${name}: read the outside file`);
          outcomes.set('read', (outcomes.get('read') ?? 0) + 1);
        } catch (err) {
          if (!(err instanceof UsbError)) throw err;
          assert.ok(
            ['USB_SYMLINK', 'USB_FILE_CHANGED', 'USB_NOT_FOUND'].includes(err.code),
            `${name}: ${err.code} ${err.message}`,
          );
          outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
        }
      }
    }
  } finally {
    if (running) swapper.kill();
  }
  assert.equal(await exited, 0);
  assert.ok((outcomes.get('read') ?? 0) > 0, `no read succeeded: ${JSON.stringify([...outcomes])}`);
  assert.ok((outcomes.get('USB_SYMLINK') ?? 0) > 0, `no link was met: ${JSON.stringify([...outcomes])}`);
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

test('listing walks with lstat: links and special files are listed as what they are, never followed', async () => {
  const listing = await listUsbFiles(root);
  assert.equal(listing.truncated, false);
  const byPath = new Map(listing.entries.map((e) => [e.path, e]));
  assert.deepEqual(byPath.get('batch.json'), { path: 'batch.json', type: 'file', size: GOOD.length });
  assert.equal(byPath.get('airlock/in/batch.json')?.type, 'file');
  assert.equal(byPath.get('link-out.json')?.type, 'symlink');
  assert.equal(byPath.get('dir-link')?.type, 'symlink');
  assert.equal(byPath.get('pipe.json')?.type, 'fifo');
  assert.equal(byPath.get('socket.json')?.type, 'socket');
  assert.equal(byPath.get('a-directory.json')?.type, 'directory');
  // Nothing behind a link is listed.
  assert.equal(
    listing.entries.some((e) => e.path.startsWith('dir-link/') || e.path.startsWith('airlock/linked/')),
    false,
  );
  assert.deepEqual(
    listing.entries.map((e) => e.path),
    [...listing.entries.map((e) => e.path)].sort(),
  );
  const cut = await listUsbFiles(root, { maxEntries: 3 });
  assert.equal(cut.truncated, true);
  assert.equal(cut.entries.length, 3);
});

test('listing stops descending at the depth a name may reach', async () => {
  const deep = join(root, 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(root, 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'ok.json'), '{}');
  writeFileSync(join(deep, 'too-deep.json'), '{}');
  const paths = (await listUsbFiles(root)).entries.map((e) => e.path);
  assert.ok(paths.includes('d1/d2/d3/d4/d5/d6/d7/d8/ok.json'));
  assert.ok(paths.includes('d1/d2/d3/d4/d5/d6/d7/d8/d9'));
  assert.equal(
    paths.some((p) => p.endsWith('too-deep.json')),
    false,
  );
  assert.equal((await readUsbFile(root, 'd1/d2/d3/d4/d5/d6/d7/d8/ok.json', LIMIT)).length, 2);
  await refused(read('d1/d2/d3/d4/d5/d6/d7/d8/d9/too-deep.json'), 'USB_PATH_INVALID', /8 directories deep/);
  rmSync(join(root, 'd1'), { recursive: true });
});
