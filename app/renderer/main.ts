/**
 * The operator console's entry (bundled to console.js by scripts/build-console.mjs): the header
 * (appliance, network, the batch in work, the red Freeze button), the frozen banner on every screen,
 * the left navigation and the screen in view. Keyboard: Alt+1…8 switch screens, Alt+F opens the
 * freeze dialog; every control is a native button, input or select in reading order, so Tab walks
 * them and Enter submits. It talks to the appliance only through `window.airlock` (bridge.ts).
 */
import type { ApplianceStatus, BatchReview, ErrorView, IpcResult } from '../common/ipc-contract.js';
import type { Ctx, Screen, ScreenId, Unmount } from './app.js';
import { call, getBridge } from './bridge.js';
import { h, replace } from './dom.js';
import { errorPanel } from './error-panel.js';
import { toErrorView } from './errors.js';
import { formatTime } from './format.js';
import { auditScreen } from './screens/audit.js';
import { exportScreen } from './screens/export.js';
import { createFreezeDialog } from './screens/freeze.js';
import { importScreen } from './screens/import.js';
import { motionsScreen } from './screens/motions.js';
import { operatorsScreen } from './screens/operators.js';
import { reviewScreen } from './screens/review.js';
import { signScreen } from './screens/sign.js';
import { statusScreen } from './screens/status.js';

const SCREENS: readonly Screen[] = [
  statusScreen,
  importScreen,
  reviewScreen,
  signScreen,
  exportScreen,
  auditScreen,
  operatorsScreen,
  motionsScreen,
];

function boot(): void {
  const app = document.getElementById('app') ?? document.body;
  let status: ApplianceStatus | null = null;
  let digest: string | null = null;
  let importRefusal: ErrorView | null = null;
  let current: ScreenId = 'status';
  let unmount: Unmount = () => {};
  const reviews = new Map<string, BatchReview>();
  const listeners = new Set<(s: ApplianceStatus) => void>();

  const network = h('span', { class: 'badge', testid: 'header-network' }, '…');
  const token = h('span', { class: 'badge', testid: 'header-signing-token' }, '…');
  const batch = h('span', { class: 'header-batch', testid: 'header-batch' }, 'no batch chosen');
  const freezeButton = h(
    'button',
    {
      type: 'button',
      class: 'freeze',
      testid: 'freeze-button',
      'aria-keyshortcuts': 'Alt+F',
      title: 'Freeze (Alt+F)',
    },
    'FREEZE',
  ) as HTMLButtonElement;
  const banner = h('div', { class: 'frozen-banner', testid: 'frozen-banner', role: 'alert', hidden: true });
  const nav = h('nav', { class: 'nav', 'aria-label': 'Screens' });
  const main = h('main', { class: 'screen', id: 'screen' });
  const title = h('h2', { tabindex: '-1', testid: 'screen-title' });

  const navButtons = new Map<ScreenId, HTMLButtonElement>();
  for (const s of SCREENS) {
    const b = h(
      'button',
      {
        type: 'button',
        testid: `nav-${s.id}`,
        'aria-keyshortcuts': `Alt+${s.key}`,
        onclick: () => ctx.go(s.id),
      },
      h('span', { class: 'nav-title' }, s.title),
      h('span', { class: 'nav-key' }, `Alt+${s.key}`),
    ) as HTMLButtonElement;
    navButtons.set(s.id, b);
    nav.append(b);
  }

  function drawHeader(): void {
    if (status) {
      network.textContent = status.network.toUpperCase();
      network.className = `badge net-${status.network}`;
      token.textContent = status.signingToken.present ? 'signing token present' : 'NO SIGNING TOKEN';
      token.className = `badge ${status.signingToken.present ? 'ok' : 'bad'}`;
      const f = status.freeze;
      banner.hidden = !f.frozen;
      document.body.classList.toggle('is-frozen', f.frozen);
      if (f.frozen) {
        replace(
          banner,
          h('strong', {}, 'FROZEN'),
          ` since ${formatTime(f.since)} by ${f.by.join(', ') || '—'}. Reason: ${f.reason ?? '—'}. `,
          'Nothing is signed until the quorum unfreezes the appliance.',
        );
      }
    }
    const b = digest ? status?.batches.find((x) => x.digest === digest) : undefined;
    batch.textContent = digest
      ? `batch ${b?.batchId ?? digest.slice(0, 12)} · ${b?.fingerprint ?? ''}`
      : 'no batch chosen';
  }

  const ctx: Ctx = {
    get status() {
      return status;
    },
    get digest() {
      return digest;
    },
    get importRefusal() {
      return importRefusal;
    },
    takeReview(d) {
      const r = reviews.get(d) ?? null;
      reviews.delete(d);
      return r;
    },
    select(d, review) {
      digest = d;
      if (d && review) reviews.set(d, review);
      drawHeader();
    },
    setImportRefusal(e) {
      importRefusal = e;
    },
    go(id) {
      show(id);
    },
    async refreshStatus(): Promise<IpcResult<ApplianceStatus>> {
      const r = await call('status:get', {});
      if (r.ok) {
        status = r.value;
        drawHeader();
        for (const l of listeners) l(r.value);
      }
      return r;
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    openFreeze() {
      freeze.open();
    },
  };

  const freeze = createFreezeDialog(ctx);
  freezeButton.addEventListener('click', () => ctx.openFreeze());

  function show(id: ScreenId): void {
    const screen = SCREENS.find((s) => s.id === id);
    if (!screen) return;
    try {
      unmount();
    } catch {
      // a screen's teardown never blocks navigation
    }
    current = id;
    for (const [sid, b] of navButtons) {
      if (sid === id) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    title.textContent = screen.title;
    const root = h('div', { class: 'screen-body', testid: `screen-${id}` });
    main.replaceChildren(title, root);
    document.title = `${screen.title} — Airlock`;
    try {
      unmount = screen.mount(root, ctx);
    } catch (err) {
      unmount = () => {};
      root.append(errorPanel(toErrorView(err)));
    }
    title.focus({ preventScroll: true });
    main.scrollTop = 0;
  }

  document.addEventListener('keydown', (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const key = e.key.toLowerCase();
    // Alt+digit by physical key too, so layouts where Alt changes e.key still work.
    const digit = /^Digit(\d)$/.exec(e.code)?.[1] ?? key;
    const screen = SCREENS.find((s) => s.key === digit);
    if (screen && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      show(screen.id);
    } else if (key === 'f' || e.code === 'KeyF') {
      e.preventDefault();
      ctx.openFreeze();
    }
  });

  app.replaceChildren(
    h(
      'header',
      { class: 'header' },
      h('h1', {}, 'Airlock'),
      network,
      token,
      batch,
      h('span', { class: 'spacer' }),
      freezeButton,
    ),
    banner,
    h('div', { class: 'body' }, nav, main),
    freeze.el,
  );

  try {
    getBridge();
  } catch (err) {
    main.replaceChildren(errorPanel(toErrorView(err)));
    return;
  }
  void ctx.refreshStatus().then(() => show(current));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
