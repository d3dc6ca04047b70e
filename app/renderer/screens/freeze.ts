/**
 * The freeze dialog, opened from the red header button (or Alt+F) on every screen: an admin and a
 * reason (`freeze:begin` gives the motion's challenge), then the admin's card PIN and biometric step
 * (WebAuthn over the challenge), then `motion:approve`, which carries the freeze out at once. A native modal <dialog>: focus stays inside,
 * Escape cancels, Enter submits. The PIN field is cleared when read, on error and on close.
 */
import type { ChallengeView } from '../../common/ipc-contract.js';
import type { Ctx } from '../app.js';
import { call } from '../bridge.js';
import { busy, facts, field, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { cardPinInput, submitFactors } from '../factors.js';

export function createFreezeDialog(ctx: Ctx): { el: HTMLDialogElement; open(): void } {
  const errors = new ErrorSlot('freeze-error');
  const body = h('div', {});
  const dialog = h(
    'dialog',
    { class: 'freeze-dialog', testid: 'freeze-dialog', 'aria-labelledby': 'freeze-title' },
    h('h2', { id: 'freeze-title' }, 'Freeze the appliance'),
    h(
      'p',
      {},
      'A freeze stops all signing at once. One admin freezes; only the quorum of operators can unfreeze.',
    ),
    body,
    errors.el,
  ) as HTMLDialogElement;
  let pinInput: HTMLInputElement | null = null;
  dialog.addEventListener('close', () => {
    if (pinInput) pinInput.value = '';
    pinInput = null;
    body.replaceChildren();
    errors.clear();
  });

  const cancelButton = (): HTMLElement =>
    h('button', { type: 'button', testid: 'freeze-cancel', onclick: () => dialog.close() }, 'Cancel (Esc)');

  function firstStep(): void {
    const admins = (ctx.status?.operators ?? []).filter((o) => o.role === 'admin');
    const select = h(
      'select',
      { testid: 'freeze-operator', required: true },
      ...admins.map((o) => h('option', { value: o.id }, `${o.id}${o.cardPresent ? '' : ' — no card'}`)),
    ) as HTMLSelectElement;
    const reason = h('textarea', {
      testid: 'freeze-reason',
      rows: '3',
      required: true,
      maxlength: '500',
    }) as HTMLTextAreaElement;
    // Enter submits (Shift+Enter for a new line in the reason).
    reason.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    const begin = h(
      'button',
      { type: 'submit', class: 'danger', testid: 'freeze-begin' },
      'Continue',
    ) as HTMLButtonElement;
    const form = h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          errors.clear();
          const why = reason.value.trim();
          if (!select.value || why.length === 0) {
            errors.show({
              kind: 'invalid-request',
              code: 'INPUT_MISSING',
              message: select.value ? 'give the reason for the freeze' : 'no admin operator is enrolled',
              field: select.value ? 'reason' : 'operatorId',
            });
            (select.value ? reason : select).focus();
            return;
          }
          const r = await busy(begin, () => call('freeze:begin', { operatorId: select.value, reason: why }));
          if (!r.ok) {
            errors.show(r.error, 'freeze');
            return;
          }
          pinStep(r.value, why);
        },
      },
      field('Admin operator', select),
      field('Reason', reason, 'Recorded in the audit log and shown on every screen.'),
      h('div', { class: 'buttons' }, begin, cancelButton()),
    );
    replace(
      body,
      admins.length === 0 ? h('p', { class: 'notice' }, 'No admin operator is enrolled.') : null,
      form,
    );
    select.focus();
  }

  function pinStep(challenge: ChallengeView, reason: string): void {
    const pin = cardPinInput('freeze-pin');
    pinInput = pin;
    const submit = h(
      'button',
      { type: 'submit', class: 'danger', testid: 'freeze-submit' },
      'Freeze now',
    ) as HTMLButtonElement;
    const step = h(
      'p',
      { class: 'hint', 'aria-live': 'polite', testid: 'freeze-step' },
      'Enter the card PIN, then touch the authenticator.',
    );
    const form = h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const frozen = await submitFactors({
            challenge,
            pinInput: pin,
            button: submit,
            step,
            errors,
            context: 'freeze',
            failed: 'Not frozen.',
            send: (value, assertion) =>
              call('motion:approve', {
                motionDigest: challenge.subjectDigest,
                operatorId: challenge.operatorId,
                pin: value,
                assertion,
              }),
          });
          if (!frozen) return;
          dialog.close();
          await ctx.refreshStatus();
        },
      },
      facts([
        ['Admin', challenge.operatorId],
        ['Card token', h('span', { class: 'mono' }, challenge.cardToken)],
        ['Reason', reason],
        ['Motion', h('span', { class: 'mono wrap small' }, challenge.subjectDigest), 'freeze-motion'],
      ]),
      field('Card PIN', pin),
      h('div', { class: 'buttons' }, submit, cancelButton()),
      step,
    );
    replace(body, form);
    pin.focus();
  }

  return {
    el: dialog,
    open() {
      if (dialog.open) return;
      errors.clear();
      firstStep();
      dialog.showModal();
      body.querySelector<HTMLElement>('select, textarea')?.focus();
    },
  };
}
