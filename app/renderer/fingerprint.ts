/**
 * The batch fingerprint as the operator must see it: large, monospace, hex and Bytewords on their
 * own lines, with the instruction to compare it with the online node's display.
 */
import { h } from './dom.js';
import { splitFingerprint } from './format.js';

export function fingerprintBlock(
  text: string,
  testid: string,
  caption = "Compare with the online node's display",
): HTMLElement {
  const { hex, words } = splitFingerprint(text);
  return h(
    'div',
    { class: 'fingerprint', testid, 'data-fingerprint': text },
    h('div', { class: 'fp-caption' }, caption),
    h('div', { class: 'fp-hex', testid: `${testid}-hex` }, hex),
    words ? h('div', { class: 'fp-words', testid: `${testid}-words` }, words) : null,
  );
}
