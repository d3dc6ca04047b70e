/**
 * Operators: who is enrolled (id, role, card token, card present, WebAuthn credential), and, during
 * the key ceremony (`status.enrolment.open`: until the first policy is installed), the enrolment of
 * a new operator: an id, a role, a free operator card and its PIN, then the registration of the
 * operator's authenticator. Flow: check the form → `operator:enrol-begin` (the registration options)
 * → navigator.credentials.create → `operator:enrol-complete` (the appliance makes the operator's key
 * on the card with its PIN and records the enrolment) → status refreshed.
 *
 * After the first policy (`status.enrolment.byMotion`) the same form proposes the enrolment as an
 * operator-enroll motion (the card key and the registered authenticator go into it); the quorum
 * approves it in Motions. The PIN is read once and its field cleared at once (before the slow steps) and
 * on every outcome. The form is built once and never redrawn while shown (a poll only updates the
 * card list), so typing is never lost. Enter submits (from the selects too).
 */

import type { ApplianceStatus, ErrorView, OperatorView } from '../../common/ipc-contract.js';
import type { Ctx, Screen } from '../app.js';
import { call } from '../bridge.js';
import { busy, field, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { toErrorView } from '../errors.js';
import { shortHash } from '../format.js';
import { pollStatus } from '../status-poll.js';
import { createRegistration } from '../webauthn.js';

/** An operator id: 1-32 of a-z 0-9 . _ -, starting with a letter or digit (as the appliance checks it). */
export const OPERATOR_ID_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;
/** The same rule for the input's `pattern` attribute (compiled with the v flag: `-` escaped). */
const OPERATOR_ID_PATTERN = '[a-z0-9][a-z0-9._\\-]{0,31}';

export type Role = 'operator' | 'admin';

export interface EnrolmentInput {
  readonly operatorId: string;
  readonly role: Role;
  readonly cardToken: string;
  readonly pin: string;
}

/**
 * The form's values checked before anything is asked of the appliance: the enrolment, or the
 * ErrorView naming the first field that is missing or wrong. Pure.
 */
export function checkEnrolment(
  raw: { operatorId: string; role: string; cardToken: string; pin: string },
  enrolled: readonly Pick<OperatorView, 'id' | 'cardToken'>[],
  freeCards: readonly string[],
): EnrolmentInput | ErrorView {
  const invalid = (code: 'INPUT_MISSING' | 'INPUT_INVALID', field: string, message: string, found?: string) =>
    ({
      kind: 'invalid-request',
      code,
      message,
      field,
      ...(found === undefined ? {} : { found }),
    }) satisfies ErrorView;
  const operatorId = raw.operatorId.trim();
  if (operatorId.length === 0) return invalid('INPUT_MISSING', 'operatorId', 'enter the new operator’s id');
  if (!OPERATOR_ID_RE.test(operatorId))
    return {
      ...invalid(
        'INPUT_INVALID',
        'operatorId',
        'an operator id is 1-32 characters of a-z 0-9 . _ -, starting with a letter or digit',
        operatorId,
      ),
      expected: 'a-z 0-9 . _ - (1-32, first a letter or digit)',
    };
  if (enrolled.some((o) => o.id === operatorId))
    return invalid(
      'INPUT_INVALID',
      'operatorId',
      `operator ${operatorId} is already enrolled (re-keying is a governance motion)`,
      operatorId,
    );
  if (raw.role !== 'operator' && raw.role !== 'admin')
    return invalid('INPUT_INVALID', 'role', 'the role must be operator or admin', raw.role);
  if (raw.cardToken === '')
    return invalid(
      'INPUT_MISSING',
      'cardToken',
      freeCards.length === 0
        ? 'no free operator card is present: put in a configured operator card that holds no operator key'
        : 'choose the operator’s card',
    );
  if (!freeCards.includes(raw.cardToken))
    return invalid(
      'INPUT_INVALID',
      'cardToken',
      `card "${raw.cardToken}" is no longer a free operator card here (taken out, or it holds a key)`,
      raw.cardToken,
    );
  if (raw.pin.length === 0) return invalid('INPUT_MISSING', 'pin', 'enter the card PIN');
  return { operatorId, role: raw.role, cardToken: raw.cardToken, pin: raw.pin };
}

function isErrorView(v: EnrolmentInput | ErrorView): v is ErrorView {
  return 'code' in v;
}

function operatorsTable(operators: readonly OperatorView[]): HTMLElement {
  return h(
    'table',
    { testid: 'operators-list', class: 'operators' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Operator'),
        h('th', {}, 'Role'),
        h('th', {}, 'Card token'),
        h('th', {}, 'Card'),
        h('th', { title: 'WebAuthn credential id' }, 'Credential'),
      ),
    ),
    h(
      'tbody',
      {},
      operators.length === 0
        ? h('tr', {}, h('td', { colspan: '5', testid: 'operators-empty' }, 'No operator is enrolled yet.'))
        : null,
      ...operators.map((o) =>
        h(
          'tr',
          { testid: 'operators-row', 'data-operator': o.id },
          h('td', { class: 'strong wrap' }, o.id),
          h('td', {}, o.role),
          h('td', { class: 'mono nowrap' }, o.cardToken),
          h(
            'td',
            {},
            h(
              'span',
              {
                class: o.cardPresent ? 'badge ok' : 'badge bad',
                testid: 'operators-card-present',
                'data-value': o.cardPresent ? 'yes' : 'no',
              },
              o.cardPresent ? 'present' : 'no card',
            ),
          ),
          h(
            'td',
            { class: 'mono small', title: o.credentialId, testid: 'operators-credential' },
            shortHash(o.credentialId, 12),
          ),
        ),
      ),
    ),
  );
}

