/**
 * Export: the signed result (`result:get`) played as an animated QR for the online node's camera
 * (dense by default, as `airlock qr encode`; UR or BBQr for wallets), with size, speed, pause/step
 * and a frame counter; and "Save to USB" (`result:export-usb`). The canvas is `export-qr`, its
 * `data-frame` the index of the frame shown.
 */

import type { EncodeOptions } from '../../../qr-transport/transfer.js';
import { base64ToBytes } from '../../common/ipc-contract.js';
import type { Screen } from '../app.js';
import { call } from '../bridge.js';
import { busy, facts, field, h, replace } from '../dom.js';
import { ErrorSlot } from '../error-panel.js';
import { toErrorView } from '../errors.js';
import { formatBytes } from '../format.js';
import { DEFAULT_FPS, MAX_FPS, MIN_FPS } from '../playback.js';
import { type PlayerState, QrPlayer } from '../qr-player.js';

function encodeOptions(format: string): EncodeOptions {
  switch (format) {
    case 'ur':
      return { format: 'ur' };
    case 'bbqr':
      return { format: 'bbqr' };
    default:
      return { format: 'dense' };
  }
}

export const exportScreen: Screen = {
  id: 'export',
  title: 'Export',
  key: '5',
  mount(root, ctx) {
    const errors = new ErrorSlot();
    let alive = true;
    let player: QrPlayer | null = null;
    const digest = ctx.digest;
    root.append(errors.el);
    if (digest === null) {
      root.append(h('p', { testid: 'export-empty' }, 'Choose a signed batch first (Status or Review).'));
      return () => {};
    }

    const canvas = h('canvas', {
      testid: 'export-qr',
      class: 'qr',
      'data-frame': '-1',
      role: 'img',
      'aria-label': 'animated QR code of the signed result',
    }) as HTMLCanvasElement;
    const stage = h('div', { class: 'qr-stage', testid: 'export-stage' }, canvas);
    const counter = h('span', { testid: 'export-frame-counter', 'aria-live': 'off' }, '—');
    const info = h('span', { testid: 'export-info' }, '—');
    const formatSel = h(
      'select',
      { testid: 'export-format' },
      h('option', { value: 'dense' }, 'Airlock dense (default)'),
      h('option', { value: 'ur' }, 'BC-UR (ur:bytes)'),
      h('option', { value: 'bbqr' }, 'BBQr'),
    ) as HTMLSelectElement;
    const scaleSel = h(
      'select',
      { testid: 'export-scale' },
      h('option', { value: 'auto' }, 'fit the screen'),
      ...[2, 3, 4, 5, 6, 8, 10, 12].map((n) => h('option', { value: String(n) }, `${n} px a module`)),
    ) as HTMLSelectElement;
    const fps = h('input', {
      type: 'number',
      min: String(MIN_FPS),
      max: String(MAX_FPS),
      step: '1',
      value: String(DEFAULT_FPS),
      testid: 'export-fps',
    }) as HTMLInputElement;
    const pause = h(
      'button',
      { type: 'button', testid: 'export-pause', 'aria-pressed': 'false' },
      'Pause',
    ) as HTMLButtonElement;
    const step = h('button', { type: 'button', testid: 'export-step' }, 'Next frame') as HTMLButtonElement;
    const usbBtn = h(
      'button',
      { type: 'button', class: 'primary', testid: 'export-usb' },
      'Save to USB',
    ) as HTMLButtonElement;
    const usbOut = h('div', { testid: 'export-usb-result' });
    const usbErrors = new ErrorSlot('export-usb-error');

    const shown = (s: PlayerState): void => {
      counter.textContent = `frame ${s.frame + 1}${s.paused ? ' (paused)' : ''}`;
      info.textContent = `${s.format}, ${s.fragments} fragment(s), QR version ${s.version}, ${s.scale} px a module, ${s.fps.toFixed(0)} fps`;
    };
    // The stage's room in device pixels: its width, and the window's height below its top.
    const room = (): number => {
      const dpr = globalThis.devicePixelRatio || 1;
      const rect = stage.getBoundingClientRect();
      const h2 = window.innerHeight - Math.max(0, rect.top) - 16;
      return Math.floor(Math.max(120, Math.min(stage.clientWidth, h2)) * dpr);
    };
    const guard = (fn: () => void) => () => {
      try {
        fn();
      } catch (err) {
        errors.show(toErrorView(err), 'QR display');
      }
    };
    formatSel.addEventListener(
      'change',
      guard(() => player?.setOptions(encodeOptions(formatSel.value))),
    );
    scaleSel.addEventListener(
      'change',
      guard(() => player?.setScale(scaleSel.value === 'auto' ? null : Number(scaleSel.value))),
    );
    fps.addEventListener('change', () => {
      const n = Math.round(Number(fps.value));
      if (!Number.isFinite(n) || n < MIN_FPS || n > MAX_FPS) {
        fps.value = String(player?.state.fps ?? DEFAULT_FPS);
        return;
      }
      player?.setFps(n);
    });
    pause.addEventListener('click', () => {
      if (!player) return;
      if (player.state.paused) player.resume();
      else player.pause();
      pause.textContent = player.state.paused ? 'Play' : 'Pause';
      pause.setAttribute('aria-pressed', String(player.state.paused));
    });
    step.addEventListener(
      'click',
      guard(() => player?.step()),
    );
    usbBtn.addEventListener('click', async () => {
      usbErrors.clear();
      const r = await busy(usbBtn, () => call('result:export-usb', { digest }));
      if (!alive) return;
      if (!r.ok) {
        usbErrors.show(r.error, 'save to USB');
        return;
      }
      replace(
        usbOut,
        facts([
          ['Saved to', h('span', { class: 'mono wrap' }, r.value.path), 'export-usb-path'],
          ['Size', formatBytes(r.value.bytes)],
          ['SHA-256', h('span', { class: 'mono wrap small' }, r.value.sha256), 'export-usb-sha256'],
        ]),
      );
    });
    const onResize = (): void => player?.refit();
    window.addEventListener('resize', onResize);

    root.append(
      h(
        'div',
        { class: 'export-layout' },
        h(
          'section',
          { class: 'card controls' },
          h('h3', {}, 'Signed result'),
          h(
            'p',
            { class: 'hint' },
            "Hold the online node's camera to this screen until it reports complete.",
          ),
          facts([
            ['Frame', counter],
            ['Shown as', info],
          ]),
          field('Format', formatSel),
          field('Size', scaleSel),
          field('Speed (frames a second)', fps),
          h('div', { class: 'buttons' }, pause, step),
          h('hr', {}),
          h('div', { class: 'buttons' }, usbBtn),
          usbErrors.el,
          usbOut,
        ),
        stage,
      ),
    );

    void call('result:get', { digest }).then((r) => {
      if (!alive) return;
      if (!r.ok) {
        errors.show(r.error, 'the signed result');
        stage.replaceChildren(h('p', { testid: 'export-unavailable' }, 'No signed result to show.'));
        return;
      }
      try {
        const bytes = base64ToBytes(r.value.bytes);
        stage.dataset.fileName = r.value.fileName;
        stage.dataset.bytes = String(bytes.length);
        player = new QrPlayer(
          canvas,
          bytes,
          encodeOptions(formatSel.value),
          DEFAULT_FPS,
          room,
          shown,
          (err) => errors.show(toErrorView(err), 'QR display'),
        );
        player.start();
      } catch (err) {
        errors.show(toErrorView(err), 'QR display');
      }
    });
    return () => {
      alive = false;
      player?.stop();
      player = null;
      window.removeEventListener('resize', onResize);
    };
  },
};
