// The colour scale of every heatmap (viridis: perceptually uniform and readable with colour blindness)
// and its legend.
import { el, formatScore } from './dom.ts';

// Viridis sampled at 9 evenly spaced points (matplotlib's table); linear interpolation in between is
// within a few levels of the full 256-entry table.
const ANCHORS: [number, number, number][] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** 256 RGB entries, built once. */
const LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (ANCHORS.length - 1);
    const k = Math.min(Math.floor(x), ANCHORS.length - 2);
    const t = x - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = ANCHORS[k][c] + (ANCHORS[k + 1][c] - ANCHORS[k][c]) * t;
  }
  return lut;
})();

/** Index into the table for a value in [min, max] (clamped; NaN and a flat range give the lowest colour). */
function level(v: number, min: number, max: number): number {
  const t = max > min ? (v - min) / (max - min) : 0;
  return Number.isFinite(t) ? Math.round(Math.max(0, Math.min(1, t)) * 255) : 0;
}

/** Writes rows × cols values into RGBA pixels, one pixel per value. */
export function paint(values: ArrayLike<number>, min: number, max: number, out: Uint8ClampedArray): void {
  for (let p = 0; p < values.length; p++) {
    const l = 3 * level(values[p], min, max);
    out[4 * p] = LUT[l];
    out[4 * p + 1] = LUT[l + 1];
    out[4 * p + 2] = LUT[l + 2];
    out[4 * p + 3] = 255;
  }
}

/** A small canvas showing `values` (rows × cols), one pixel per value, scaled up by CSS without smoothing. */
export function thumbnail(values: ArrayLike<number>, rows: number, cols: number, min: number, max: number): HTMLCanvasElement {
  const canvas = el('canvas', { class: 'thumb' });
  canvas.width = cols;
  canvas.height = rows;
  const image = new ImageData(cols, rows);
  paint(values, min, max, image.data);
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

/** A horizontal colour bar with its range: what the colours of a heatmap mean. */
export function legend(min: number, max: number, caption: string): HTMLElement {
  const canvas = el('canvas', { class: 'legend-bar', attrs: { 'aria-hidden': 'true' } });
  canvas.width = 256;
  canvas.height = 1;
  const image = new ImageData(256, 1);
  paint(Array.from({ length: 256 }, (_, i) => i), 0, 255, image.data);
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return el('div', { class: 'legend', attrs: { role: 'img', 'aria-label': `${caption}: colour scale from ${formatScore(min)} (dark purple) to ${formatScore(max)} (yellow)` } }, [
    el('span', { class: 'legend-caption', text: caption }),
    el('span', { class: 'legend-min', text: formatScore(min) }),
    canvas,
    el('span', { class: 'legend-max', text: formatScore(max) }),
  ]);
}
