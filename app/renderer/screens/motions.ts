/**
 * Motions: the quorum's open governance motions (unfreeze, policy change, operator enrolment,
 * removal or re-key, PIN unlock; `motion:list`) and one operator's approval of one of them, as on
 * the command line but with the operator's own authenticator: pick the motion and the operator
 * (enrolled, not among its approvers yet), ask for the challenge (`approval:challenge`, subject
 * motion), read what is approved (the motion id and its description), card PIN, the biometric step
 * (WebAuthn over the challenge, the operator's credential only), then `motion:approve`. The appliance
 * carries the motion out when that approval completes its quorum.
 *
 * While the appliance is frozen an "Unfreeze" card proposes the unfreeze of the freeze in force
 * (`unfreeze:propose`), or joins the one already open; it then waits in the table for the quorum.
 *
 * Invariants: the PIN is read once and its field cleared at once (before the slow steps), on every
 * error and on cancel; the string is dropped as soon as the request is sent. The forms are built once
 * and never redrawn by a poll (only the table and the options follow the appliance), so typing is
 * never lost. Enter submits (from the selects too), Escape cancels the approval step. The list is
 * read again after every action and whenever the status's open motions change.
 */
import type { ApplianceStatus, ChallengeView, MotionView, OperatorView } from '../../common/ipc-contract.js';
import type { Ctx, Screen } from '../app.js';
import { call } from '../bridge.js';
import { busy, facts, field, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { cardPinInput, submitFactors } from '../factors.js';
import { formatTime, shorten } from '../format.js';
import { pollStatus } from '../status-poll.js';

// ---- pure helpers (tested in node) ----

type Quorum = Pick<MotionView, 'approvals' | 'required' | 'admins'>;
type Roles = readonly Pick<OperatorView, 'id' | 'role'>[];

/** "an admin among them", "2 admins among them", or '' when the motion needs no admin. */
export function adminWords(admins: number): string {
  if (admins <= 0) return '';
  return admins === 1 ? 'an admin among them' : `${admins} admins among them`;
}

/** "1 of 2 approvals, an admin among them". */
export function quorumWords(m: Quorum): string {
  const base = `${m.approvals.length} of ${m.required} approval${m.required === 1 ? '' : 's'}`;
  const admins = adminWords(m.admins);
  return admins ? `${base}, ${admins}` : base;
}

/** How many of the motion's approvers are admins (roles as enrolled now). */
export function adminApprovals(m: Pick<MotionView, 'approvals'>, operators: Roles): number {
  return m.approvals.filter((id) => operators.some((o) => o.id === id && o.role === 'admin')).length;
}

/**
 * What the motion still lacks, in words: "1 more approval", "an admin's approval", "1 more approval,
 * an admin's among them", or null when its approvals so far make the quorum.
 */
export function stillNeeded(m: Quorum, operators: Roles): string | null {
  const more = Math.max(0, m.required - m.approvals.length);
  const admins = Math.max(0, m.admins - adminApprovals(m, operators));
  if (more === 0 && admins === 0) return null;
  const adminText = admins === 1 ? 'an admin’s' : `${admins} admins’`;
  if (more === 0) return `${adminText} approval${admins === 1 ? '' : 's'}`;
  const moreText = `${more} more approval${more === 1 ? '' : 's'}`;
  if (admins === 0) return moreText;
  return `${moreText}, ${adminText} among them`;
}

/** Enrolled operators who may still approve the motion: not among its approvers, in enrolment order. */
export function openApprovers<O extends Pick<OperatorView, 'id'>>(
  m: Pick<MotionView, 'approvals'>,
  operators: readonly O[],
): O[] {
  return operators.filter((o) => !m.approvals.includes(o.id));
}

/** A motion as one line for a select: "1a2b3c4d5e6f7a8b · unfreeze · unfreeze the appliance (…)". */
export function motionLabel(m: Pick<MotionView, 'motionId' | 'kind' | 'description'>): string {
  return `${m.motionId} · ${m.kind} · ${shorten(m.description, 70)}`;
}

/** The status's open motions as a string that changes when one opens, closes or gains an approval. */
export function motionsSignature(s: Pick<ApplianceStatus, 'openMotions'>): string {
  return s.openMotions.map((m) => `${m.motionId}:${m.approvals}`).join(',');
}

// ---- the screen ----

function approversCell(m: MotionView, operators: readonly OperatorView[]): HTMLElement {
  const names = m.approvals.map((id) => {
    const role = operators.find((o) => o.id === id)?.role;
    return role === 'admin' ? `${id} (admin)` : id;
  });
  const missing = stillNeeded(m, operators);
  return h(
    'td',
    { testid: 'motion-approvals', 'data-count': String(m.approvals.length) },
    h('div', { class: 'strong wrap' }, names.length ? names.join(', ') : 'none yet'),
    h('div', { class: 'small' }, quorumWords(m)),
    // With none yet, what is missing is the quorum line itself.
    missing && m.approvals.length > 0 ? h('div', { class: 'small muted' }, `needs ${missing}`) : null,
  );
}

function motionsTable(
  motions: readonly MotionView[],
  operators: readonly OperatorView[],
  choose: (m: MotionView) => void,
): HTMLElement {
  if (motions.length === 0)
    return h(
      'p',
      { testid: 'motions-empty' },
      'No motion is open. Motions are proposed on the appliance’s command line (policy, operators, PIN unlock) or, for an unfreeze, here while the appliance is frozen.',
    );
  return h(
    'table',
    { testid: 'motions-table', class: 'motions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Motion'),
        h('th', {}, 'Kind'),
        h('th', {}, 'What it does'),
        h('th', {}, 'Proposed by'),
        h('th', {}, 'Expires'),
        h('th', {}, 'Approvals'),
        h('th', {}, h('span', { class: 'visually-hidden' }, 'Action')),
      ),
    ),
    h(
      'tbody',
      {},
      ...motions.map((m) =>
        h(
          'tr',
          { testid: 'motion-row', 'data-motion': m.motionId, 'data-digest': m.digest, 'data-kind': m.kind },
          h('td', { class: 'mono small nowrap', title: `digest ${m.digest}` }, m.motionId),
          h('td', { class: 'strong' }, m.kind),
          h('td', { class: 'wrap', testid: 'motion-description' }, m.description),
          h('td', { class: 'wrap' }, m.proposedBy),
          h('td', { class: 'small' }, formatTime(m.expiresAt)),
          approversCell(m, operators),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                testid: 'motion-choose',
                'data-motion': m.motionId,
                'aria-label': `Approve motion ${m.motionId} (${m.kind})`,
                onclick: () => choose(m),
              },
              'Approve…',
            ),
          ),
        ),
      ),
    ),
  );
}

