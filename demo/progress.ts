// The model bar's progress bar: one <progress> and a line saying which stage and file it is at.
import type { DemoProgress } from './app.ts';
import { el, formatBytes } from './dom.ts';

const STAGE_TEXT: Record<DemoProgress['stage'], string> = {
  read: 'Reading',
  download: 'Downloading',
  upload: 'Uploading weights to the GPU',
  compile: 'First forwards (planning and compiling)',
};

export class ProgressBar {
  readonly element: HTMLElement;
  private bar = el('progress', { attrs: { max: 1, 'aria-label': 'Model loading progress' } });
  private text = el('span', { class: 'progress-text', attrs: { 'aria-live': 'polite' } });
  /** Files already in memory pass through the loader's 'download' stage too: they are read, not downloaded. */
  private fromNetwork = false;

  constructor() {
    this.element = el('div', { class: 'progress', attrs: { hidden: true } }, [this.bar, this.text]);
  }

  start(what: string, fromNetwork: boolean): void {
    this.fromNetwork = fromNetwork;
    this.element.hidden = false;
    this.bar.removeAttribute('value'); // indeterminate until sizes are known
    this.text.textContent = what;
  }

  update(p: DemoProgress): void {
    const file = p.file ? ` ${p.file}` : '';
    const stage = p.stage === 'download' && !this.fromNetwork ? STAGE_TEXT.read : STAGE_TEXT[p.stage];
    if (p.stage === 'compile') {
      this.bar.value = p.loaded / p.total;
      this.text.textContent = `${STAGE_TEXT.compile}: ${p.loaded + 1} of ${p.total}`;
    } else if (p.total) {
      this.bar.value = Math.min(1, p.loaded / p.total);
      this.text.textContent = `${stage}${file}: ${formatBytes(p.loaded)} of ${formatBytes(p.total)}`;
    } else {
      this.bar.removeAttribute('value');
      this.text.textContent = `${stage}${file}: ${formatBytes(p.loaded)}`;
    }
  }

  finish(text: string): void {
    this.bar.value = 1;
    this.text.textContent = text;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
