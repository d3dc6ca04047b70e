/**
 * Status: the signing token, network, operators and their cards, the policy (version and digest),
 * the freeze, open motions and the batches imported here (a row's button opens its review). Read
 * with `status:get`; refreshed every few seconds while shown, so a card put in shows up.
 */

import type { ApplianceStatus } from '../../common/ipc-contract.js';
import type { Ctx, Screen } from '../app.js';
import { facts, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { formatTime, shortHash, stateLabel } from '../format.js';
import { pollStatus } from '../status-poll.js';

function yesNo(ok: boolean, yes: string, no: string, testid: string): HTMLElement {
  return h(
    'span',
    { class: ok ? 'badge ok' : 'badge bad', testid, 'data-value': ok ? 'yes' : 'no' },
    ok ? yes : no,
  );
}

function render(s: ApplianceStatus, ctx: Ctx): HTMLElement[] {
  const overview = h(
    'section',
    { class: 'card' },
    h('h3', {}, 'Appliance'),
    facts([
      ['Network', h('span', { class: `badge net-${s.network}` }, s.network.toUpperCase()), 'status-network'],
      [
        'Signing token',
        h(
          'span',
          {},
          yesNo(s.signingToken.present, 'PRESENT', 'NOT PRESENT', 'status-signing-token'),
          ' ',
          h('span', { class: 'mono' }, s.signingToken.label),
        ),
      ],
      [
        'Policy',
        s.policy
          ? h(
              'span',
              {},
              `version ${s.policy.version} · digest `,
              h('span', { class: 'mono', title: s.policy.digest }, shortHash(s.policy.digest, 16)),
            )
          : h('span', { class: 'badge bad' }, 'NO POLICY INSTALLED'),
        'status-policy',
      ],
      [
        'Freeze',
        s.freeze.frozen
          ? h(
              'span',
              { class: 'badge bad' },
              `FROZEN since ${formatTime(s.freeze.since)} by ${s.freeze.by.join(', ') || '—'}: ${s.freeze.reason ?? ''}`,
            )
          : h('span', { class: 'badge ok' }, 'not frozen'),
        'status-freeze',
      ],
      ['Audit log', `${s.auditRows} rows`, 'status-audit-rows'],
    ]),
  );

  const operators = h(
    'section',
    { class: 'card' },
    h('h3', {}, 'Operators'),
    s.operators.length === 0
      ? h('p', {}, 'No operator is enrolled.')
      : h(
          'table',
          { testid: 'status-operators' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Operator'),
              h('th', {}, 'Role'),
              h('th', {}, 'Card'),
              h('th', {}, 'Card token'),
            ),
          ),
          h(
            'tbody',
            {},
            ...s.operators.map((o) =>
              h(
                'tr',
                { testid: 'status-operator-row', 'data-operator': o.id },
                h('td', { class: 'strong' }, o.id),
                h('td', {}, o.role),
                h('td', {}, yesNo(o.cardPresent, 'card present', 'no card', 'status-card-present')),
                h('td', { class: 'mono' }, o.cardToken),
              ),
            ),
          ),
        ),
  );

  const motions = h(
    'section',
    { class: 'card' },
    h('h3', {}, 'Open motions'),
    s.openMotions.length === 0
      ? h('p', { testid: 'status-motions' }, 'None.')
      : h(
          'ul',
          { testid: 'status-motions' },
          ...s.openMotions.map((m) =>
            h(
              'li',
              {},
              h('span', { class: 'mono' }, shortHash(m.motionId, 16)),
              ` ${m.kind}: ${m.approvals} approval(s)`,
            ),
          ),
        ),
  );

  const batches = h(
    'section',
    { class: 'card wide' },
    h('h3', {}, 'Batches imported here'),
    s.batches.length === 0
      ? h('p', { testid: 'status-batches' }, 'No batch imported yet: use Import (Alt+2).')
      : h(
          'table',
          { testid: 'status-batches' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Batch'),
              h('th', {}, 'Fingerprint'),
              h('th', {}, 'Withdrawals'),
              h('th', {}, 'State'),
              h('th', {}, 'Imported'),
              h('th', {}, ''),
            ),
          ),
          h(
            'tbody',
            {},
            ...s.batches.map((b) =>
              h(
                'tr',
                {
                  testid: 'status-batch-row',
                  'data-digest': b.digest,
                  class: `clickable ${b.digest === ctx.digest ? 'selected' : ''}`,
                  onclick: () => open(b.digest),
                },
                h('td', { class: 'mono wrap' }, b.batchId),
                h('td', { class: 'mono' }, b.fingerprint),
                h('td', { class: 'num' }, String(b.withdrawals)),
                h(
                  'td',
                  { testid: 'status-batch-state' },
                  h('span', { class: `state state-${b.state ?? 'unknown'}` }, stateLabel(b.state)),
                ),
                h('td', {}, formatTime(b.importedAt)),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      testid: 'status-batch-open',
                      onclick: (e: Event) => {
                        e.stopPropagation();
                        open(b.digest);
                      },
                    },
                    'Review',
                  ),
                ),
              ),
            ),
          ),
        ),
  );
  function open(digest: string): void {
    ctx.select(digest);
    ctx.go('review');
  }
  return [h('div', { class: 'grid status' }, overview, operators, motions), batches];
}

export const statusScreen: Screen = {
  id: 'status',
  title: 'Status',
  key: '1',
  mount(root, ctx) {
    const errors = new ErrorSlot();
    const body = h('div', { testid: 'status-body' });
    const refresh = h(
      'button',
      { type: 'button', testid: 'status-refresh', onclick: () => void poll.load() },
      'Refresh',
    );
    root.append(h('div', { class: 'toolbar' }, refresh), errors.el, body);
    let poll: ReturnType<typeof pollStatus>;
    let shown = '';
    // Redrawn only when something changed, so a poll never takes the keyboard focus away.
    const draw = (s: ApplianceStatus): void => {
      const json = JSON.stringify(s);
      if (json === shown) return;
      shown = json;
      replace(body, ...render(s, ctx));
    };
    poll = pollStatus(ctx, errors, draw);
    return poll.stop;
  },
};
