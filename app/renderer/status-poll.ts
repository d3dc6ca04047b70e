/**
 * Keeps a screen's view of the appliance current: draws the status the console already has, asks for
 * a fresh one now and every five seconds (a card put in or taken out shows up), shows a failure in the
 * screen's error slot, and stops when the screen is left. `draw` is called only while mounted.
 */
import type { ApplianceStatus } from '../common/ipc-contract.js';
import type { Ctx, Unmount } from './app.js';
import type { ErrorSlot } from './error-panel.js';

export const STATUS_POLL_MS = 5_000;

export function pollStatus(
  ctx: Ctx,
  errors: ErrorSlot,
  draw: (status: ApplianceStatus) => void,
): { load: () => Promise<void>; stop: Unmount } {
  let alive = true;
  const guarded = (s: ApplianceStatus) => {
    if (alive) draw(s);
  };
  async function load(): Promise<void> {
    const r = await ctx.refreshStatus();
    if (!alive) return;
    if (r.ok) errors.clear();
    else errors.show(r.error, 'status');
  }
  const off = ctx.onStatus(guarded);
  if (ctx.status) guarded(ctx.status);
  void load();
  const timer = setInterval(() => void load(), STATUS_POLL_MS);
  return {
    load,
    stop: () => {
      alive = false;
      off();
      clearInterval(timer);
    },
  };
}
