// Benchmark results as data, and the Markdown rendered from them. Pure: no file system, so a page (the demo)
// can render a result too; bench/results-files.ts writes the files in Node.
import type { AdapterSummary } from '../src/gpu/device.ts';
import type { Chart } from './suite.ts';

/** One suite's run, as written to bench/results/<suite>-<adapter>-<date>.json. */
export interface BenchResult {
  suite: string;
  date: string;
  adapter: AdapterSummary;
  /** 'browser (Chromium 156 via Playwright)' or 'node (Dawn)'. */
  runtime: string;
  /** Engine, browser, Node and peer package versions. */
  versions: Record<string, string>;
  size: 'quick' | 'full';
  runs: number;
  options: Record<string, unknown>;
  notes: string[];
  rows: unknown[];
}

/** `<suite>-<architecture>-<date>`: sortable, and names the adapter so runs on two machines never collide. */
export function resultBaseName(r: Pick<BenchResult, 'suite' | 'adapter' | 'date'>): string {
  const arch = (r.adapter.architecture !== 'unknown' && r.adapter.architecture) || r.adapter.vendor || 'adapter';
  const stamp = r.date.replace(/:/g, '-').replace(/\..*$/, '');
  return `${r.suite}-${arch.replace(/[^\w.-]+/g, '_')}-${stamp}`;
}

function adapterLine(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture, a.description].filter((s) => s && s !== 'unknown').join(' / ') || 'unknown adapter';
  const kind = a.isFallback ? 'software fallback: CPU speed, read the ratios, not the absolute figures' : 'hardware';
  const features = [a.shaderF16 && 'shader-f16', a.subgroups && 'subgroups', a.timestampQuery && 'timestamp-query'].filter(Boolean).join(', ') || 'none';
  return `${name} (${kind}; features: ${features})`;
}

/** The Markdown report of one result: header (adapter, versions, method), table, notes and the charts. */
export function renderMarkdown(r: BenchResult, rendered: { table: string; charts: Chart[] }, chartFile: (c: Chart) => string): string {
  const versions = Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `# ${r.suite} benchmark, ${r.date}`,
    '',
    `- adapter: ${adapterLine(r.adapter)}`,
    `- runtime: ${r.runtime}; versions: ${versions}`,
    `- size: ${r.size}; median of ${r.runs} timed runs after warm-up; every figure validated before it was timed`,
    ...r.notes.map((n) => `- ${n}`),
    '',
    rendered.table,
    '',
    ...rendered.charts.flatMap((c) => [`![${c.title}](${chartFile(c)})`, '']),
    `Options: \`${JSON.stringify(r.options)}\``,
    '',
  ].join('\n');
}
