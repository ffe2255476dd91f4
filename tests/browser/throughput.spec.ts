// Throughput relations that must hold on any adapter, measured by the benchmark suites in their own page
// (bench/page.html) at small sizes. Only ratios and structure are asserted, never a speed: absolute figures
// live in the benchmark report.
import { expect, test, type Page } from '@playwright/test';
import type { AttentionBenchRow } from '../../bench/attention.ts';
import type { KernelRow } from '../../bench/kernels.ts';
import type { BenchPage, BenchRunOptions } from '../../bench/page.ts';
import type { SuiteOutput } from '../../bench/suite.ts';

let page: Page;
let software = true;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto('/bench/page.html');
  // No adapter fails here (ready rejects) rather than skipping anything.
  software = (await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.ready)).isFallback;
  console.log(`adapter: ${await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.describe())}`);
});

test.afterAll(async () => {
  await page?.close();
});

async function runSuite(suite: string, args: string[]): Promise<SuiteOutput> {
  const options: BenchRunOptions = { runs: 5, size: 'quick', args };
  const json = await page.evaluate(([s, o]) => (window as unknown as { bench: BenchPage }).bench.run(s, o), [suite, options] as const);
  return JSON.parse(json) as SuiteOutput;
}

test('the ceilings are measured and validated: copy GB/s and FMA GFLOP/s, one best row of each', async () => {
  const out = await runSuite('ceilings', ['--copy-mib', '1,4', '--invocations', '1024', '--iterations', '64']);
  const rows = out.rows as { kind: string; best?: boolean; gbps?: number; gflops?: number; validation: string }[];
  expect(rows.map((r) => r.kind)).toEqual(['copy', 'copy', 'fma']);
  expect(rows.filter((r) => r.best).map((r) => r.kind).sort()).toEqual(['copy', 'fma']);
  for (const r of rows) expect((r.gbps ?? r.gflops)!).toBeGreaterThan(0);
  expect(rows.map((r) => r.validation)).toEqual(['bit-exact', 'bit-exact', 'exact']);
});

test('the autotuned matmul is not slower than the naive one beyond noise', async () => {
  // Big enough that launch jitter is small next to the kernel: 256^3 takes ~70 ms on SwiftShader, 1024^3 a GPU's millisecond.
  const n = software ? 256 : 1024;
  const out = await runSuite('kernels', ['--ops', 'square', '--square', String(n), '--configs', 'naive,autotuned', '--no-peers']);
  const rows = out.rows as KernelRow[];
  const naive = rows.find((r) => r.config === 'naive')!;
  const tuned = rows.find((r) => r.config === 'autotuned')!;
  expect(naive.error ?? '').toBe('');
  expect(tuned.error ?? '').toBe('');
  console.log(`${n}^3: naive median ${naive.timing!.median.toFixed(3)} ms, autotuned (${tuned.chose}) ${tuned.timing!.median.toFixed(3)} ms (${tuned.timing!.method})`);
  // The autotuner picked the fastest of its own timings, naive among them: its choice's best run cannot be
  // slower than naive's slowest unless it chose badly. Medians within 1.5x absorb a busy machine.
  expect(tuned.timing!.min).toBeLessThanOrEqual(naive.timing!.max);
  expect(tuned.timing!.median).toBeLessThanOrEqual(1.5 * naive.timing!.median);
  // Every figure is a share of the FMA ceiling measured in the same page.
  expect(tuned.pctOfCeiling).toBeGreaterThan(0);
});

test('fused attention allocates no S x S buffer; the naive path does', async () => {
  const s = 64;
  const heads = 2;
  const out = await runSuite('attention', ['--seq', String(s), '--heads', String(heads), '--variants', 'naive,flash']);
  const rows = out.rows as AttentionBenchRow[];
  const naive = rows.find((r) => r.variant === 'naive')!;
  const flash = rows.find((r) => r.variant === 'flash')!;
  expect(flash.error ?? '').toBe('');
  expect(flash.allocatedBytes).toBe(0);
  expect(naive.allocatedBytes).toBeGreaterThanOrEqual(heads * s * s * 4);
});

test('charts are self-contained, well-formed SVG', async () => {
  const out = await runSuite('attention', ['--seq', '16,32', '--heads', '1', '--variants', 'naive,flash']);
  expect(out.charts.length).toBeGreaterThan(0);
  for (const chart of out.charts) {
    const problems = await page.evaluate((svg) => {
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      const found: string[] = [];
      if (doc.querySelector('parsererror')) found.push(`not XML: ${doc.querySelector('parsererror')!.textContent}`);
      if (doc.documentElement.nodeName !== 'svg') found.push(`root is ${doc.documentElement.nodeName}`);
      if (doc.querySelector('script, foreignObject, image, use')) found.push('script, foreign or linked content');
      if (!doc.querySelector('text')) found.push('no text (title, axes, legend)');
      return found;
    }, chart.svg);
    expect(problems, chart.name).toEqual([]);
  }
});
