/** The console's pure formatting and error rows (format.ts, errors.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorView } from '../common/ipc-contract.js';
import { RendererError, toErrorView } from './errors.js';
import {
  errorHeadline,
  errorRows,
  formatBytes,
  formatTime,
  parseShares,
  pinHint,
  quorumText,
  shorten,
  shortHash,
  splitFingerprint,
  stateLabel,
  withSymbol,
} from './format.js';

describe('console formatting', () => {
  it('shortens hashes and text with an ellipsis only when cut', () => {
    assert.equal(shortHash('ab'.repeat(32), 12), 'abababababab…');
    assert.equal(shortHash('abc', 12), 'abc');
    assert.equal(shortHash(null), '—');
    assert.equal(shorten('hello world', 6), 'hello…');
    assert.equal(shorten('hello', 5), 'hello');
    assert.throws(() => shorten('x', 0), RangeError);
  });

  it('formats bytes in powers of 1000', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(4_900), '4.9 kB');
    assert.equal(formatBytes(1_250_000), '1.3 MB');
    assert.throws(() => formatBytes(-1), RangeError);
  });

  it('shows times in UTC whatever the time zone, and leaves non-dates alone', () => {
    assert.equal(formatTime('2025-01-31T14:05:09.123+01:00'), '2025-01-31 13:05:09 UTC');
    assert.equal(formatTime('not a date'), 'not a date');
    assert.equal(formatTime(null), '—');
  });

  it('splits a fingerprint into hex and Bytewords', () => {
    assert.deepEqual(splitFingerprint('3f2a-9c41-07be-d5e8 (fish zoom able keys)'), {
      hex: '3f2a-9c41-07be-d5e8',
      words: 'fish zoom able keys',
    });
    assert.deepEqual(splitFingerprint('3f2a-9c41-07be-d5e8'), { hex: '3f2a-9c41-07be-d5e8', words: '' });
    assert.deepEqual(splitFingerprint('something else'), { hex: 'something else', words: '' });
  });

  it('words the quorum', () => {
    assert.equal(quorumText(3, 3, true), 'quorum met');
    assert.equal(quorumText(1, 3, false), '1 of 3 approvals');
    assert.equal(quorumText(1, null, false), '1 approval, no quorum possible');
    assert.equal(quorumText(0, null, false), '0 approvals, no quorum possible');
  });

  it('reads one custodian share a line, ignoring blank lines and CRLF', () => {
    assert.deepEqual(parseShares('  a1b2 \r\n\r\nc3d4\n   \n'), ['a1b2', 'c3d4']);
    assert.deepEqual(parseShares(''), []);
  });

  it('writes an amount with its symbol exactly once', () => {
    assert.equal(withSymbol('0.0215 BTC', 'BTC'), '0.0215 BTC');
    assert.equal(withSymbol('2500', 'USDC'), '2500 USDC');
    assert.equal(withSymbol('2500 usdc', 'USDC'), '2500 usdc');
    assert.equal(withSymbol('12 BTCX', 'BTC'), '12 BTCX BTC');
    assert.equal(withSymbol('7', ''), '7');
  });

  it('labels batch states', () => {
    assert.equal(stateLabel('approved'), 'APPROVED');
    assert.equal(stateLabel(null), 'unknown');
  });
});

describe('error panel rows', () => {
  const refusal: ErrorView = {
    kind: 'refused',
    code: 'CROSSCHECK_MISMATCH',
    message: 'the transaction pays another address than the batch claims',
    withdrawalId: 'w-2',
    field: 'destination',
    expected: 'bc1qexpected',
    found: 'bc1qfound',
  };

  it('names code, message, withdrawal, field, expected and found, in that order', () => {
    assert.deepEqual(
      errorRows(refusal).map((r) => [r.key, r.value]),
      [
        ['code', 'CROSSCHECK_MISMATCH'],
        ['message', 'the transaction pays another address than the batch claims'],
        ['withdrawalId', 'w-2'],
        ['field', 'destination'],
        ['expected', 'bc1qexpected'],
        ['found', 'bc1qfound'],
      ],
    );
    assert.equal(errorHeadline(refusal), 'REFUSED');
  });

  it('leaves out what is absent and titles each family', () => {
    const pin: ErrorView = { kind: 'pin', code: 'PIN_LOCKED_OUT', message: 'locked' };
    assert.deepEqual(
      errorRows(pin).map((r) => r.key),
      ['code', 'message'],
    );
    assert.equal(errorHeadline(pin), 'PIN NOT ACCEPTED');
    assert.equal(errorHeadline({ ...pin, kind: 'policy' }), 'REFUSED');
    assert.equal(errorHeadline({ ...pin, kind: 'hsm' }), 'TOKEN ERROR');
    assert.equal(errorHeadline({ ...pin, kind: 'internal' }), 'ERROR');
  });

  it('explains wrong and locked PINs in plain words', () => {
    assert.match(pinHint({ kind: 'pin', code: 'PIN_LOCKED_OUT', message: '' }) ?? '', /locked/);
    assert.match(pinHint({ kind: 'pin', code: 'PIN_INCORRECT', message: '' }) ?? '', /wrong/);
    assert.equal(pinHint({ kind: 'refused', code: 'PIN_INCORRECT', message: '' }), null);
  });

  it('turns the renderer’s own errors and anything thrown into an ErrorView', () => {
    assert.deepEqual(toErrorView(new RendererError('INPUT_MISSING', 'enter the PIN', 'pin')), {
      kind: 'invalid-request',
      code: 'INPUT_MISSING',
      message: 'enter the PIN',
      field: 'pin',
    });
    assert.deepEqual(toErrorView(new RendererError('CAMERA_UNAVAILABLE', 'no camera')), {
      kind: 'internal',
      code: 'CAMERA_UNAVAILABLE',
      message: 'no camera',
    });
    const coded = Object.assign(new Error('bad frame'), { code: 'QR_DATA_TOO_LARGE' });
    assert.equal(toErrorView(coded).code, 'QR_DATA_TOO_LARGE');
    assert.equal(toErrorView(new TypeError('x')).code, 'TypeError');
    assert.deepEqual(toErrorView('text'), { kind: 'internal', code: 'ERROR', message: 'text' });
  });
});
