/** https://airlock.local/ serving: path resolution (pure) and serving real files from a temp root. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONSOLE_CSP, consoleHeaders, resolveConsolePath, serveConsoleRequest } from './console-files.js';

const ROOT = '/opt/airlock/renderer';
const O = 'https://airlock.local';

describe('resolveConsolePath', () => {
  test('serves index.html for / and files under the root with their type', () => {
    assert.deepEqual(resolveConsolePath(ROOT, `${O}/`), {
      ok: true,
      path: `${ROOT}/index.html`,
      contentType: 'text/html; charset=utf-8',
    });
    const js = resolveConsolePath(ROOT, `${O}/assets/app.js`);
    assert.ok(js.ok);
    assert.equal(js.path, `${ROOT}/assets/app.js`);
    assert.equal(js.contentType, 'text/javascript; charset=utf-8');
    const css = resolveConsolePath(ROOT, `${O}/app.css`);
    assert.ok(css.ok && css.contentType === 'text/css; charset=utf-8');
    const port443 = resolveConsolePath(ROOT, 'https://airlock.local:443/index.html');
    assert.ok(port443.ok, 'the default port is the same origin');
  });

  test('refuses other hosts, schemes, ports and credentials with 403', () => {
    for (const url of [
      'https://example.com/index.html',
      'https://airlock.local.evil.com/index.html',
      'https://evil.airlock.local/index.html',
      'https://airlock.local:8443/index.html',
      'https://user:pw@airlock.local/index.html',
      'http://airlock.local/index.html',
      'https://127.0.0.1/index.html',
      'not a url',
    ]) {
      const r = resolveConsolePath(ROOT, url);
      assert.equal(r.ok, false, url);
      if (!r.ok) {
        assert.equal(r.status, 403, url);
        assert.equal(r.code, 'NOT_CONSOLE_ORIGIN', url);
      }
    }
  });

  test('refuses traversal, plain and encoded', () => {
    const cases = [
      '/../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/etc/passwd',
      '/assets/..%2f..%2fetc%2fpasswd',
      '/..%2fmain%2fmain.js',
      '/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/..%5c..%5cetc%5cpasswd',
      '/assets/%252e%252e/x.js',
      '/.%2e/x.js',
    ];
    for (const p of cases) {
      const r = resolveConsolePath(ROOT, `${O}${p}`);
      if (r.ok) {
        // The WHATWG parser folds literal dot segments: what is left must still be under the root.
        assert.ok(r.path.startsWith(`${ROOT}/`), `${p} resolved to ${r.path}`);
        assert.ok(!r.path.includes('/etc/passwd') || r.path === `${ROOT}/etc/passwd`, p);
      } else {
        assert.ok([400, 403, 404].includes(r.status), p);
      }
    }
    const enc = resolveConsolePath(ROOT, `${O}/assets/..%2f..%2fetc%2fpasswd`);
    assert.ok(!enc.ok && enc.code === 'BAD_PATH');
    const dbl = resolveConsolePath(ROOT, `${O}/assets/%252e%252e/x.js`);
    assert.ok(dbl.ok, 'decoded once: a double-encoded dot segment is the literal name "%2e%2e"');
    assert.equal(dbl.path, `${ROOT}/assets/%2e%2e/x.js`);
  });

  test('refuses NUL, control characters, backslashes and malformed escapes', () => {
    for (const p of [
      '/index.html%00.js',
      '/a%00/index.html',
      '/a%0a.js',
      '/a%5cb.js',
      '/bad%zz.js',
      '/%c3%28.js',
    ]) {
      const r = resolveConsolePath(ROOT, `${O}${p}`);
      assert.ok(!r.ok && r.code === 'BAD_PATH', p);
    }
  });

  test('refuses dotfiles, empty segments, directories and unknown types', () => {
    assert.ok(!resolveConsolePath(ROOT, `${O}/.env`).ok);
    assert.ok(!resolveConsolePath(ROOT, `${O}/assets//app.js`).ok);
    assert.ok(!resolveConsolePath(ROOT, `${O}/assets/`).ok);
    const noType = resolveConsolePath(ROOT, `${O}/main.node`);
    assert.ok(!noType.ok && noType.code === 'UNKNOWN_TYPE');
    assert.ok(!resolveConsolePath(ROOT, `${O}/Makefile`).ok);
  });

  test('refuses query strings and methods other than GET/HEAD', () => {
    const q = resolveConsolePath(ROOT, `${O}/index.html?x=1`);
    assert.ok(!q.ok && q.code === 'QUERY_REFUSED' && q.status === 400);
    const q2 = resolveConsolePath(ROOT, `${O}/index.html?`);
    assert.ok(q2.ok, 'an empty query is no query (the parser drops it)');
    const post = resolveConsolePath(ROOT, `${O}/index.html`, 'POST');
    assert.ok(!post.ok && post.status === 405);
    assert.ok(resolveConsolePath(ROOT, `${O}/index.html`, 'HEAD').ok);
    assert.ok(
      resolveConsolePath(ROOT, `${O}/index.html#frag`).ok,
      'a fragment never reaches the handler anyway',
    );
  });
});

describe('consoleHeaders', () => {
  test('the strict CSP and nosniff on every response', () => {
    const h = consoleHeaders('text/html; charset=utf-8');
    assert.equal(h['Content-Security-Policy'], CONSOLE_CSP);
    assert.equal(h['X-Content-Type-Options'], 'nosniff');
    assert.equal(
      CONSOLE_CSP,
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' " +
        "blob: mediastream:; worker-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'none'",
    );
  });

  test("the CSP is the one in app/renderer/index.html's meta tag", async () => {
    const html = await readFile(new URL('../../../app/renderer/index.html', import.meta.url), 'utf8');
    const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    assert.ok(m, 'index.html has a CSP meta tag');
    const norm = (s: string) =>
      s
        .split(';')
        .map((d) => d.trim().replace(/\s+/g, ' '))
        .filter(Boolean)
        .join('; ');
    assert.equal(norm(m[1] ?? ''), norm(CONSOLE_CSP));
  });
});

describe('serveConsoleRequest (real files)', () => {
  let base: string;
  let root: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'airlock-console-'));
    root = join(base, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Airlock</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1);');
    await writeFile(join(base, 'secret.json'), '{"pin":"1234"}');
    await symlink(join(base, 'secret.json'), join(root, 'leak.json'));
    await symlink(join(root, 'index.html'), join(root, 'alias.html'));
    await mkdir(join(root, 'dir.js'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test('serves a file with its type, the CSP and nosniff', async () => {
    const res = await serveConsoleRequest(root, { url: `${O}/index.html`, method: 'GET' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await res.text(), '<!doctype html><title>Airlock</title>');
    const js = await serveConsoleRequest(root, { url: `${O}/assets/app.js`, method: 'GET' });
    assert.equal(js.status, 200);
    assert.equal(await js.text(), 'console.log(1);');
  });

  test('HEAD has the headers and no body', async () => {
    const res = await serveConsoleRequest(root, { url: `${O}/`, method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  test('refuses symlinks (inside or out), directories, missing files and other hosts', async () => {
    const seen: string[] = [];
    const on = (r: { code: string }) => seen.push(r.code);
    const leak = await serveConsoleRequest(root, { url: `${O}/leak.json`, method: 'GET' }, on);
    assert.equal(leak.status, 403);
    assert.doesNotMatch(await leak.text(), /1234/);
    assert.equal(
      (await serveConsoleRequest(root, { url: `${O}/alias.html`, method: 'GET' }, on)).status,
      403,
    );
    assert.equal((await serveConsoleRequest(root, { url: `${O}/dir.js`, method: 'GET' }, on)).status, 403);
    assert.equal((await serveConsoleRequest(root, { url: `${O}/nope.js`, method: 'GET' }, on)).status, 404);
    const other = await serveConsoleRequest(
      root,
      { url: 'https://example.com/index.html', method: 'GET' },
      on,
    );
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('content-security-policy'), CONSOLE_CSP);
    const trav = await serveConsoleRequest(root, { url: `${O}/..%2fsecret.json`, method: 'GET' }, on);
    assert.notEqual(trav.status, 200);
    assert.deepEqual(seen, [
      'NOT_A_FILE',
      'NOT_A_FILE',
      'NOT_A_FILE',
      'NOT_FOUND',
      'NOT_CONSOLE_ORIGIN',
      'BAD_PATH',
    ]);
  });

  test('refuses a root that is itself reached through a link to elsewhere', async () => {
    const linked = join(base, 'linked-root');
    await symlink(root, linked);
    const res = await serveConsoleRequest(linked, { url: `${O}/index.html`, method: 'GET' });
    assert.equal(res.status, 200, 'a linked root is fine: both sides are compared by real path');
  });
});
