// A heatmap with labelled axes, a colour legend, and a tooltip giving the exact value and the row/column
// pair under the mouse. The grid is focusable: arrow keys move a cursor cell and show its tooltip.
// The cells are painted one pixel per value and scaled with smoothing off, so a 512 × 512 map draws as
// fast as a 4 × 4 one.
import { legend, paint } from './colormap.ts';
import { el } from './dom.ts';

export interface HeatmapData {
  rows: string[];
  cols: string[];
  /** rows × cols, row-major. */
  values: ArrayLike<number>;
  min: number;
  max: number;
  /** What the colours mean, for the legend. */
  caption: string;
  /** Tooltip text of cell (i, j). */
  describe: (i: number, j: number, value: number) => string;
  /** Accessible name of the grid. */
  label: string;
}

/** Axis labels are drawn only when a cell is at least this tall/wide, else they would overlap. */
const MIN_LABELLED_CELL = 11;

export class Heatmap {
  readonly element: HTMLElement;
  private canvas = el('canvas', { class: 'hm-cells', attrs: { tabindex: 0, 'data-testid': 'heatmap-cells' } });
  private tip = el('div', { class: 'hm-tip', attrs: { role: 'tooltip', hidden: true, 'data-testid': 'heatmap-tip' } });
  private colLabels = el('div', { class: 'hm-cols', attrs: { 'aria-hidden': 'true' } });
  private rowLabels = el('div', { class: 'hm-rows', attrs: { 'aria-hidden': 'true' } });
  private legendSlot = el('div');
  private grid: HTMLElement;
  private data: HeatmapData | undefined;
  private cell = 0;
  private cursor: [number, number] | undefined;

  /** `maxSize`: the largest width/height of the cell area in CSS pixels. */
  constructor(private maxSize: number, private maxCell = 40) {
    this.tip.id = `tip-${Math.random().toString(36).slice(2)}`;
    this.canvas.setAttribute('aria-describedby', this.tip.id);
    const wrap = el('div', { class: 'hm-wrap' }, [this.canvas, this.tip]);
    this.grid = el('div', { class: 'hm-grid' }, [el('div'), this.colLabels, this.rowLabels, wrap]);
    this.element = el('figure', { class: 'heatmap' }, [this.grid, this.legendSlot]);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener('mouseleave', () => this.hideTip());
    this.canvas.addEventListener('focus', () => this.moveCursor(0, 0));
    this.canvas.addEventListener('blur', () => this.hideTip());
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
  }

  show(data: HeatmapData): void {
    this.data = data;
    this.cursor = undefined;
    const { rows, cols } = data;
    this.cell = Math.max(1, Math.min(this.maxCell, Math.floor(this.maxSize / Math.max(rows.length, cols.length))));
    const w = cols.length * this.cell;
    const h = rows.length * this.cell;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.setAttribute('aria-label', `${data.label}: ${rows.length} × ${cols.length}; arrow keys move between cells`);
    this.grid.style.gridTemplateColumns = `auto ${w}px`;
    const labelled = this.cell >= MIN_LABELLED_CELL;
    const labels = (names: string[], cls: string) =>
      names.map((n) => el('span', { class: cls, text: n, attrs: { title: n, style: `flex-basis:${this.cell}px` } }));
    this.colLabels.replaceChildren(...(labelled ? labels(cols, 'hm-col') : []));
    this.rowLabels.replaceChildren(...(labelled ? labels(rows, 'hm-row') : []));
    this.legendSlot.replaceChildren(legend(data.min, data.max, data.caption));
    this.hideTip();
    this.draw();
  }

  private draw(): void {
    const data = this.data!;
    const rows = data.rows.length;
    const cols = data.cols.length;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(cols * this.cell * dpr);
    this.canvas.height = Math.round(rows * this.cell * dpr);
    const source = new OffscreenCanvas(cols, rows);
    const image = new ImageData(cols, rows);
    paint(data.values, data.min, data.max, image.data);
    source.getContext('2d')!.putImageData(image, 0, 0);
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(source, 0, 0, this.canvas.width, this.canvas.height);
    if (this.cursor) {
      const [i, j] = this.cursor;
      const s = this.cell * dpr;
      ctx.strokeStyle = '#ff3366';
      ctx.lineWidth = Math.max(2, s / 8);
      ctx.strokeRect(j * s + ctx.lineWidth / 2, i * s + ctx.lineWidth / 2, s - ctx.lineWidth, s - ctx.lineWidth);
    }
  }

  private hover(x: number, y: number): void {
    if (!this.data) return;
    const i = Math.floor(y / this.cell);
    const j = Math.floor(x / this.cell);
    if (i < 0 || j < 0 || i >= this.data.rows.length || j >= this.data.cols.length) return this.hideTip();
    this.showTip(i, j);
  }

  private showTip(i: number, j: number): void {
    const data = this.data!;
    const value = data.values[i * data.cols.length + j];
    this.tip.textContent = data.describe(i, j, value);
    this.tip.dataset.row = String(i);
    this.tip.dataset.col = String(j);
    this.tip.hidden = false;
    // Beside the cell, flipped to the other side near the right and bottom edges.
    const w = data.cols.length * this.cell;
    const h = data.rows.length * this.cell;
    const left = (j + 1) * this.cell + 8;
    const top = (i + 1) * this.cell + 8;
    this.tip.style.left = left + 220 > w ? '' : `${left}px`;
    this.tip.style.right = left + 220 > w ? `${w - j * this.cell + 8}px` : '';
    this.tip.style.top = top + 60 > h ? '' : `${top}px`;
    this.tip.style.bottom = top + 60 > h ? `${h - i * this.cell + 8}px` : '';
  }

  private hideTip(): void {
    this.tip.hidden = true;
    if (this.cursor) {
      this.cursor = undefined;
      if (this.data) this.draw();
    }
  }

  private moveCursor(i: number, j: number): void {
    if (!this.data) return;
    this.cursor = [Math.max(0, Math.min(this.data.rows.length - 1, i)), Math.max(0, Math.min(this.data.cols.length - 1, j))];
    this.draw();
    this.showTip(...this.cursor);
  }

  private onKey(e: KeyboardEvent): void {
    const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (!step || !this.data) return;
    e.preventDefault();
    const [i, j] = this.cursor ?? [0, 0];
    this.moveCursor(i + step[0], j + step[1]);
  }
}
