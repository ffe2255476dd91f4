// Charts as SVG text, from data alone: a grouped bar chart and a line chart, each a self-contained <svg>
// (inline styles, generic font families, no scripts), so a report can embed them in Markdown, a page can
// inject them, and nothing needs a browser or a plotting library to draw them.

export interface BarSeries {
  name: string;
  /** One value per group; null marks a failed measurement ('n/a' under the bar), undefined one not made here. */
  values: (number | null | undefined)[];
}

export interface BarChartSpec {
  title: string;
  /** The value axis, with its unit: 'GFLOP/s'. */
  yLabel: string;
  xLabel?: string;
  groups: string[];
  series: BarSeries[];
  /** Logarithmic value axis, for values spanning decades (latencies of engines on a CPU and a GPU). */
  log?: boolean;
  /** A dashed horizontal line, e.g. 100 % of a ceiling. */
  reference?: { value: number; label: string };
}

export interface LineSeries {
  name: string;
  points: [x: number, y: number][];
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logX?: boolean;
  logY?: boolean;
}

/** Tableau 10: distinguishable, and still readable in greyscale print by lightness. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const PLOT_H = 280;
const MARGIN = { left: 78, right: 24, top: 48 };
/** Rough advance of an 11 px sans-serif glyph, for layout without a font engine. */
const CHAR_W = 6.2;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Three significant digits, no exponent for everyday magnitudes: 0.0123, 4.56, 789, 12.3k. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a === 0) return '0';
  return Number(v.toPrecision(3)).toString();
}

interface Scale { toPx: (v: number) => number; ticks: number[] }

/** "Nice" linear ticks (1, 2, 5 x 10^k) from 0 (or the minimum, if negative) to at least `max`. */
function linearScale(min: number, max: number, px: number): Scale {
  const lo = Math.min(0, min);
  const hi = max > lo ? max : lo + 1;
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const top = Math.ceil(hi / step) * step;
  const bottom = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = bottom; t <= top + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { toPx: (v) => px - ((v - bottom) / (top - bottom)) * px, ticks };
}

/** Decades (and 2, 5 within them when the range is short) covering [min, max]; values must be > 0. */
function logScale(min: number, max: number, px: number): Scale {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(Math.ceil(Math.log10(max)), lo + 1);
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) if (e < hi || m === 1) ticks.push(m * 10 ** e);
  return { toPx: (v) => px - ((Math.log10(v) - lo) / (hi - lo)) * px, ticks };
}

function scaleFor(values: number[], px: number, log: boolean | undefined): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (!finite.length) return linearScale(0, 1, px);
  return log ? logScale(Math.min(...finite), Math.max(...finite), px) : linearScale(Math.min(...finite), Math.max(...finite), px);
}

/** The plot width under which a 15 px bold title would not fit the frame. */
function titlePlotWidth(title: string): number {
  return title.length * 8.6 + 24 - MARGIN.left - MARGIN.right;
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(s)}</text>`;
}

/** Legend in rows under the plot; returns the markup and its height. */
function legend(names: string[], x0: number, y0: number, width: number, shape: 'rect' | 'line'): { svg: string; height: number } {
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  names.forEach((name, i) => {
    const w = 22 + name.length * CHAR_W + 18;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      y += 18;
    }
    const color = PALETTE[i % PALETTE.length];
    parts.push(shape === 'rect'
      ? `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${color}"/>`
      : `<line x1="${x}" y1="${y - 3}" x2="${x + 14}" y2="${y - 3}" stroke="${color}" stroke-width="2.5"/><circle cx="${x + 7}" cy="${y - 3}" r="3" fill="${color}"/>`);
    parts.push(text(x + 18, y + 1, name, 'font-size="11" fill="#333"'));
    x += w;
  });
  return { svg: parts.join(''), height: y - y0 + 18 };
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(width / 2, 24, title, 'font-size="15" font-weight="600" text-anchor="middle" fill="#111"'),
    ...body,
    '</svg>',
  ].join('\n');
}

/** Value-axis gridlines, tick labels and the rotated axis label. */
function valueAxis(scale: Scale, x0: number, plotW: number, label: string): string[] {
  const out = scale.ticks.map((t) => {
    const y = MARGIN.top + scale.toPx(t);
    return `<line x1="${x0}" y1="${y.toFixed(1)}" x2="${x0 + plotW}" y2="${y.toFixed(1)}" stroke="#e3e3e3"/>${text(x0 - 6, y + 4, formatValue(t), 'font-size="11" text-anchor="end" fill="#555"')}`;
  });
  const cy = MARGIN.top + PLOT_H / 2;
  out.push(text(16, cy, label, `font-size="12" text-anchor="middle" fill="#333" transform="rotate(-90 16 ${cy})"`));
  return out;
}

