// Writing results (Node): <base>.json (the data), <base>.md (table and notes) and <base>-<chart>.svg, and
// re-rendering the .md and .svg of saved JSON files with today's renderers (`npm run bench -- report`).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderMarkdown, resultBaseName, type BenchResult } from './report.ts';
import { RENDERERS } from './suites/index.ts';
import type { Chart } from './suite.ts';

function writeRendered(base: string, result: BenchResult, rendered: { table: string; charts: Chart[] }): string[] {
  const name = path.basename(base);
  const chartFile = (c: Chart) => `${name}-${c.name}.svg`;
  const written = [`${base}.md`];
  writeFileSync(`${base}.md`, renderMarkdown(result, rendered, chartFile));
  for (const c of rendered.charts) {
    writeFileSync(path.join(path.dirname(base), chartFile(c)), `${c.svg}\n`);
    written.push(path.join(path.dirname(base), chartFile(c)));
  }
  return written;
}

/** Writes one suite's result; returns the paths written, JSON first. */
export function writeResult(dir: string, result: BenchResult, rendered: { table: string; charts: Chart[] }): string[] {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, resultBaseName(result));
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  return [`${base}.json`, ...writeRendered(base, result, rendered)];
}

/** Re-renders the .md and .svg next to each JSON result; returns the paths written. */
export function rerender(jsonPaths: readonly string[]): string[] {
  if (!jsonPaths.length) throw new Error('report: give one or more result files (bench/results/*.json)');
  return jsonPaths.flatMap((file) => {
    let result: BenchResult;
    try {
      result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
    } catch (e) {
      throw new Error(`report: cannot read ${file}: ${(e as Error).message}`);
    }
    const render = RENDERERS[result.suite];
    if (!render || !Array.isArray(result.rows)) throw new Error(`report: ${file} is not a result of a known suite (${Object.keys(RENDERERS).join(', ')})`);
    return writeRendered(file.replace(/\.json$/, ''), result, render(result.rows, result.options ?? {}));
  });
}
