// Small DOM and formatting helpers: the demo builds its UI from plain elements, without a framework.

type Child = Node | string | false | null | undefined;

export interface ElementProps {
  class?: string;
  text?: string;
  /** Attributes set with setAttribute (aria-*, role, for, type, …). */
  attrs?: Record<string, string | number | boolean>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (e: HTMLElementEventMap[K]) => void }>;
}

/** Creates an element with attributes, listeners and children; falsy children are skipped. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, fn] of Object.entries(props.on ?? {})) node.addEventListener(type, fn as EventListener);
  for (const c of children) if (c) node.append(c);
  return node;
}

let nextId = 0;
/** A unique element id, for label/for and aria-controls pairs. */
export function uid(prefix: string): string {
  return `${prefix}-${++nextId}`;
}

/** A labelled form control: `<label for=id>text</label>` followed by the control, in one wrapper. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id ||= uid('field');
  return el('div', { class: 'field' }, [
    el('label', { text: label, attrs: { for: control.id } }),
    control,
    hint ? el('span', { class: 'hint', text: hint }) : null,
  ]);
}

export function button(text: string, onClick: () => void, cls = 'primary'): HTMLButtonElement {
  return el('button', { class: cls, text, attrs: { type: 'button' }, on: { click: onClick } });
}

/** A simple table; header cells get scope=col so screen readers announce them with each cell. */
export function table(headers: string[], rows: Child[][], cls = 'data'): HTMLTableElement {
  return el('table', { class: cls }, [
    el('thead', {}, [el('tr', {}, headers.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))]),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, [c]))))),
  ]);
}

/** A horizontal bar for a value in [0, 1] (scores, probabilities, shares of time). */
export function bar(fraction: number): HTMLElement {
  const pct = Math.max(0, Math.min(1, fraction)) * 100;
  return el('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } }, [el('span', { attrs: { style: `width:${pct.toFixed(1)}%` } })]);
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/**
 * Scores and attention weights as shown in tables and tooltips: 6 significant digits, so the tests can
 * compare the page with the engine's numbers to 5e-6 relative.
 */
export function formatScore(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : String(v);
}

/** Lets the browser paint between chunks of work, so long loops never freeze the page. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
