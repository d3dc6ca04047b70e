/**
 * The console's shared state and the interface every screen gets: the appliance status (refreshed
 * on demand and after every action that changes it), the batch the operator is working on, and
 * navigation. Screens are modules with `mount(root, ctx)` returning their teardown (camera off,
 * animation stopped, event listeners removed), so leaving a screen never leaves anything running.
 */
import type { ApplianceStatus, BatchReview, ErrorView, IpcResult } from '../common/ipc-contract.js';

export type ScreenId = 'status' | 'import' | 'review' | 'sign' | 'export' | 'audit' | 'operators' | 'motions';

export interface Ctx {
  /** The last status read (null before the first, or when it failed). */
  readonly status: ApplianceStatus | null;
  /** The batch being worked on (digest), chosen on Status, by an import, or on Review. */
  readonly digest: string | null;
  /** The import refused last (camera or USB), shown on Import and Review until the next import. */
  readonly importRefusal: ErrorView | null;
  /** A review just obtained (import, approval) to show without asking again. */
  takeReview(digest: string): BatchReview | null;
  select(digest: string | null, review?: BatchReview): void;
  setImportRefusal(error: ErrorView | null): void;
  go(screen: ScreenId): void;
  refreshStatus(): Promise<IpcResult<ApplianceStatus>>;
  /** Called with every new status; returns the unsubscribe function. */
  onStatus(listener: (status: ApplianceStatus) => void): () => void;
  openFreeze(): void;
}

export type Unmount = () => void;

export interface Screen {
  readonly id: ScreenId;
  readonly title: string;
  /** Alt+key switches to the screen. */
  readonly key: string;
  mount(root: HTMLElement, ctx: Ctx): Unmount;
}