/** Grouped bars: one group per category (a shape, a model), one bar per series, value labels above the bars. */
export function barChart(spec: BarChartSpec): string {
  const nSeries = Math.max(spec.series.length, 1);
  const longest = Math.max(...spec.groups.map((g) => g.length), 1) * CHAR_W;
  const slot = Math.max(36, nSeries * 16 + 14, Math.min(120, longest));
  const plotW = Math.max(420, spec.groups.length * slot, titlePlotWidth(spec.title));
  const groupW = plotW / Math.max(spec.groups.length, 1);
  const rotate = longest > groupW - 4;
  // Labels rotated by 30 degrees reach left of their group by cos(30) of their length: make room for them.
  const left = MARGIN.left + (rotate ? Math.max(0, ...spec.groups.map((g, gi) => g.length * CHAR_W * 0.87 - groupW * (gi + 0.5) - MARGIN.left + 8)) : 0);
  const width = left + plotW + MARGIN.right;
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => typeof v === 'number'));
  if (spec.reference) values.push(spec.reference.value);
  const scale = scaleFor(values, PLOT_H, spec.log);
  const barW = Math.max(4, Math.min(28, (groupW - 10) / nSeries));
  const base = MARGIN.top + (spec.log ? PLOT_H : scale.toPx(0));
  const body = valueAxis(scale, left, plotW, spec.yLabel);
  spec.groups.forEach((g, gi) => {
    const cx = left + groupW * (gi + 0.5);
    const x0 = cx - (barW * nSeries) / 2;
    spec.series.forEach((s, si) => {
      const v = s.values[gi];
      const x = x0 + si * barW;
      if (v === undefined) return;
      if (v === null || !Number.isFinite(v) || (spec.log && v <= 0)) {
        body.push(text(x + barW / 2, base - 4, 'n/a', `font-size="9" fill="#999" text-anchor="start" transform="rotate(-90 ${(x + barW / 2).toFixed(1)} ${(base - 4).toFixed(1)})" dy="3"`));
        return;
      }
      const y = MARGIN.top + scale.toPx(v);
      const [top, h] = y < base ? [y, base - y] : [base, y - base];
      body.push(`<rect x="${(x + 1).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${Math.max(h, 0.5).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${s.name}, ${g}: ${formatValue(v)} ${spec.yLabel}`)}</title></rect>`);
      const lx = x + barW / 2;
      body.push(text(lx, top - 3, formatValue(v), `font-size="9" fill="#333" ${barW < 22 ? `text-anchor="start" transform="rotate(-90 ${lx.toFixed(1)} ${(top - 3).toFixed(1)})" dy="3"` : 'text-anchor="middle"'}`));
    });
    const ly = MARGIN.top + PLOT_H + 14;
    body.push(rotate
      ? text(cx, ly, g, `font-size="11" fill="#333" text-anchor="end" transform="rotate(-30 ${cx.toFixed(1)} ${ly})"`)
      : text(cx, ly, g, 'font-size="11" fill="#333" text-anchor="middle"'));
  });
  body.push(`<line x1="${left}" y1="${base.toFixed(1)}" x2="${left + plotW}" y2="${base.toFixed(1)}" stroke="#888"/>`);
  if (spec.reference) {
    const y = MARGIN.top + scale.toPx(spec.reference.value);
    body.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + plotW}" y2="${y.toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    body.push(text(left + plotW - 4, y - 4, spec.reference.label, 'font-size="11" fill="#c00" text-anchor="end"'));
  }
  let y = MARGIN.top + PLOT_H + (rotate ? longest * 0.5 + 20 : 20);
  if (spec.xLabel) {
    y += 16;
    body.push(text(left + plotW / 2, y, spec.xLabel, 'font-size="12" text-anchor="middle" fill="#333"'));
  }
  const leg = legend(spec.series.map((s) => s.name), left, y + 22, plotW, 'rect');
  body.push(leg.svg);
  return frame(width, y + 22 + leg.height, spec.title, body);
}

/** Lines with markers: one series per variant, x a size (logarithmic when sizes double). */
export function lineChart(spec: LineChartSpec): string {
  const plotW = Math.max(560, titlePlotWidth(spec.title));
  const width = MARGIN.left + plotW + MARGIN.right;
  const pts = spec.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const yScale = scaleFor(pts.map((p) => p[1]), PLOT_H, spec.logY);
  const xs = [...new Set(pts.map((p) => p[0]))].sort((a, b) => a - b);
  const xMin = xs[0] ?? 0;
  const xMax = xs[xs.length - 1] ?? 1;
  const logX = spec.logX && xMin > 0;
  const span = logX ? Math.log(xMax / xMin) : xMax - xMin;
  const xPx = (x: number) => MARGIN.left + 12 + (span > 0 ? ((logX ? Math.log(x / xMin) : x - xMin) / span) * (plotW - 24) : (plotW - 24) / 2);
  const yPx = (y: number) => MARGIN.top + yScale.toPx(y);
  const body = valueAxis(yScale, MARGIN.left, plotW, spec.yLabel);
  // The measured sizes are the ticks: they are what the reader looks up.
  const xTicks = xs.length <= 12 ? xs : linearScale(xMin, xMax, 1).ticks;
  for (const x of xTicks) body.push(text(xPx(x), MARGIN.top + PLOT_H + 16, formatValue(x), 'font-size="11" fill="#555" text-anchor="middle"'));
  body.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + PLOT_H}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + PLOT_H}" stroke="#888"/>`);
  spec.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logY || y > 0)).sort((a, b) => a[0] - b[0]);
    if (p.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${p.map(([x, y]) => `${xPx(x).toFixed(1)},${yPx(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of p) body.push(`<circle cx="${xPx(x).toFixed(1)}" cy="${yPx(y).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${formatValue(x)} → ${formatValue(y)} ${spec.yLabel}`)}</title></circle>`);
  });
  const y = MARGIN.top + PLOT_H + 36;
  body.push(text(MARGIN.left + plotW / 2, y, spec.xLabel, 'font-size="12" text-anchor="middle" fill="#333"'));
  const leg = legend(spec.series.map((s) => s.name), MARGIN.left, y + 22, plotW, 'line');
  body.push(leg.svg);
  return frame(width, y + 22 + leg.height, spec.title, body);
}