/** The approval of one motion by one operator: choose, then PIN and biometric. */
function approveCard(ctx: Ctx, refresh: () => Promise<void>, onChosen: (digest: string) => void) {
  const errors = new ErrorSlot('motion-error');
  const body = h('div', {});
  const done = h('p', { class: 'done', testid: 'motion-done', role: 'status', hidden: true });
  const card = h(
    'section',
    { class: 'card approve', testid: 'motion-approve', 'aria-labelledby': 'motion-approve-title' },
    h('h3', { id: 'motion-approve-title' }, 'Approve a motion'),
    body,
    errors.el,
    done,
  );
  let motions: readonly MotionView[] = [];
  let inStep = false;
  let pinInput: HTMLInputElement | null = null;

  const pick = h('select', { testid: 'motion-pick', name: 'motion' }) as HTMLSelectElement;
  const operator = h('select', { testid: 'motion-operator', name: 'operator' }) as HTMLSelectElement;
  const begin = h(
    'button',
    { type: 'submit', class: 'primary', testid: 'motion-begin' },
    'Begin approval',
  ) as HTMLButtonElement;
  const nobody = h('p', { class: 'hint', testid: 'motion-no-operator', hidden: true });
  const chooser = h(
    'form',
    {
      class: 'inline-form',
      testid: 'motion-form',
      onsubmit: (e: Event) => void start(e),
      // Enter submits from the selects too (a browser submits implicitly only from text fields).
      onkeydown: (e: KeyboardEvent) => {
        if (e.key === 'Enter' && e.target instanceof HTMLSelectElement) {
          e.preventDefault();
          chooser.requestSubmit();
        }
      },
    },
    h('div', { class: 'grow' }, field('Motion', pick)),
    field('Operator', operator),
    h('div', { class: 'field' }, begin),
  );
  const none = h('p', { class: 'hint', testid: 'motion-none' }, 'No motion is open.');
  pick.addEventListener('change', () => fillOperators());

  const chosen = (): MotionView | undefined => motions.find((m) => m.digest === pick.value);

  function fillOperators(): void {
    const m = chosen();
    const before = operator.value;
    const ops = m ? openApprovers(m, ctx.status?.operators ?? []) : [];
    const labels = ops.map((o) => `${o.id} (${o.role})${o.cardPresent ? '' : ' — no card'}`);
    const same =
      operator.options.length === ops.length &&
      ops.every((o, i) => operator.options[i]?.value === o.id && operator.options[i]?.text === labels[i]);
    if (!same) {
      operator.replaceChildren(...ops.map((o, i) => h('option', { value: o.id }, labels[i])));
      if (ops.some((o) => o.id === before)) operator.value = before;
    }
    begin.disabled = !m || ops.length === 0;
    nobody.hidden = !m || ops.length > 0;
    nobody.textContent = m ? `Every enrolled operator has approved motion ${m.motionId}.` : '';
    onChosen(pick.value);
  }

  const chooserWrap = h('div', {}, chooser, nobody);
  /** The choice (or "none open"); the nodes are kept, so a refresh moves neither focus nor choice. */
  function chooseStep(): void {
    inStep = false;
    pinInput = null;
    const want = motions.length === 0 ? none : chooserWrap;
    if (body.firstChild !== want || body.childNodes.length !== 1) replace(body, want);
  }

  /** New list (or new operators): the options follow, the choice is kept; the PIN step is left alone. */
  function update(list: readonly MotionView[]): void {
    motions = list;
    const before = pick.value;
    const same =
      pick.options.length === list.length &&
      list.every((m, i) => pick.options[i]?.value === m.digest && pick.options[i]?.text === motionLabel(m));
    if (!same) {
      pick.replaceChildren(...list.map((m) => h('option', { value: m.digest }, motionLabel(m))));
      if (list.some((m) => m.digest === before)) pick.value = before;
    }
    fillOperators();
    if (!inStep) chooseStep();
  }

  /** Choose a motion (a row's button, or a fresh unfreeze) and put the focus on the operator. */
  function choose(digest: string): void {
    if (inStep) cancelStep();
    if (!motions.some((m) => m.digest === digest)) return;
    pick.value = digest;
    fillOperators();
    (begin.disabled ? pick : operator).focus();
    card.scrollIntoView?.({ block: 'nearest' });
  }

  async function start(e: Event): Promise<void> {
    e.preventDefault();
    if (begin.disabled) return;
    errors.clear();
    done.hidden = true;
    const m = chosen();
    const operatorId = operator.value;
    if (!m || !operatorId) {
      errors.show({
        kind: 'invalid-request',
        code: 'INPUT_MISSING',
        message: m ? 'choose the operator who approves' : 'choose the motion to approve',
        field: m ? 'operatorId' : 'motion',
      });
      return;
    }
    const r = await busy(begin, () =>
      call('approval:challenge', { subject: 'motion', digest: m.digest, operatorId }),
    );
    if (!r.ok) {
      errors.show(r.error, `approval of motion ${m.motionId} by ${operatorId}`);
      return;
    }
    pinStep(m, r.value);
  }

  function pinStep(m: MotionView, challenge: ChallengeView): void {
    inStep = true;
    const pin = cardPinInput('motion-pin');
    pinInput = pin;
    const submit = h(
      'button',
      { type: 'submit', class: 'primary', testid: 'motion-submit' },
      'Approve with card PIN and biometric',
    ) as HTMLButtonElement;
    const cancel = h(
      'button',
      { type: 'button', testid: 'motion-cancel', onclick: () => cancelStep() },
      'Cancel (Esc)',
    );
    const step = h(
      'p',
      { class: 'hint', testid: 'motion-step', 'aria-live': 'polite' },
      'Read what you approve, enter the card PIN, then touch the authenticator.',
    );
    const form = h(
      'form',
      {
        testid: 'motion-pin-form',
        onsubmit: (ev: Event) => void submitApproval(ev, m, challenge, pin, submit, step),
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
            `Operator ${challenge.operatorId} approves this motion (card token `,
            h('span', { class: 'mono' }, challenge.cardToken),
            '):',
          ),
          h('p', { class: 'motion-what wrap', testid: 'motion-what' }, m.description),
          facts([
            ['Motion', h('span', { class: 'mono' }, m.motionId), 'motion-approving'],
            ['Kind', m.kind],
            ['Proposed by', m.proposedBy],
            ['Quorum', quorumWords(m)],
            ['Digest', h('span', { class: 'mono small wrap' }, challenge.subjectDigest)],
          ]),
        ),
        h('div', {}, field('Card PIN', pin), h('div', { class: 'buttons' }, submit, cancel), step),
      ),
    );
    replace(body, form);
    pin.focus({ preventScroll: true });
    card.scrollIntoView?.({ block: 'start' });
  }

  function cancelStep(): void {
    if (pinInput) pinInput.value = '';
    errors.clear();
    chooseStep();
    operator.focus();
  }

  async function submitApproval(
    e: Event,
    m: MotionView,
    challenge: ChallengeView,
    pinField: HTMLInputElement,
    button: HTMLButtonElement,
    step: HTMLElement,
  ): Promise<void> {
    e.preventDefault();
    if (button.disabled) return;
    const status = await submitFactors({
      challenge,
      pinInput: pinField,
      button,
      step,
      errors,
      context: `approval of motion ${m.motionId} by ${challenge.operatorId}`,
      failed: 'Not approved.',
      send: (pin, assertion) =>
        call('motion:approve', {
          motionDigest: challenge.subjectDigest,
          operatorId: challenge.operatorId,
          pin,
          assertion,
        }),
    });
    if (!status) return;
    showDone(m, challenge.operatorId, status);
    chooseStep();
    await refresh();
    operator.focus();
  }

  function showDone(m: MotionView, operatorId: string, s: ApplianceStatus): void {
    const open = s.openMotions.find((x) => x.motionId === m.motionId);
    done.setAttribute('data-operator', operatorId);
    done.setAttribute('data-motion', m.motionId);
    done.setAttribute('data-carried-out', open ? 'no' : 'yes');
    const after = {
      ...m,
      approvals: m.approvals.includes(operatorId) ? m.approvals : [...m.approvals, operatorId],
    };
    const tail = open
      ? ` ${quorumWords(after)}; it needs ${stillNeeded(after, s.operators) ?? 'nothing more'}.`
      : m.kind === 'unfreeze' && !s.freeze.frozen
        ? ' The quorum is complete: the motion is carried out and the appliance is unfrozen.'
        : ' The quorum is complete: the motion is carried out.';
    replace(
      done,
      `${operatorId} approved motion `,
      h('span', { class: 'mono' }, m.motionId),
      ` (${m.kind}).${tail}`,
    );
    done.hidden = false;
  }

  chooseStep();
  return {
    el: card,
    update,
    choose,
    close(): void {
      if (pinInput) pinInput.value = '';
    },
  };
}

