/**
 * A small element builder for the console: `h('button', { testid: 'x', onclick }, 'Text')`. Text is
 * always set as text nodes (never innerHTML), so nothing from the appliance or a QR code can become
 * markup; no inline style attributes (the CSP forbids them): looks come from console.css classes.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Attrs {
  /** Becomes `data-testid`. */
  testid?: string;
  class?: string;
  [attr: string]: unknown;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'testid') el.setAttribute('data-testid', String(value));
    else if (key === 'class') el.className = String(value);
    else if (key.startsWith('on') && typeof value === 'function')
      el.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'value' && 'value' in el) (el as unknown as { value: string }).value = String(value);
    else if (key === 'style') throw new TypeError('inline style is blocked by the console CSP: use a class');
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A labelled form field: label, control and an optional hint, wired with for/id. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 10)}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('div', { class: 'hint' }, hint) : null,
  );
}

/** A definition list of label/value pairs, each value with an optional test id. */
export function facts(rows: readonly [label: string, value: Child, testid?: string][]): HTMLElement {
  const dl = h('dl', { class: 'facts' });
  for (const [label, value, testid] of rows) dl.append(h('dt', {}, label), h('dd', { testid }, value));
  return dl;
}

/** Run an async action with the button disabled and marked busy; the button's text is kept. */
export async function busy<T>(button: HTMLButtonElement | null, action: () => Promise<T>): Promise<T> {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await action();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}