function closedNotice(): HTMLElement {
  const cmd = (text: string) => h('code', { class: 'cmd' }, text);
  return h(
    'div',
    { class: 'notice', testid: 'enrol-closed' },
    h('p', { class: 'strong' }, 'The first policy is installed: the key ceremony is over.'),
    h(
      'p',
      {},
      'Enrolling a new operator is now a governance motion, on the appliance’s command line. Propose it (this makes the operator’s card key and WebAuthn credential now):',
    ),
    cmd('airlock operator enroll --id ID --role operator|admin --card-token TOKEN'),
    h('p', {}, 'The quorum (the policy’s M operators, one of them an admin) approves it:'),
    cmd('airlock motion approve MOTION --operator ID'),
    h('p', {}, 'See docs/governance.md.'),
  );
}

/** The enrolment form; `update` refreshes what comes from the status without touching what is typed. */
function enrolForm(
  ctx: Ctx,
  mode: 'ceremony' | 'motion',
): { el: HTMLElement; update(s: ApplianceStatus): void } {
  const errors = new ErrorSlot('enrol-error');
  const id = h('input', {
    type: 'text',
    testid: 'enrol-id',
    name: 'operator-id',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: '32',
    pattern: OPERATOR_ID_PATTERN,
    required: true,
  }) as HTMLInputElement;
  const role = h(
    'select',
    { testid: 'enrol-role', name: 'role' },
    h('option', { value: 'operator' }, 'operator'),
    h('option', { value: 'admin' }, 'admin'),
  ) as HTMLSelectElement;
  const card = h('select', { testid: 'enrol-card', name: 'card-token' }) as HTMLSelectElement;
  const noCard = h(
    'p',
    { class: 'notice', testid: 'enrol-no-card', role: 'status', hidden: true },
    'No free operator card is present. Put in an operator card configured in airlock.json that holds no operator key yet; it shows up here within a few seconds.',
  );
  const pin = h('input', {
    type: 'password',
    testid: 'enrol-pin',
    name: 'card-pin',
    autocomplete: 'off',
    spellcheck: 'false',
    inputmode: 'numeric',
    required: true,
  }) as HTMLInputElement;
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', testid: 'enrol-submit' },
    mode === 'ceremony'
      ? 'Enrol with card PIN and authenticator'
      : 'Propose the enrolment (card PIN and authenticator)',
  ) as HTMLButtonElement;
  const motionNotice =
    mode === 'motion'
      ? h(
          'p',
          { class: 'notice', testid: 'enrol-motion-notice' },
          'The first policy is installed: the card key and the authenticator are made now, and the enrolment is proposed as a motion. The quorum (the policy’s M operators, an admin among them) approves it in Motions (Alt+8).',
        )
      : null;
  const step = h(
    'p',
    { class: 'hint', testid: 'enrol-step', 'aria-live': 'polite' },
    'Fill in the operator, put in their card, then touch their authenticator when asked.',
  );
  const done = h('p', { class: 'done', testid: 'enrol-done', role: 'status', hidden: true });
  let roleTouched = false;
  role.addEventListener('change', () => {
    roleTouched = true;
  });

  const form = h(
    'form',
    {
      testid: 'enrol-form',
      novalidate: true,
      onsubmit: (e: Event) => void enrol(e),
      // Enter submits from the selects too (a browser submits implicitly only from text fields).
      onkeydown: (e: KeyboardEvent) => {
        if (e.key === 'Enter' && e.target instanceof HTMLSelectElement) {
          e.preventDefault();
          form.requestSubmit();
        }
      },
    },
    h(
      'div',
      { class: 'enrol-fields' },
      field('Operator id', id, 'a-z 0-9 . _ - (up to 32), e.g. alice'),
      field('Role', role, 'An admin may freeze; every governance quorum needs one.'),
      field('Operator card', card),
      field('Card PIN', pin, 'The PIN of the card chosen: the operator’s key is made on it.'),
    ),
    motionNotice,
    noCard,
    h('div', { class: 'buttons' }, submit),
    step,
  );

  function update(s: ApplianceStatus): void {
    const chosen = card.value;
    const options = s.enrolment.freeCards.map((t) => h('option', { value: t }, t));
    const same =
      card.options.length === options.length &&
      s.enrolment.freeCards.every((t, i) => card.options[i]?.value === t);
    if (!same) {
      card.replaceChildren(...options);
      if (s.enrolment.freeCards.includes(chosen)) card.value = chosen;
    }
    noCard.hidden = s.enrolment.freeCards.length > 0;
    // The first admin is what a freeze needs: offer admin until there is one, unless chosen by hand.
    if (!roleTouched) role.value = s.operators.some((o) => o.role === 'admin') ? 'operator' : 'admin';
  }

  async function enrol(e: Event): Promise<void> {
    e.preventDefault();
    if (submit.disabled) return;
    errors.clear();
    done.hidden = true;
    const s = ctx.status;
    let secret: string | null = pin.value;
    pin.value = '';
    const checked = checkEnrolment(
      { operatorId: id.value, role: role.value, cardToken: card.value, pin: secret },
      s?.operators ?? [],
      s?.enrolment.freeCards ?? [],
    );
    if (isErrorView(checked)) {
      secret = null;
      errors.show(checked, 'enrolment');
      const controls: Record<string, HTMLElement> = { operatorId: id, role, cardToken: card, pin };
      controls[checked.field ?? 'operatorId']?.focus();
      return;
    }
    const { operatorId, cardToken } = checked;
    const who = `enrolment of ${operatorId}`;
    await busy(submit, async () => {
      try {
        step.textContent = `Asking the appliance to register ${operatorId}…`;
        const begun = await call('operator:enrol-begin', {
          operatorId,
          role: checked.role,
          cardToken,
        });
        if (!begun.ok) {
          step.textContent = 'Not enrolled.';
          errors.show(begun.error, who);
          return;
        }
        step.textContent = `Touch the authenticator of ${operatorId} to register it…`;
        const registration = await createRegistration(begun.value);
        step.textContent = `Making the key of ${operatorId} on card ${cardToken} and recording the enrolment…`;
        const r = await call('operator:enrol-complete', {
          operatorId,
          role: checked.role,
          cardToken,
          pin: secret as string,
          registration,
        });
        secret = null;
        if (!r.ok) {
          step.textContent = 'Not enrolled.';
          errors.show(r.error, who);
          pin.focus();
          return;
        }
        const enrolled = r.value.operators.find((o) => o.id === operatorId);
        step.textContent = enrolled ? 'Enrolled.' : 'Proposed.';
        done.setAttribute('data-operator', operatorId);
        done.setAttribute('data-mode', enrolled ? 'enrolled' : 'proposed');
        if (!enrolled)
          replace(
            done,
            `${operatorId}’s enrolment as ${checked.role} (card `,
            h('span', { class: 'mono' }, cardToken),
            ') is proposed: the quorum approves it in Motions (Alt+8).',
          );
        else
          replace(
            done,
            `${operatorId} is enrolled as ${checked.role} (card `,
            h('span', { class: 'mono' }, cardToken),
            enrolled ? ', credential ' : '',
            enrolled
              ? h(
                  'span',
                  { class: 'mono', title: enrolled.credentialId },
                  shortHash(enrolled.credentialId, 16),
                )
              : '',
            ')',
          );
        done.hidden = false;
        id.value = '';
        roleTouched = false;
        await ctx.refreshStatus();
        id.focus();
      } catch (err) {
        step.textContent = 'Not enrolled.';
        errors.show(toErrorView(err), who);
        pin.focus();
      } finally {
        secret = null;
        pin.value = '';
      }
    });
  }

  if (ctx.status) update(ctx.status);
  return {
    el: h('div', {}, form, errors.el, done),
    update,
  };
}