/** The unfreeze card, shown while the appliance is frozen. */
function unfreezeCard(
  refresh: () => Promise<void>,
  motionsNow: () => readonly MotionView[],
  chosen: (m: MotionView) => void,
) {
  const errors = new ErrorSlot('unfreeze-error');
  const since = h('p', { testid: 'unfreeze-frozen' });
  const openNote = h('p', { class: 'notice', testid: 'unfreeze-open', hidden: true });
  const result = h('p', { class: 'done', testid: 'unfreeze-proposed', role: 'status', hidden: true });
  const reason = h('textarea', {
    testid: 'unfreeze-reason',
    name: 'reason',
    rows: '2',
    maxlength: '500',
  }) as HTMLTextAreaElement;
  const propose = h(
    'button',
    { type: 'submit', class: 'primary', testid: 'unfreeze-propose' },
    'Propose the unfreeze',
  ) as HTMLButtonElement;
  // Enter submits (Shift+Enter for a new line in the reason).
  reason.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  const form = h(
    'form',
    { testid: 'unfreeze-form', onsubmit: (e: Event) => void submit(e) },
    field('Reason', reason, 'Why the appliance may sign again. Recorded in the audit log.'),
    h('div', { class: 'buttons' }, propose),
  );
  const el = h(
    'section',
    { class: 'card unfreeze', testid: 'unfreeze-card', 'aria-labelledby': 'unfreeze-title', hidden: true },
    h('h3', { id: 'unfreeze-title' }, 'Unfreeze'),
    since,
    h(
      'p',
      {},
      'Only the quorum unfreezes: propose the unfreeze here, then the policy’s number of operators, an admin among them, each approve it below with their card PIN and their own authenticator. The last approval carries it out.',
    ),
    openNote,
    form,
    errors.el,
    result,
  );

  const openUnfreeze = (): MotionView | undefined => motionsNow().find((m) => m.kind === 'unfreeze');

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    if (propose.disabled) return;
    errors.clear();
    result.hidden = true;
    const open = openUnfreeze();
    const why = reason.value.trim();
    if (!open && why.length === 0) {
      errors.show({
        kind: 'invalid-request',
        code: 'INPUT_MISSING',
        message: 'give the reason for the unfreeze',
        field: 'reason',
      });
      reason.focus();
      return;
    }
    const r = await busy(propose, () => call('unfreeze:propose', { reason: why }));
    if (!r.ok) {
      errors.show(r.error, 'unfreeze');
      return;
    }
    const m = r.value;
    const joined = open?.digest === m.digest;
    reason.value = '';
    result.setAttribute('data-motion', m.motionId);
    result.setAttribute('data-joined', joined ? 'yes' : 'no');
    replace(
      result,
      joined ? 'Joined the open unfreeze, motion ' : 'Unfreeze proposed: motion ',
      h('span', { class: 'mono' }, m.motionId),
      `. It needs ${m.required} approval${m.required === 1 ? '' : 's'}${m.admins > 0 ? `, ${adminWords(m.admins)}` : ''}: approve it below.`,
    );
    result.hidden = false;
    await refresh();
    chosen(m);
  }

  return {
    el,
    update(s: ApplianceStatus): void {
      el.hidden = !s.freeze.frozen;
      since.textContent = s.freeze.frozen
        ? `Frozen since ${formatTime(s.freeze.since)} by ${s.freeze.by.join(', ') || '—'}. Reason: ${s.freeze.reason ?? '—'}.`
        : '';
      if (!s.freeze.frozen) result.hidden = true;
    },
    motionsChanged(): void {
      const open = openUnfreeze();
      openNote.hidden = !open;
      replace(
        openNote,
        open ? 'An unfreeze is already open: motion ' : '',
        open ? h('span', { class: 'mono' }, open.motionId) : '',
        open ? '. Approve it below, or join it here.' : '',
      );
      propose.textContent = open ? 'Join the open unfreeze' : 'Propose the unfreeze';
    },
  };
}

