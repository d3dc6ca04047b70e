/**
 * PSBTs as URs (BCR-2020-006 `crypto-psbt` and `psbt`: the PSBT in a CBOR byte string), against the
 * BCR-2020-006 examples and Blockstream Jade's self-check (main/selfcheck.c): single part, the
 * two-part upper-case stream Jade renders, any two of the first three parts, and Jade's list of
 * strings a UR decoder must refuse without crashing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, hex, psbtInterop } from './bc-ur-vectors.node.js';
import {
  cborBytes,
  cborBytesValue,
  decodeUr,
  encodeUr,
  UrDecoder,
  UrError,
  UrFountainEncoder,
} from './index.js';

test('single-part crypto-psbt and psbt URs (BCR-2020-006) decode to the BIP-174 creator PSBT', () => {
  assert.equal(psbtInterop.cryptoPsbtSinglePart.length, 2);
  for (const v of psbtInterop.cryptoPsbtSinglePart) {
    const { type, cbor } = decodeUr(v.ur);
    assert.equal(type, v.type);
    assert.equal(hex(cbor), v.cborHex);
    assert.equal(hex(cborBytesValue(cbor)), v.psbtHex);
    assert.equal(hex(cborBytesValue(cbor).subarray(0, 5)), '70736274ff'); // "psbt" 0xff
    assert.equal(encodeUr(v.type, cborBytes(fromHex(v.psbtHex))), v.ur);
    assert.deepEqual(decodeUr(v.ur.toUpperCase()), { type, cbor });
    const decoder = new UrDecoder();
    assert.equal(decoder.receive(v.ur.toUpperCase()), 'accepted');
    assert.equal(hex(cborBytesValue(decoder.result().cbor)), v.psbtHex);
  }
});

test('Jade multipart crypto-psbt: our encoder gives exactly its two (upper-cased) parts', () => {
  const v = psbtInterop.cryptoPsbtMultiPart;
  const cbor = fromHex(v.cborHex);
  assert.equal(hex(cborBytesValue(cbor)), v.psbtHex);
  const encoder = new UrFountainEncoder(v.type, cbor, {
    maxFragmentLength: v.maxFragmentLen,
    firstSeqNum: v.firstSeqNum,
  });
  assert.equal(encoder.fragmentCount, 2);
  const ours = [encoder.nextPart(), encoder.nextPart()];
  assert.deepEqual(
    ours.map((p) => p.toUpperCase()),
    v.parts,
  );
  assert.ok(ours.every((p) => p === p.toLowerCase()));
});

test('Jade multipart crypto-psbt decodes from upper case; any two of the first three parts suffice', () => {
  const v = psbtInterop.cryptoPsbtMultiPart;
  const encoder = new UrFountainEncoder(v.type, fromHex(v.cborHex), { maxFragmentLength: v.maxFragmentLen });
  encoder.nextPart();
  encoder.nextPart();
  const third = encoder.nextPart().toUpperCase();
  assert.match(third, /^UR:CRYPTO-PSBT\/3-2\//);
  const three = [v.parts[0]!, v.parts[1]!, third];
  for (const [i, j] of [
    [0, 1],
    [1, 0],
    [0, 2],
    [2, 0],
    [1, 2],
    [2, 1],
  ] as const) {
    const decoder = new UrDecoder();
    assert.equal(decoder.receive(three[i]!), 'accepted');
    assert.equal(decoder.receive(three[j]!), 'accepted');
    assert.ok(decoder.isComplete(), `parts ${i + 1} and ${j + 1}`);
    const { type, cbor } = decoder.result();
    assert.equal(type, 'crypto-psbt');
    assert.equal(hex(cborBytesValue(cbor)), v.psbtHex);
  }
});

test("Jade's bad cases are refused by decodeUr (UrError) and are 'corrupt' to the decoder", () => {
  assert.equal(psbtInterop.mustReject.length, 8);
  const decoder = new UrDecoder();
  for (const { text } of psbtInterop.mustReject) {
    assert.throws(() => decodeUr(text), UrError, text);
    assert.equal(decoder.receive(text), 'corrupt', text);
    assert.equal(decoder.receive(text.toUpperCase()), 'corrupt', text);
  }
  assert.equal(decoder.progress().state, 'waiting');
  assert.equal(decoder.progress().framesIgnored, 16);
});