export const operatorsScreen: Screen = {
  id: 'operators',
  title: 'Operators',
  key: '7',
  mount(root, ctx) {
    const errors = new ErrorSlot();
    const list = h('div', {});
    const enrolBody = h('div', {});
    const enrolCard = h(
      'section',
      { class: 'card enrol', 'aria-labelledby': 'enrol-title' },
      h('h3', { id: 'enrol-title' }, 'Enrol an operator'),
      enrolBody,
    );
    root.append(
      errors.el,
      h(
        'div',
        { class: 'grid operators-layout' },
        enrolCard,
        h('section', { class: 'card' }, h('h3', {}, 'Enrolled operators'), list),
      ),
    );
    let shownOperators = '';
    let shownMode: 'ceremony' | 'motion' | null | undefined;
    let form: ReturnType<typeof enrolForm> | null = null;

    const draw = (s: ApplianceStatus): void => {
      const ops = JSON.stringify(s.operators);
      if (ops !== shownOperators) {
        shownOperators = ops;
        replace(list, operatorsTable(s.operators));
      }
      const mode = s.enrolment.open ? 'ceremony' : s.enrolment.byMotion ? 'motion' : null;
      if (mode !== shownMode) {
        shownMode = mode;
        form = mode ? enrolForm(ctx, mode) : null;
        replace(enrolBody, form ? form.el : closedNotice());
      }
      form?.update(s);
    };
    const poll = pollStatus(ctx, errors, draw);
    return poll.stop;
  },
};