export const motionsScreen: Screen = {
  id: 'motions',
  title: 'Motions',
  key: '8',
  mount(root, ctx) {
    const errors = new ErrorSlot('motions-error');
    const list = h('div', { testid: 'motions-list' });
    let alive = true;
    let motions: readonly MotionView[] = [];
    let listed: string | null = null;
    let seq = 0;

    const refreshButton = h(
      'button',
      { type: 'button', testid: 'motions-refresh', onclick: () => void busy(refreshButton, refresh) },
      'Refresh',
    ) as HTMLButtonElement;

    async function loadMotions(): Promise<void> {
      const mine = ++seq;
      const r = await call('motion:list', {});
      if (!alive || mine !== seq) return;
      if (!r.ok) {
        errors.show(r.error, 'open motions');
        return;
      }
      errors.clear();
      motions = r.value.motions;
      drawMotions();
    }

    function drawMotions(): void {
      const operators = ctx.status?.operators ?? [];
      replace(
        list,
        motionsTable(motions, operators, (m) => approve.choose(m.digest)),
      );
      approve.update(motions);
      unfreeze.motionsChanged();
    }

    /** Status and motions read again (after every action, and the Refresh button). */
    async function refresh(): Promise<void> {
      // In turn: the status's draw may start a list read of its own, which this later one supersedes.
      await poll.load();
      await loadMotions();
    }

    /** The chosen motion's row is marked, so the table and the approval read as one. */
    const markChosen = (digest: string): void => {
      list.querySelectorAll<HTMLElement>('tr[data-digest]').forEach((row) => {
        row.classList.toggle('selected', row.dataset.digest === digest);
      });
    };
    const approve = approveCard(ctx, refresh, markChosen);
    const unfreeze = unfreezeCard(
      refresh,
      () => motions,
      (m) => approve.choose(m.digest),
    );

    root.append(
      errors.el,
      unfreeze.el,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'motions-title' },
        h('div', { class: 'card-head' }, h('h3', { id: 'motions-title' }, 'Open motions'), refreshButton),
        list,
      ),
      approve.el,
    );

    let shownOperators = '';
    const draw = (s: ApplianceStatus): void => {
      unfreeze.update(s);
      const sig = motionsSignature(s);
      const ops = JSON.stringify(s.operators);
      if (sig !== listed) {
        listed = sig;
        shownOperators = ops;
        void loadMotions();
      } else if (ops !== shownOperators) {
        shownOperators = ops;
        drawMotions();
      }
    };
    const poll = pollStatus(ctx, errors, draw);
    return () => {
      alive = false;
      poll.stop();
      approve.close();
    };
  },
};
