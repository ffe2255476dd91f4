// `kernels`: matmul at BERT-base's four linear shapes (M = tokens; N x K = 2304x768 QKV, 768x768 attention
// output, 3072x768 FFN in, 768x3072 FFN out; B as [N,K]) and at N^3 squares, for the naive kernel, every
// tiled configuration and the autotuner's choice, next to tf.matMul (TF.js WebGPU) at the same shapes and
// data when run in a browser; LayerNorm [tokens, 768] and GELU [tokens, 3072]. Each as GFLOP/s or GB/s and
// as % of the ceiling measured in the same run (FMA for GFLOP/s, copy for GB/s).
import { UniformArena } from '../../src/gpu/uniforms.ts';
import { MATMUL_CONFIGS } from '../../src/kernels/matmul.ts';
import { barChart, lineChart } from '../charts.ts';
import { AUTOTUNED, benchMatmul, benchRowKernels, benchTfjsMatmul, type KernelRow } from '../kernels.ts';
import { fmt, fmtPct, fmtTiming, inBrowser, markdownTable, percentOf, timingMethodNote, type Ceilings } from '../measure.ts';
import { pick, SuiteArgs, type FlagKind } from '../suite-args.ts';
import type { Chart, SuiteContext, SuiteOutput, SuiteRenderer } from '../suite.ts';
import { ceilingsFor } from './ceilings.ts';

/** BERT-base's linear layers as [N, K]: QKV, attention output, FFN in, FFN out. */
const BERT_NK: [number, number][] = [[2304, 768], [768, 768], [3072, 768], [768, 3072]];
const GRID = {
  quick: { tokens: [128], square: [256, 512] },
  full: { tokens: [128, 512], square: [256, 512, 1024, 2048] },
};
const OPS = ['bert', 'square', 'layernorm', 'gelu'] as const;
const TFJS = 'tf.matMul';

function withCeiling(rows: KernelRow[], c: Ceilings): void {
  for (const r of rows) r.pctOfCeiling = r.gflops !== undefined ? percentOf(r.gflops, c.fmaGFlops) : percentOf(r.gbps, c.copyGBps);
}

/** A chart value: the figure, null when the row failed (drawn as n/a), undefined when there is no such row. */
function measured(r: KernelRow | undefined, value: (r: KernelRow) => number | undefined): number | null | undefined {
  return r === undefined ? undefined : r.error ? null : value(r);
}

const label = (r: KernelRow) => (r.engine === 'webgpu-bert' ? (r.chose ? `${AUTOTUNED} → ${r.chose}` : r.config) : `${r.config} (${r.engine})`);

function charts(rows: KernelRow[], ceilings: Ceilings | undefined): Chart[] {
  const out: Chart[] = [];
  const seriesNames = (family: KernelRow['family']) => [...new Set(rows.filter((r) => r.family === family).map((r) => r.config))];
  const bert = rows.filter((r) => r.family === 'bert');
  if (bert.length) {
    const groups = [...new Set(bert.map((r) => `${r.m}x${r.n}x${r.k}`))];
    out.push({
      name: 'matmul-bert', title: 'Matmul at BERT-base shapes: GFLOP/s per configuration',
      svg: barChart({
        title: 'Matmul at BERT-base shapes (M x N x K, B as [N,K])', yLabel: 'GFLOP/s', xLabel: 'shape', groups,
        series: seriesNames('bert').map((name) => ({ name, values: groups.map((g) => measured(bert.find((r) => r.config === name && `${r.m}x${r.n}x${r.k}` === g), (r) => r.gflops)) })),
      }),
    });
  }
  const square = rows.filter((r) => r.family === 'square');
  if (square.length) {
    out.push({
      name: 'matmul-square', title: 'Square matmul: GFLOP/s by size',
      svg: lineChart({
        title: 'Square matmul N x N x N: GFLOP/s by N', xLabel: 'N', yLabel: 'GFLOP/s', logX: true,
        series: seriesNames('square').map((name) => ({ name, points: square.filter((r) => r.config === name && r.gflops !== undefined).map((r) => [r.n, r.gflops!] as [number, number]) })),
      }),
    });
  }
  // % of ceiling: per shape, our autotuned choice (else our best), naive, and TF.js.
  const shapes = [...new Set(rows.map((r) => `${r.kernel} ${r.shape}`))];
  const pct = (pred: (r: KernelRow) => boolean) => shapes.map((s) => {
    const hits = rows.filter((r) => `${r.kernel} ${r.shape}` === s && pred(r));
    const ok = hits.filter((r) => r.pctOfCeiling !== undefined);
    return ok.length ? Math.max(...ok.map((r) => r.pctOfCeiling!)) : hits.length ? null : undefined;
  });
  const ours = pct((r) => r.engine === 'webgpu-bert' && (r.config === AUTOTUNED || r.family === 'row'));
  const series = [
    { name: 'webgpu-bert (autotuned; row kernels as shipped)', values: ours },
    { name: 'webgpu-bert naive matmul', values: pct((r) => r.config === 'naive') },
    { name: `${TFJS} (tfjs-webgpu)`, values: pct((r) => r.config === TFJS) },
  ].filter((s) => s.values.some((v) => v !== undefined && v !== null));
  if (series.length) {
    out.push({
      name: 'percent-of-ceiling', title: '% of the measured ceiling',
      svg: barChart({
        title: `% of ceiling (matmul: FMA ${fmt(ceilings?.fmaGFlops)} GFLOP/s; LayerNorm, GELU: copy ${fmt(ceilings?.copyGBps)} GB/s)`,
        yLabel: '% of ceiling', groups: shapes, series, reference: { value: 100, label: 'ceiling' },
      }),
    });
  }
  return out;
}

