/**
 * Review: what the batch asks for, as the appliance decoded it (`batch:review`): identity and
 * dates, the fingerprint (large, to compare with the online node's display), every withdrawal with
 * NEW DESTINATION flagged, totals, the policy's decision or its refusal (rule and numbers), the
 * approvals so far and the quorum; then the approval panel. A batch refused at import shows the
 * refusal here too.
 */
import type { ApplianceStatus, BatchReview, WithdrawalView } from '../../common/ipc-contract.js';
import type { Ctx, Screen } from '../app.js';
import { call } from '../bridge.js';
import { facts, h, replace } from '../dom.js';
import { ErrorSlot, errorPanel } from '../error-panel.js';
import { fingerprintBlock } from '../fingerprint.js';
import { formatTime, quorumText, stateLabel, withSymbol } from '../format.js';
import { approvePanel } from './approve.js';

function withdrawalRow(w: WithdrawalView): HTMLElement {
  return h(
    'tr',
    { testid: 'review-withdrawal-row', 'data-withdrawal': w.id, class: w.newDestination ? 'flagged' : '' },
    h('td', { class: 'mono wrap wid' }, w.id),
    h('td', {}, w.chain),
    h('td', { class: 'num strong' }, withSymbol(w.amountText, w.symbol)),
    h(
      'td',
      { class: 'wrap' },
      w.symbol,
      w.asset !== w.symbol && w.asset !== 'native' ? h('div', { class: 'mono small wrap' }, w.asset) : null,
    ),
    h(
      'td',
      { class: 'mono dest' },
      w.destination,
      w.newDestination
        ? h('div', { class: 'flag', testid: 'review-new-destination' }, 'NEW DESTINATION')
        : null,
    ),
    h('td', { class: 'num' }, w.feeText),
    h('td', { class: 'num' }, w.nonce ?? '—'),
    h('td', { class: 'num' }, String(w.change.length)),
    h('td', { class: 'num' }, w.tier === null ? '—' : String(w.tier)),
    h('td', { class: 'num' }, w.usdValue === null ? '—' : `$${w.usdValue}`),
    h('td', { class: 'num strong' }, w.required === null ? '—' : String(w.required)),
  );
}

