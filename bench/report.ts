// Benchmark results as data: one JSON file per run (adapter, runtime, date, rows) and a Markdown table
// rendered from it, both under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AdapterSummary } from '../src/gpu/device.ts';

export interface BenchResult<Row> {
  suite: string;
  date: string;
  adapter: AdapterSummary;
  runtime: string;
  node: string;
  options: Record<string, unknown>;
  notes: string[];
  rows: Row[];
}

export type Column<Row> = [header: string, cell: (row: Row) => string];

export function markdownTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const head = `| ${columns.map((c) => c[0]).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${columns.map((c) => c[1](r)).join(' | ')} |`)].join('\n');
}

/** Writes `<suite>-<architecture>-<date>.json` and `.md`; returns the JSON path. */
export function writeResult<Row>(dir: string, result: BenchResult<Row>, table: string): string {
  mkdirSync(dir, { recursive: true });
  const arch = (result.adapter.architecture || result.adapter.vendor || 'adapter').replace(/[^\w.-]+/g, '_');
  const stamp = result.date.replace(/[:]/g, '-').replace(/\..*$/, '');
  const base = `${dir}/${result.suite}-${arch}-${stamp}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const a = result.adapter;
  const header = [
    `# ${result.suite} benchmark, ${result.date}`,
    '',
    `Adapter: ${a.vendor} / ${a.architecture} ${a.description} (${a.isFallback ? 'software fallback: CPU speed, not GPU speed' : 'hardware'}), ${result.runtime}, Node ${result.node}.`,
    `Options: ${JSON.stringify(result.options)}`,
    ...result.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, `${header}${table}\n`);
  return `${base}.json`;
}

export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}
