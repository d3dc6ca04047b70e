/** The IPC edge's sender check: the console's main frame, on the console origin, and nothing else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SENDER_REFUSED, senderRefusal } from './ipc-sender.js';

const good = { frameUrl: 'https://airlock.local/index.html', isMainFrame: true, sameWebContents: true };

test('the console main frame is accepted', () => {
  assert.equal(senderRefusal(good), null);
  assert.equal(senderRefusal({ ...good, frameUrl: 'https://airlock.local/index.html#approve' }), null);
});

test('everything else is refused with IPC_SENDER_REFUSED', () => {
  const cases = [
    { ...good, frameUrl: null },
    { ...good, isMainFrame: false },
    { ...good, sameWebContents: false },
    { ...good, frameUrl: 'https://example.com/index.html' },
    { ...good, frameUrl: 'https://airlock.local:8443/index.html' },
    { ...good, frameUrl: 'http://airlock.local/index.html' },
    { ...good, frameUrl: 'file:///opt/Airlock/index.html' },
    { ...good, frameUrl: 'about:blank' },
    { ...good, frameUrl: 'data:text/html,x' },
    { ...good, frameUrl: '' },
  ];
  for (const c of cases) {
    const e = senderRefusal(c);
    assert.ok(e, JSON.stringify(c));
    assert.equal(e.kind, 'sender');
    assert.equal(e.code, SENDER_REFUSED);
    assert.match(e.message, /^IPC refused: /);
  }
});