export function renderReview(
  review: BatchReview,
  status: ApplianceStatus | null,
  ctx: Ctx,
  redraw: (r: BatchReview) => void,
): HTMLElement {
  const required = review.policy?.required ?? null;
  const quorum = quorumText(review.approvals.length, required, review.quorumMet);
  const head = h(
    'section',
    { class: 'card review-head' },
    h(
      'div',
      { class: 'review-id' },
      facts([
        ['Batch', h('span', { class: 'mono wrap' }, review.batchId), 'review-batch-id'],
        ['Network', review.network, 'review-network'],
        ['Coordinator', h('span', { class: 'mono wrap' }, review.coordinatorKeyId), 'review-coordinator'],
        ['Created', formatTime(review.createdAt), 'review-created'],
        ['Expires', formatTime(review.expiresAt), 'review-expires'],
        [
          'State',
          h(
            'span',
            { class: `state state-${review.state ?? 'unknown'}`, 'data-state': review.state ?? 'unknown' },
            stateLabel(review.state),
          ),
          'review-state',
        ],
        ['Digest', h('span', { class: 'mono wrap small' }, review.digest), 'review-digest'],
      ]),
    ),
    fingerprintBlock(review.fingerprint, 'review-fingerprint'),
  );

  const table = h(
    'section',
    { class: 'card wide' },
    h('h3', {}, `Withdrawals (${review.withdrawals.length})`),
    h(
      'table',
      { class: 'withdrawals', testid: 'review-withdrawals' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            'ID',
            'Chain',
            'Amount',
            'Asset',
            'Destination',
            'Fee',
            'Nonce',
            'Change',
            'Tier',
            'USD',
            'Approvals',
          ].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', {}, ...review.withdrawals.map(withdrawalRow)),
    ),
    h(
      'p',
      { class: 'totals', testid: 'review-totals' },
      'Totals: ',
      ...review.totals.flatMap((t, i) => [
        i > 0 ? ' · ' : '',
        h('span', { class: 'strong' }, withSymbol(t.amountText, t.symbol)),
      ]),
    ),
  );

  const policy = review.policy
    ? h(
        'section',
        { class: 'card', testid: 'review-policy' },
        h('h3', {}, `Policy v${review.policy.version}`),
        facts([
          [
            'Requires',
            `${review.policy.required} of ${review.policy.operators} operators`,
            'review-policy-required',
          ],
          [
            'Flagged',
            review.policy.flagged.length ? review.policy.flagged.join(', ') : 'none',
            'review-policy-flagged',
          ],
        ]),
        review.policy.reasons.length
          ? h(
              'ul',
              { testid: 'review-policy-reasons', class: 'wrap' },
              ...review.policy.reasons.map((r) => h('li', {}, r)),
            )
          : null,
      )
    : h(
        'section',
        { class: 'card' },
        h('h3', {}, 'Policy'),
        review.policyRefusal
          ? errorPanel(review.policyRefusal, 'review-policy-refusal', 'the policy refuses this batch')
          : h('p', {}, 'No policy decision.'),
      );

  const approvals = h(
    'section',
    { class: 'card', testid: 'review-approvals' },
    h('h3', {}, 'Approvals'),
    h(
      'p',
      {
        class: `quorum ${review.quorumMet ? 'met' : 'open'}`,
        testid: 'review-quorum',
        'data-met': String(review.quorumMet),
      },
      quorum,
    ),
    review.approvals.length === 0
      ? h('p', {}, 'No approval yet.')
      : h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Operator'), h('th', {}, 'Approved at'))),
          h(
            'tbody',
            {},
            ...review.approvals.map((a) =>
              h(
                'tr',
                { testid: 'review-approval-row', 'data-operator': a.operatorId },
                h('td', { class: 'strong' }, a.operatorId),
                h('td', {}, formatTime(a.approvedAt)),
              ),
            ),
          ),
        ),
    review.quorumMet
      ? h(
          'button',
          { type: 'button', class: 'primary', testid: 'review-go-sign', onclick: () => ctx.go('sign') },
          'Go to Sign (Alt+4)',
        )
      : null,
  );

  const approve =
    review.state === 'signed' || review.state === 'exported' || review.policy === null
      ? null
      : approvePanel(review, status?.operators ?? [], (r) => {
          redraw(r);
          void ctx.refreshStatus();
        });

  return h(
    'div',
    { testid: 'review', 'data-digest': review.digest },
    head,
    table,
    h('div', { class: 'grid two' }, policy, approvals),
    approve,
  );
}

function picker(ctx: Ctx): HTMLElement {
  const batches = ctx.status?.batches ?? [];
  if (batches.length === 0)
    return h('p', { testid: 'review-empty' }, 'No batch to review: import one first (Alt+2).');
  const select = h(
    'select',
    { testid: 'review-pick' },
    ...batches.map((b) => h('option', { value: b.digest }, `${b.batchId} — ${b.fingerprint}`)),
  );
  return h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        ctx.select((select as HTMLSelectElement).value);
        ctx.go('review');
      },
    },
    h('label', {}, 'Batch ', select),
    h('button', { type: 'submit', testid: 'review-pick-open' }, 'Review'),
  );
}

export const reviewScreen: Screen = {
  id: 'review',
  title: 'Review',
  key: '3',
  mount(root, ctx) {
    const errors = new ErrorSlot();
    const body = h('div', {});
    if (ctx.importRefusal)
      root.append(errorPanel(ctx.importRefusal, 'import-refusal', 'the batch was not imported'));
    root.append(errors.el, body);
    let alive = true;
    const digest = ctx.digest;
    if (digest === null) {
      body.append(picker(ctx));
      return () => {};
    }
    const redraw = (r: BatchReview): void => {
      if (!alive) return;
      const focusId = (document.activeElement as HTMLElement | null)?.dataset?.testid;
      replace(body, renderReview(r, ctx.status, ctx, redraw));
      if (focusId) body.querySelector<HTMLElement>(`[data-testid="${focusId}"]`)?.focus();
    };
    const cached = ctx.takeReview(digest);
    if (cached) redraw(cached);
    else {
      body.append(h('p', { class: 'hint' }, 'Loading the review…'));
      void call('batch:review', { digest }).then((r) => {
        if (!alive) return;
        if (r.ok) redraw(r.value);
        else {
          body.replaceChildren();
          errors.show(r.error, 'review');
        }
      });
    }
    return () => {
      alive = false;
    };
  },
};
