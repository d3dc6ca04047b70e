/**
 * The one way the console shows an error: a panel (role="alert") with a headline (REFUSED for
 * refusals), then code, message, withdrawal, field, rule, expected and found, each row with a stable
 * data-testid (`error-code`, `error-message`, `error-withdrawalId`, `error-field`, `error-rule`,
 * `error-expected`, `error-found`), and a hint in plain words for wrong or locked PINs.
 */
import type { ErrorView } from '../common/ipc-contract.js';
import { h } from './dom.js';
import { errorHeadline, errorRows, pinHint } from './format.js';

export function errorPanel(error: ErrorView, testid = 'error-panel', context?: string): HTMLElement {
  const headline = errorHeadline(error);
  const dl = h('dl', { class: 'facts' });
  for (const row of errorRows(error)) {
    dl.append(
      h('dt', {}, row.label),
      h('dd', { testid: `error-${row.key}`, class: row.key === 'message' ? 'wrap' : 'mono wrap' }, row.value),
    );
  }
  const hint = pinHint(error);
  return h(
    'section',
    {
      class: `error-panel ${headline === 'REFUSED' ? 'refused' : ''}`,
      role: 'alert',
      testid,
      'data-code': error.code,
      'data-kind': error.kind,
    },
    h('h3', { testid: 'error-headline' }, context ? `${headline}: ${context}` : headline),
    dl,
    hint ? h('p', { class: 'hint strong', testid: 'error-hint' }, hint) : null,
  );
}

/** A slot that shows one error at a time (empty when cleared). */
export class ErrorSlot {
  readonly el: HTMLElement;
  constructor(private readonly testid = 'error-panel') {
    this.el = h('div', { class: 'error-slot' });
  }
  show(error: ErrorView, context?: string): void {
    this.el.replaceChildren(errorPanel(error, this.testid, context));
    this.el.scrollIntoView?.({ block: 'nearest' });
  }
  clear(): void {
    this.el.replaceChildren();
  }
}
