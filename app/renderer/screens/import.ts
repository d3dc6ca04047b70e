/**
 * Import: a batch from the camera (animated QR: dense, UR or BBQr, detected from the frames) or from
 * the USB stick (`usb:list`, then `batch:import {from:'usb', name}`). Live scan progress sits in
 * elements with stable test ids; a batch the appliance refuses is shown as REFUSED with its code,
 * withdrawal and field; an accepted one opens Review.
 */

import type { ReceivedTransfer } from '../../../qr-transport/transfer.js';
import {
  type BatchReview,
  bytesToBase64,
  type ErrorView,
  type IpcResult,
} from '../../common/ipc-contract.js';
import type { Screen } from '../app.js';
import { call } from '../bridge.js';
import { CameraScan } from '../camera.js';
import { busy, facts, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { toErrorView } from '../errors.js';
import { formatBytes } from '../format.js';
import type { ScanSnapshot } from '../scan-tracker.js';

export const importScreen: Screen = {
  id: 'import',
  title: 'Import',
  key: '2',
  mount(root, ctx) {
    let alive = true;
    let scan: CameraScan | null = null;
    let startedAt = 0;
    const refusal = new ErrorSlot('import-refusal');
    const stateEl = h('span', { testid: 'import-state', 'data-state': 'idle' }, 'idle');
    const setState = (s: string, text = s): void => {
      stateEl.dataset.state = s;
      stateEl.textContent = text;
    };

    // ---- camera ----
    const video = h('video', {
      class: 'preview',
      testid: 'import-video',
      muted: true,
      playsinline: true,
    }) as HTMLVideoElement;
    const bar = h('progress', { max: '100', value: '0', testid: 'import-progress' }) as HTMLProgressElement;
    const percent = h('span', { testid: 'import-percent' }, '0');
    const format = h('span', { testid: 'import-format' }, '—');
    const seen = h('span', { testid: 'import-frames-seen' }, '0');
    const read = h('span', { testid: 'import-frames-read' }, '0');
    const useful = h('span', { testid: 'import-frames-useful' }, '0');
    const expected = h('span', { testid: 'import-frames-expected' }, '—');
    const mode = h('span', { testid: 'import-scan-mode' }, '—');
    const elapsed = h('span', { testid: 'import-elapsed' }, '—');
    const notice = h('p', {
      class: 'notice',
      testid: 'import-notice',
      role: 'status',
      'aria-live': 'polite',
    });
    const complete = h('div', { testid: 'import-complete', hidden: true });
    const start = h(
      'button',
      { type: 'button', class: 'primary', testid: 'import-camera-start', onclick: () => void startCamera() },
      'Start camera',
    );
    const stop = h(
      'button',
      { type: 'button', testid: 'import-camera-stop', disabled: true, onclick: () => stopCamera('stopped') },
      'Stop camera',
    );

    function progress(s: ScanSnapshot, m: CameraScan['mode']): void {
      bar.value = s.percent;
      bar.setAttribute('aria-valuenow', String(s.percent));
      percent.textContent = String(s.percent);
      format.textContent = s.format ?? '—';
      seen.textContent = String(s.seen);
      read.textContent = String(s.read);
      useful.textContent = String(s.useful);
      expected.textContent = s.stillExpected === null ? '—' : String(s.stillExpected);
      mode.textContent = m === 'worker' ? 'Web Worker' : 'main thread (throttled)';
      elapsed.textContent = `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;
      notice.textContent = s.notice ? `${s.notice.code}: ${s.notice.message}` : '';
      notice.dataset.code = s.notice?.code ?? '';
    }

    async function startCamera(): Promise<void> {
      stopCamera('idle');
      refusal.clear();
      complete.hidden = true;
      complete.replaceChildren();
      startedAt = performance.now();
      progress(
        {
          state: 'waiting',
          format: null,
          percent: 0,
          seen: 0,
          read: 0,
          useful: 0,
          stillExpected: null,
          notice: null,
          restarts: 0,
        },
        'worker',
      );
      const s = new CameraScan(video, {
        onProgress: (snap, m) => alive && progress(snap, m),
        onComplete: (t) => alive && void received(t),
        onError: (e) => {
          if (!alive) return;
          refusal.show(toErrorView(e), 'camera');
          stopCamera('error');
        },
      });
      scan = s;
      start.disabled = true;
      stop.disabled = false;
      setState('starting', 'starting the camera');
      try {
        await s.start();
        if (scan === s) setState('scanning');
      } catch (err) {
        if (scan !== s) return;
        refusal.show(toErrorView(err), 'camera');
        stopCamera('error');
      }
    }

    function stopCamera(state: string): void {
      scan?.stop();
      scan = null;
      start.disabled = false;
      stop.disabled = true;
      setState(state);
    }

    async function received(t: ReceivedTransfer): Promise<void> {
      scan = null;
      start.disabled = false;
      stop.disabled = true;
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
      complete.hidden = false;
      complete.dataset.bytes = String(t.payload.length);
      complete.dataset.seconds = seconds;
      replace(
        complete,
        h(
          'p',
          { class: 'strong' },
          `Received ${formatBytes(t.payload.length)} (${t.format}) in ${seconds} s. Importing…`,
        ),
      );
      setState('importing');
      await finish(await call('batch:import', { from: 'camera', bytes: bytesToBase64(t.payload) }), 'camera');
    }

    async function finish(r: IpcResult<BatchReview>, from: string): Promise<void> {
      if (!alive) return;
      if (!r.ok) {
        setState('refused', 'REFUSED');
        ctx.setImportRefusal(r.error);
        showRefusal(r.error, from);
        return;
      }
      setState('imported');
      ctx.setImportRefusal(null);
      ctx.select(r.value.digest, r.value);
      void ctx.refreshStatus();
      ctx.go('review');
    }

    function showRefusal(e: ErrorView, from: string): void {
      refusal.show(e, `the batch from the ${from} was not imported`);
    }

    const camera = h(
      'section',
      { class: 'card', testid: 'import-camera' },
      h('h3', {}, 'From the camera'),
      h('p', { class: 'hint' }, "Point the camera at the online node's animated QR code."),
      h('div', { class: 'camera' }, video),
      h('div', { class: 'buttons' }, start, stop),
      h('div', { class: 'progress-row' }, bar, h('span', { class: 'strong' }, percent, ' %')),
      facts([
        ['State', stateEl],
        ['Format', format],
        ['Images scanned', seen],
        ['QR codes read', read],
        ['Useful frames', useful],
        ['Frames still needed (at least)', expected],
        ['Scanning on', mode],
        ['Time', elapsed],
      ]),
      notice,
      complete,
    );

    // ---- USB ----
    const usbErrors = new ErrorSlot('usb-error');
    const usbList = h('div', { testid: 'usb-list' });
    const usbRefresh = h(
      'button',
      { type: 'button', testid: 'usb-refresh', onclick: () => void listUsb() },
      'Refresh list',
    );
    async function listUsb(): Promise<void> {
      const r = await busy(usbRefresh, () => call('usb:list', {}));
      if (!alive) return;
      if (!r.ok) {
        usbErrors.show(r.error, 'USB stick');
        usbList.replaceChildren();
        return;
      }
      usbErrors.clear();
      const { root: usbRoot, files } = r.value;
      replace(
        usbList,
        h('p', { class: 'hint' }, 'Stick: ', h('span', { class: 'mono' }, usbRoot)),
        files.length === 0
          ? h('p', { testid: 'usb-empty' }, 'No file on the stick.')
          : h(
              'table',
              {},
              h(
                'thead',
                {},
                h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Size'), h('th', {}, 'Kind'), h('th', {}, '')),
              ),
              h(
                'tbody',
                {},
                ...files.map((f) => {
                  const b = h(
                    'button',
                    { type: 'button', testid: 'usb-import', 'data-name': f.name },
                    'Import',
                  ) as HTMLButtonElement;
                  b.addEventListener('click', () => void importUsb(f.name, b));
                  return h(
                    'tr',
                    { testid: 'usb-file-row', 'data-name': f.name, 'data-kind': f.kind },
                    h('td', { class: 'mono wrap' }, f.name),
                    h('td', { class: 'num' }, formatBytes(f.bytes)),
                    h('td', {}, f.kind),
                    h('td', {}, b),
                  );
                }),
              ),
            ),
      );
    }
    async function importUsb(name: string, button: HTMLButtonElement): Promise<void> {
      stopCamera('idle');
      refusal.clear();
      setState('importing');
      const r = await busy(button, () => call('batch:import', { from: 'usb', name }));
      await finish(r, `USB file ${name}`);
    }
    const usb = h(
      'section',
      { class: 'card', testid: 'import-usb' },
      h('h3', {}, 'From the USB stick'),
      h('div', { class: 'buttons' }, usbRefresh),
      usbErrors.el,
      usbList,
    );

    root.append(refusal.el, h('div', { class: 'grid two' }, camera, usb));
    if (ctx.importRefusal) showRefusal(ctx.importRefusal, 'last import');
    void listUsb();
    return () => {
      alive = false;
      scan?.stop();
      scan = null;
    };
  },
};
