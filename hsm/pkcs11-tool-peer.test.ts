/**
 * An independent peer looks at what the key ceremony created: OpenSC's `pkcs11-tool --list-objects`
 * (a different PKCS#11 client) must see sign-only, sensitive, never-extractable private keys.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createTestHsm, type TestHsm } from '../test-support/softhsm.js';
import { DEFAULT_PKCS11_MODULE } from './constants.js';
import { generateKeyPair } from './keys.js';

let hsm: TestHsm;

before(async () => {
  hsm = await createTestHsm(['airlock-peer']);
  await hsm.module.token('airlock-peer').withSession(
    hsm.tokens[0]!.userPin,
    (s) => {
      generateKeyPair(s, { curve: 'secp256k1', label: 'peer-k1' });
      generateKeyPair(s, { curve: 'ed25519', label: 'peer-ed' });
    },
    { readWrite: true },
  );
});
after(() => hsm.cleanup());

/** The blocks pkcs11-tool prints, one per object. */
function listObjects(): { header: string; fields: Map<string, string> }[] {
  const out = execFileSync(
    'pkcs11-tool',
    [
      '--module',
      DEFAULT_PKCS11_MODULE,
      '--token-label',
      'airlock-peer',
      '--login',
      '--pin',
      hsm.tokens[0]!.userPin,
      '--list-objects',
    ],
    { env: { ...process.env, SOFTHSM2_CONF: hsm.confPath }, encoding: 'utf8' },
  );
  const blocks: { header: string; fields: Map<string, string> }[] = [];
  for (const line of out.split('\n')) {
    if (/^\S/.test(line)) blocks.push({ header: line.trim(), fields: new Map() });
    else {
      const m = /^\s+([A-Za-z_ ]+):\s+(.*)$/.exec(line);
      if (m && blocks.length) blocks[blocks.length - 1]!.fields.set(m[1]!.trim(), m[2]!.trim());
    }
  }
  return blocks;
}

test('pkcs11-tool sees each private key as sign-only, sensitive, always sensitive, never extractable', () => {
  const privates = listObjects().filter((b) => b.header.startsWith('Private Key Object'));
  assert.deepEqual(privates.map((b) => b.fields.get('label')).sort(), ['peer-ed', 'peer-k1']);
  for (const key of privates) {
    const label = key.fields.get('label');
    assert.equal(key.fields.get('Usage'), 'sign', `${label}: usage`);
    const access = (key.fields.get('Access') ?? '').split(',').map((s) => s.trim());
    for (const want of ['sensitive', 'always sensitive', 'never extractable', 'local']) {
      assert.ok(access.includes(want), `${label}: access lacks "${want}" (${access.join(', ')})`);
    }
    assert.ok(!access.includes('extractable'), `${label}: must not be extractable`);
  }
});

test('pkcs11-tool sees the secp256k1 OID and the Ed25519 OID on the public keys, usage verify only', () => {
  const publics = listObjects().filter((b) => b.header.startsWith('Public Key Object'));
  const byLabel = new Map(publics.map((b) => [b.fields.get('label'), b]));
  assert.match(byLabel.get('peer-k1')?.fields.get('EC_PARAMS') ?? '', /^06052b8104000a/);
  assert.match(byLabel.get('peer-ed')?.fields.get('EC_PARAMS') ?? '', /^06032b6570/);
  for (const b of publics) assert.equal(b.fields.get('Usage'), 'verify');
});
