/**
 * Sign: enabled only when the batch's quorum is met and the appliance is not frozen (the appliance
 * checks both again: this only spares the operator a refusal). The signing PIN is entered whole or
 * as custodian shares, one a line; `batch:sign` runs while `sign:progress` events feed the bar; the
 * result lists every transaction id. The PIN and shares fields are cleared as soon as they are read.
 */
import type { BatchReview, SignedSummary } from '../../common/ipc-contract.js';
import type { Ctx, Screen } from '../app.js';
import { call, onEvent } from '../bridge.js';
import { busy, facts, field, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { fingerprintBlock } from '../fingerprint.js';
import { parseShares, quorumText, stateLabel } from '../format.js';

function summary(s: SignedSummary, ctx: Ctx): HTMLElement {
  return h(
    'section',
    { class: 'card wide', testid: 'sign-result', 'data-again': String(s.again) },
    h('h3', {}, s.again ? 'Signed before: the same result is handed out again' : 'Signed'),
    facts([
      ['Batch', h('span', { class: 'mono' }, s.batchId)],
      ['Result size', `${s.resultBytes} bytes`],
    ]),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Withdrawal'), h('th', {}, 'Chain'), h('th', {}, 'Transaction id')),
      ),
      h(
        'tbody',
        {},
        ...s.withdrawals.map((w) =>
          h(
            'tr',
            { testid: 'sign-result-row', 'data-withdrawal': w.id },
            h('td', { class: 'mono' }, w.id),
            h('td', {}, w.chain),
            h('td', { class: 'mono wrap', testid: 'sign-txid' }, w.txid),
          ),
        ),
      ),
    ),
    h(
      'button',
      { type: 'button', class: 'primary', testid: 'sign-go-export', onclick: () => ctx.go('export') },
      'Go to Export (Alt+5)',
    ),
  );
}

