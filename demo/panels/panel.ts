// What every panel shares: its contract with main.ts, and the run line under its inputs (a button that
// runs the task, how long the run took, or its one-line error).
import type { EncoderModel } from '../../src/browser.ts';
import type { DemoApp, Loaded } from '../app.ts';
import { el, errorMessage, formatMs } from '../dom.ts';
import { setStatus } from '../status.ts';

export interface Panel {
  id: string;
  title: string;
  element: HTMLElement;
  /** Why the panel cannot run on this model (shown instead of its inputs), or undefined when it can. */
  unavailable?(model: EncoderModel): string | undefined;
  /** A new model was loaded: clear results that belong to the old one. */
  onModel?(loaded: Loaded): void;
}

/** A task panel's header: its title and one sentence on what it shows. */
export function intro(title: string, text: string): HTMLElement {
  return el('header', { class: 'panel-intro' }, [el('h2', { text: title }), el('p', { text })]);
}

/**
 * The Run button and the line beside it. `run` disables the button while the work runs, times it (wall
 * clock around the task call: tokenizing, the forward with its readback, and the post-processing) and
 * shows either that time or the error.
 */
export class RunLine {
  readonly element: HTMLElement;
  readonly button: HTMLButtonElement;
  private line = el('span', { class: 'run-line', attrs: { 'aria-live': 'polite' } });

  constructor(private app: DemoApp, label: string, private what: string, onClick: () => void) {
    this.button = el('button', { class: 'primary', text: label, attrs: { type: 'button' }, on: { click: onClick } });
    this.element = el('div', { class: 'run-row' }, [this.button, this.line]);
  }

  async run<T>(work: (model: EncoderModel) => Promise<T>): Promise<T | undefined> {
    this.button.disabled = true;
    this.line.className = 'run-line';
    this.line.textContent = 'running…';
    setStatus(`running ${this.what}…`, 'busy');
    const t0 = performance.now();
    try {
      const result = await this.app.run(work);
      const ms = performance.now() - t0;
      this.line.textContent = `${this.what} took ${formatMs(ms)} (wall clock: tokenize, forward, readback, post-processing)`;
      setStatus(`ready: ${this.what} took ${formatMs(ms)}`);
      return result;
    } catch (e) {
      this.line.className = 'run-line error';
      this.line.textContent = errorMessage(e);
      this.line.setAttribute('role', 'alert');
      setStatus(`${this.what} failed`, 'error');
      return undefined;
    } finally {
      this.button.disabled = false;
    }
  }

  clear(): void {
    this.line.className = 'run-line';
    this.line.removeAttribute('role');
    this.line.textContent = '';
  }
}

/** A placeholder shown where a panel's results go before the first run or when it cannot run. */
export function placeholder(text: string): HTMLElement {
  return el('p', { class: 'placeholder', text });
}
