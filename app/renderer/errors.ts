/**
 * The console's own typed errors: what goes wrong in the renderer itself (no bridge, camera refused,
 * the biometric step cancelled, a QR frame that cannot be drawn), with a stable `code` like the
 * appliance's. `toErrorView` turns any of them, or anything thrown, into the same `ErrorView` the
 * appliance's refusals arrive as, so one panel shows both. Pure (no DOM, no `node:`).
 */
import type { ErrorView } from '../common/ipc-contract.js';

/** Stable codes of the renderer's own errors. Append-only. */
export const RENDERER_ERROR_CODES = [
  /** `window.airlock` is missing: the page was opened outside the console. */
  'BRIDGE_MISSING',
  /** `invoke` rejected instead of resolving to an IpcResult. */
  'IPC_REJECTED',
  /** The camera could not be opened (no device, permission refused, in use). */
  'CAMERA_UNAVAILABLE',
  /** The biometric (WebAuthn) step was cancelled, timed out or refused by the authenticator. */
  'WEBAUTHN_FAILED',
  /** The authenticator answered with something that is not an assertion. */
  'WEBAUTHN_BAD_RESPONSE',
  /** The signed result could not be shown as QR (too large a frame for the options). */
  'QR_RENDER_FAILED',
  /** A form was submitted without a value it needs. */
  'INPUT_MISSING',
] as const;
export type RendererErrorCode = (typeof RENDERER_ERROR_CODES)[number];

export class RendererError extends Error {
  override readonly name = 'RendererError';
  constructor(
    readonly code: RendererErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** An ErrorView for anything thrown in the renderer; never throws itself. */
export function toErrorView(err: unknown): ErrorView {
  if (err instanceof RendererError) {
    const kind: ErrorView['kind'] = err.code === 'INPUT_MISSING' ? 'invalid-request' : 'internal';
    return err.field === undefined
      ? { kind, code: err.code, message: err.message }
      : { kind, code: err.code, message: err.message, field: err.field };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      kind: 'internal',
      code: typeof code === 'string' && code.length > 0 ? code : err.name || 'ERROR',
      message: err.message,
    };
  }
  return { kind: 'internal', code: 'ERROR', message: String(err) };
}