function form(review: BatchReview, ctx: Ctx, out: HTMLElement): HTMLElement {
  const frozen = ctx.status?.freeze.frozen ?? false;
  const allowed = review.quorumMet && !frozen && review.state !== null;
  const errors = new ErrorSlot('sign-error');
  const whole = h('input', {
    type: 'radio',
    name: 'pin-mode',
    value: 'pin',
    checked: true,
    testid: 'sign-mode-pin',
    id: 'sign-mode-pin',
  }) as HTMLInputElement;
  const shared = h('input', {
    type: 'radio',
    name: 'pin-mode',
    value: 'shares',
    testid: 'sign-mode-shares',
    id: 'sign-mode-shares',
  }) as HTMLInputElement;
  const pin = h('input', {
    type: 'password',
    autocomplete: 'off',
    testid: 'sign-pin',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const shares = h('textarea', {
    rows: '4',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'sign-shares',
    class: 'mono',
  }) as HTMLTextAreaElement;
  const pinField = field('Signing PIN', pin);
  const sharesField = field(
    'Custodian shares (one per line)',
    shares,
    'Each custodian types or scans their share on its own line.',
  );
  sharesField.hidden = true;
  const sync = (): void => {
    pinField.hidden = !whole.checked;
    sharesField.hidden = whole.checked;
  };
  whole.addEventListener('change', sync);
  shared.addEventListener('change', sync);
  const bar = h('progress', { max: '1', value: '0', testid: 'sign-progress' }) as HTMLProgressElement;
  const phase = h('span', { testid: 'sign-phase', 'aria-live': 'polite' }, 'not started');
  const button = h(
    'button',
    { type: 'submit', class: 'primary danger-strong', testid: 'sign-button', disabled: !allowed },
    'Sign the batch',
  ) as HTMLButtonElement;
  const why = allowed
    ? null
    : h(
        'p',
        { class: 'notice strong', testid: 'sign-disabled-reason' },
        frozen
          ? 'The appliance is FROZEN: nothing is signed until the quorum unfreezes it.'
          : review.quorumMet
            ? 'The appliance has no record of this batch.'
            : `The quorum is not met (${quorumText(review.approvals.length, review.policy?.required ?? null, false)}).`,
      );
  for (const el of [whole, shared, pin, shares]) (el as HTMLInputElement).disabled = !allowed;

  let off: (() => void) | null = null;
  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    if (!allowed) return;
    errors.clear();
    let request: { digest: string; pin: string } | { digest: string; shares: string[] };
    if (whole.checked) {
      request = { digest: review.digest, pin: pin.value };
      pin.value = '';
      if (request.pin.length === 0) {
        errors.show({
          kind: 'invalid-request',
          code: 'INPUT_MISSING',
          message: 'enter the signing PIN',
          field: 'pin',
        });
        pin.focus();
        return;
      }
    } else {
      request = { digest: review.digest, shares: parseShares(shares.value) };
      shares.value = '';
      if (request.shares.length < 2) {
        errors.show({
          kind: 'invalid-request',
          code: 'INPUT_MISSING',
          message: 'enter at least two custodian shares, one per line',
          field: 'shares',
        });
        shares.focus();
        return;
      }
    }
    bar.max = 1;
    bar.value = 0;
    phase.textContent = 'starting';
    off?.();
    off = onEvent('sign:progress', (p) => {
      if (p.digest !== review.digest) return;
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
      phase.textContent = `${p.phase}: ${p.done} of ${p.total}`;
      phase.dataset.phase = p.phase;
    });
    const r = await busy(button, () => call('batch:sign', request));
    request = { digest: review.digest, pin: '' };
    off?.();
    off = null;
    if (!r.ok) {
      phase.textContent = 'not signed';
      errors.show(r.error, 'signing');
      return;
    }
    bar.max = 1;
    bar.value = 1;
    phase.textContent = 'done';
    phase.dataset.phase = 'done';
    replace(out, summary(r.value, ctx));
    void ctx.refreshStatus();
  }

  return h(
    'section',
    { class: 'card' },
    h('h3', {}, 'Sign'),
    why,
    h(
      'form',
      { testid: 'sign-form', onsubmit: (e: Event) => void submit(e) },
      h(
        'fieldset',
        { class: 'modes' },
        h('legend', {}, 'Signing PIN'),
        h('label', { for: 'sign-mode-pin' }, whole, ' whole PIN'),
        h('label', { for: 'sign-mode-shares' }, shared, ' custodian shares'),
      ),
      pinField,
      sharesField,
      h('div', { class: 'buttons' }, button),
    ),
    h('div', { class: 'progress-row' }, bar, phase),
    errors.el,
  );
}

export const signScreen: Screen = {
  id: 'sign',
  title: 'Sign',
  key: '4',
  mount(root, ctx) {
    const errors = new ErrorSlot();
    const body = h('div', {});
    const out = h('div', {});
    root.append(errors.el, body, out);
    let alive = true;
    const digest = ctx.digest;
    if (digest === null) {
      body.append(h('p', { testid: 'sign-empty' }, 'Choose a batch first (Status or Review).'));
      return () => {};
    }
    void Promise.all([call('batch:review', { digest }), ctx.refreshStatus()]).then(([r]) => {
      if (!alive) return;
      if (!r.ok) {
        errors.show(r.error, 'review');
        return;
      }
      const review = r.value;
      replace(
        body,
        h(
          'section',
          { class: 'card review-head' },
          facts([
            ['Batch', h('span', { class: 'mono' }, review.batchId)],
            ['State', stateLabel(review.state), 'sign-state'],
            [
              'Approvals',
              quorumText(review.approvals.length, review.policy?.required ?? null, review.quorumMet),
              'sign-quorum',
            ],
          ]),
          fingerprintBlock(review.fingerprint, 'sign-fingerprint'),
        ),
        form(review, ctx, out),
      );
    });
    return () => {
      alive = false;
    };
  },
};
