/**
 * Audit: the hash-chained audit log, newest first, a page at a time (`audit:list` with beforeSeq),
 * and "Verify chain" (`audit:verify`): OK with the row count and head hash, or the broken row and
 * why.
 */
import type { AuditRowView } from '../../common/ipc-contract.js';
import type { Screen } from '../app.js';
import { call } from '../bridge.js';
import { busy, facts, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { formatTime, shorten, shortHash } from '../format.js';

export const AUDIT_PAGE = 25;

function row(r: AuditRowView): HTMLElement {
  return h(
    'tr',
    { testid: 'audit-row', 'data-seq': String(r.seq) },
    h('td', { class: 'num' }, String(r.seq)),
    h('td', {}, formatTime(r.at)),
    h('td', { class: 'strong' }, r.action),
    h('td', {}, r.actor),
    h('td', { class: 'mono small wrap', title: r.payload }, shorten(r.payload, 140)),
    h('td', { class: 'mono', title: r.hash }, shortHash(r.hash, 12)),
  );
}

export const auditScreen: Screen = {
  id: 'audit',
  title: 'Audit',
  key: '6',
  mount(root) {
    const errors = new ErrorSlot();
    let alive = true;
    /** beforeSeq of each page shown so far (null = newest), for "Newer". */
    const pages: (number | null)[] = [null];
    const tbody = h('tbody', {});
    const pageInfo = h('span', { testid: 'audit-page' }, '');
    const newer = h(
      'button',
      { type: 'button', testid: 'audit-newer', disabled: true },
      'Newer',
    ) as HTMLButtonElement;
    const older = h(
      'button',
      { type: 'button', testid: 'audit-older', disabled: true },
      'Older',
    ) as HTMLButtonElement;
    const verify = h(
      'button',
      { type: 'button', class: 'primary', testid: 'audit-verify' },
      'Verify chain',
    ) as HTMLButtonElement;
    const verdict = h('div', { testid: 'audit-verdict', 'aria-live': 'polite' });
    let lastSeq: number | null = null;

    async function load(): Promise<void> {
      const before = pages[pages.length - 1] ?? null;
      const r = await call('audit:list', { beforeSeq: before, limit: AUDIT_PAGE });
      if (!alive) return;
      if (!r.ok) {
        errors.show(r.error, 'audit log');
        return;
      }
      errors.clear();
      replace(tbody, ...r.value.rows.map(row));
      lastSeq = r.value.rows.at(-1)?.seq ?? null;
      const first = r.value.rows[0]?.seq;
      pageInfo.textContent =
        r.value.rows.length === 0
          ? `no rows (of ${r.value.total})`
          : `rows ${first} to ${lastSeq} of ${r.value.total}`;
      newer.disabled = pages.length <= 1;
      older.disabled = lastSeq === null || lastSeq <= 1 || r.value.rows.length < AUDIT_PAGE;
    }
    newer.addEventListener('click', () => {
      if (pages.length > 1) pages.pop();
      void load();
    });
    older.addEventListener('click', () => {
      if (lastSeq !== null) pages.push(lastSeq);
      void load();
    });
    verify.addEventListener('click', async () => {
      const r = await busy(verify, () => call('audit:verify', {}));
      if (!alive) return;
      if (!r.ok) {
        errors.show(r.error, 'audit verification');
        return;
      }
      const v = r.value;
      verdict.dataset.ok = String(v.ok);
      replace(
        verdict,
        h(
          'section',
          { class: v.ok ? 'verdict ok' : 'verdict bad', role: v.ok ? 'status' : 'alert' },
          h(
            'h3',
            { testid: 'audit-verdict-headline' },
            v.ok ? 'OK: the chain is intact' : 'BROKEN: the chain does not verify',
          ),
          facts([
            ['Rows', String(v.rows), 'audit-verdict-rows'],
            ['Head hash', h('span', { class: 'mono wrap' }, v.headHash ?? '—'), 'audit-verdict-head'],
            ...(v.problem
              ? ([
                  ['Broken row', String(v.problem.seq), 'audit-verdict-seq'],
                  ['Problem', `${v.problem.kind}: ${v.problem.message}`, 'audit-verdict-problem'],
                ] as [string, string, string][])
              : []),
          ]),
        ),
      );
    });

    root.append(
      h('div', { class: 'toolbar' }, verify, newer, older, pageInfo),
      errors.el,
      verdict,
      h(
        'section',
        { class: 'card wide' },
        h(
          'table',
          { testid: 'audit-table', class: 'audit' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Seq', 'Time', 'Action', 'Actor', 'Payload', 'Hash'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          tbody,
        ),
      ),
    );
    void load();
    return () => {
      alive = false;
    };
  },
};
