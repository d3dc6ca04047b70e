/**
 * One operator's approval of the batch under review: pick the operator, ask the appliance for the
 * challenge (`approval:challenge`), show what is approved (the fingerprint), take the card PIN, then
 * the biometric step (WebAuthn over the challenge, the operator's credential only), and hand both to
 * `approval:submit`. The PIN is read once, the field cleared at once (before the slow steps) and on
 * every error; the string is dropped as soon as the request is sent. Enter submits, Escape cancels.
 */
import type { BatchReview, ChallengeView, OperatorView } from '../../common/ipc-contract.js';
import { call } from '../bridge.js';
import { busy, field, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { cardPinInput, submitFactors } from '../factors.js';
import { fingerprintBlock } from '../fingerprint.js';

export function approvePanel(
  review: BatchReview,
  operators: readonly OperatorView[],
  onApproved: (review: BatchReview) => void,
): HTMLElement {
  const errors = new ErrorSlot('approve-error');
  const body = h('div', {});
  const panel = h(
    'section',
    { class: 'card approve', testid: 'approve-panel', 'aria-labelledby': 'approve-title' },
    h('h3', { id: 'approve-title' }, 'Approve'),
    body,
    errors.el,
  );
  const approved = new Set(review.approvals.map((a) => a.operatorId));

  function chooseStep(): void {
    const select = h('select', { testid: 'approve-operator', name: 'operator' }) as HTMLSelectElement;
    for (const o of operators) {
      const done = approved.has(o.id);
      select.append(
        h(
          'option',
          { value: o.id, disabled: done },
          `${o.id} (${o.role})${done ? ' — approved' : o.cardPresent ? '' : ' — no card'}`,
        ),
      );
    }
    const firstOpen = operators.find((o) => !approved.has(o.id));
    if (firstOpen) select.value = firstOpen.id;
    const begin = h(
      'button',
      { type: 'submit', class: 'primary', testid: 'approve-begin' },
      'Begin approval',
    );
    const form = h(
      'form',
      { class: 'inline-form', onsubmit: (e: Event) => void start(e, select.value, begin) },
      field('Operator', select),
      begin,
    );
    replace(
      body,
      operators.length === 0
        ? h('p', {}, 'No operator is enrolled.')
        : firstOpen
          ? form
          : h(
              'p',
              { class: 'hint', testid: 'approve-all-done' },
              'Every enrolled operator has approved this batch.',
            ),
    );
  }

  async function start(e: Event, operatorId: string, button: HTMLButtonElement): Promise<void> {
    e.preventDefault();
    errors.clear();
    const r = await busy(button, () =>
      call('approval:challenge', { subject: 'batch', digest: review.digest, operatorId }),
    );
    if (!r.ok) {
      errors.show(r.error, `approval by ${operatorId}`);
      return;
    }
    pinStep(r.value);
  }

  function pinStep(challenge: ChallengeView): void {
    const pin = cardPinInput('approve-pin');
    const submit = h(
      'button',
      { type: 'submit', class: 'primary', testid: 'approve-submit' },
      'Approve with card PIN and biometric',
    );
    const cancel = h(
      'button',
      { type: 'button', testid: 'approve-cancel', onclick: () => cancelStep() },
      'Cancel (Esc)',
    );
    const status = h(
      'p',
      { class: 'hint', testid: 'approve-step', 'aria-live': 'polite' },
      'Enter the card PIN, then touch the authenticator.',
    );
    const form = h(
      'form',
      {
        testid: 'approve-form',
        onsubmit: (ev: Event) => void submitApproval(ev, challenge, pin, submit, status),
        onkeydown: (ev: KeyboardEvent) => {
          if (ev.key === 'Escape') {
            ev.preventDefault();
            cancelStep();
          }
        },
      },
      h(
        'div',
        { class: 'approve-step' },
        h(
          'div',
          {},
          h(
            'p',
            { class: 'strong' },
            `Operator ${challenge.operatorId} approves this batch (card token `,
            h('span', { class: 'mono' }, challenge.cardToken),
            '):',
          ),
          fingerprintBlock(
            challenge.fingerprint ?? review.fingerprint,
            'approve-fingerprint',
            'You approve the batch with this fingerprint',
          ),
        ),
        h('div', {}, field('Card PIN', pin), h('div', { class: 'buttons' }, submit, cancel), status),
      ),
    );
    replace(body, form);
    pin.focus();
  }

  function cancelStep(): void {
    errors.clear();
    chooseStep();
    body.querySelector<HTMLElement>('select')?.focus();
  }

  async function submitApproval(
    e: Event,
    challenge: ChallengeView,
    pinInput: HTMLInputElement,
    button: HTMLButtonElement,
    status: HTMLElement,
  ): Promise<void> {
    e.preventDefault();
    const approved = await submitFactors({
      challenge,
      pinInput,
      button,
      step: status,
      errors,
      context: `approval by ${challenge.operatorId}`,
      failed: 'Not approved.',
      send: (pin, assertion) =>
        call('approval:submit', { digest: review.digest, operatorId: challenge.operatorId, pin, assertion }),
    });
    if (approved) onApproved(approved);
  }

  chooseStep();
  return panel;
}