export const renderKernels: SuiteRenderer = (rawRows, options) => {
  const rows = rawRows as KernelRow[];
  const table = markdownTable(rows, [
    ['kernel', (r) => r.kernel],
    ['shape', (r) => r.shape],
    ['config', label],
    ['median ms (min–max)', (r) => (r.error ? `error: ${r.error.slice(0, 100)}` : fmtTiming(r.timing))],
    ['runs', (r) => (r.timing ? String(r.timing.samples.length) : '-')],
    ['GFLOP/s', (r) => fmt(r.gflops)],
    ['GB/s', (r) => fmt(r.gbps)],
    ['% of ceiling', (r) => fmtPct(r.pctOfCeiling)],
    ['rel. error', (r) => (Number.isFinite(r.relErr) ? r.relErr.toExponential(1) : '-')],
    ['timing', (r) => r.timing?.method ?? '-'],
  ]);
  return { table, charts: charts(rows, options.ceilings as Ceilings | undefined) };
};

export const KERNELS_FLAGS: Record<string, FlagKind> = { tokens: 'ints', square: 'ints', configs: 'list', ops: 'list', 'no-peers': 'switch' };

/**
 * `kernels [--tokens 128,512] [--square 256,1024] [--configs naive,reg8x8,autotuned] [--ops bert,square,layernorm,gelu]
 * [--no-peers]`. Defaults: quick M = 128 and N = 256, 512; full M = 128, 512 and N = 256..2048; every configuration.
 */
export async function kernelsSuite(ctx: SuiteContext): Promise<SuiteOutput> {
  const args = new SuiteArgs('kernels', ctx.args, KERNELS_FLAGS);
  const grid = GRID[ctx.size];
  const tokens = args.ints('tokens') ?? grid.tokens;
  const squares = args.ints('square') ?? grid.square;
  const configs = pick('kernels', 'configs', args.list('configs'), [...MATMUL_CONFIGS.map((c) => c.name), AUTOTUNED]);
  const ops = pick('kernels', 'ops', args.list('ops'), OPS);
  // TF.js needs navigator.gpu: in Node (Dawn) there is no page for it.
  const tfjs = !args.switch('no-peers') && inBrowser();
  const ceilings = await ceilingsFor(ctx);
  const uniforms = new UniformArena(ctx.gpu, 'kernels bench uniforms');
  const rows: KernelRow[] = [];
  try {
    const matmul = async (family: 'bert' | 'square', m: number, n: number, k: number, transB: boolean) => {
      rows.push(...await benchMatmul(ctx, uniforms, family, m, n, k, transB, configs));
      if (tfjs) rows.push(await benchTfjsMatmul(ctx, family, m, n, k, transB));
    };
    if (ops.includes('bert')) for (const m of tokens) for (const [n, k] of BERT_NK) await matmul('bert', m, n, k, true);
    if (ops.includes('square')) for (const n of squares) await matmul('square', n, n, n, false);
    const rowKernels = ops.filter((o): o is 'layernorm' | 'gelu' => o === 'layernorm' || o === 'gelu');
    if (rowKernels.length) for (const m of tokens) rows.push(...await benchRowKernels(ctx, uniforms, m, rowKernels));
  } finally {
    uniforms.destroy();
  }
  withCeiling(rows, ceilings);
  const options = { tokens, squares, configs, ops, tfjs, ceilings };
  return {
    rows, options, ...renderKernels(rows, options),
    notes: [
      timingMethodNote(ctx.gpu),
      'matmul GFLOP/s = 2*M*N*K / median; LayerNorm, GELU GB/s = (bytes read + bytes written) / median',
      `% of ceiling: GFLOP/s against the FMA ceiling (${fmt(ceilings.fmaGFlops)} GFLOP/s, ${ceilings.fmaAt}), GB/s against the copy ceiling (${fmt(ceilings.copyGBps)} GB/s, ${ceilings.copyAt}), both measured in this run`,
      'validation: five full rows of C against a float64 twin (matmul), the whole output (LayerNorm, GELU); poisoned with NaN first',
      tfjs ? `${TFJS}: TF.js WebGPU backend in the same page, same operands; timed with its own kernel timer (tf.time) where the adapter has timestamps` : `${TFJS}: not run (${inBrowser() ? '--no-peers' : 'needs a browser page'})`,
    ],
  };
}
