// `attention`: every attention variant (ATTENTION_VARIANTS) over sequence lengths, on one adapter in one run,
// as GFLOP/s (4*batch*heads*S^2*headDim / median), % of the FMA ceiling, speed against the first variant,
// and the scratch memory each variant allocates (the naive path's S x S scores; none for the fused ones).
import { ATTENTION_VARIANTS } from '../../src/kernels/attention.ts';
import { FLOP_FORMULA, benchAttention, type AttentionBenchOptions, type AttentionBenchRow } from '../attention.ts';
import { barChart, lineChart } from '../charts.ts';
import { fmt, fmtPct, markdownTable, percentOf, timingMethodNote, type Ceilings } from '../measure.ts';
import { pick, SuiteArgs, type FlagKind } from '../suite-args.ts';
import type { SuiteContext, SuiteOutput, SuiteRenderer } from '../suite.ts';
import { ceilingsFor } from './ceilings.ts';

/** BERT-base's 12 heads of 64; quick stops at S = 256 (naive at 256 takes about a second on SwiftShader). */
const GRID = {
  quick: { seqLens: [64, 128, 256], heads: 12, headDim: 64, batch: 1 },
  full: { seqLens: [128, 256, 512, 1024, 2048, 4096], heads: 12, headDim: 64, batch: 1 },
};

const mib = (b: number | undefined) => (b === undefined ? '-' : (b / 2 ** 20).toFixed(2));

export const renderAttention: SuiteRenderer = (rawRows) => {
  const rows = rawRows as AttentionBenchRow[];
  const first = new Map<number, AttentionBenchRow>();
  for (const r of rows) if (!first.has(r.seqLen) && r.medianMs !== undefined) first.set(r.seqLen, r);
  const table = markdownTable(rows, [
    ['variant', (r) => r.variant],
    ['batch x S', (r) => `${r.batch} x ${r.seqLen}`],
    ['heads x dh', (r) => `${r.heads} x ${r.headDim}`],
    ['median ms (min–max)', (r) => (r.error ? `error: ${r.error.slice(0, 80)}` : `${fmt(r.medianMs)} (${fmt(r.minMs)}–${fmt(r.maxMs)})`)],
    [`GFLOP/s (${FLOP_FORMULA})`, (r) => fmt(r.gflops)],
    ['% of FMA ceiling', (r) => fmtPct(r.pctOfCeiling)],
    ['speed vs first', (r) => { const b = first.get(r.seqLen); return b && r.medianMs ? `${fmt(b.medianMs! / r.medianMs)}x vs ${b.variant}` : '-'; }],
    ['MiB allocated', (r) => mib(r.allocatedBytes)],
    ['validated at S', (r) => `${r.validatedAt} (rel ${Number.isFinite(r.relErr) ? r.relErr.toExponential(1) : '-'})`],
    ['timing', (r) => (r.timing ? `${r.timing.method}, n=${r.timing.samples.length}` : '-')],
  ]);
  const variants = [...new Set(rows.map((r) => r.variant))];
  const seqLens = [...new Set(rows.map((r) => r.seqLen))];
  const charts = rows.length ? [
    {
      name: 'gflops', title: 'Attention: GFLOP/s by sequence length',
      svg: lineChart({
        title: `Attention (${rows[0].heads} heads x ${rows[0].headDim}, batch ${rows[0].batch}): GFLOP/s by S`, xLabel: 'sequence length S', yLabel: 'GFLOP/s', logX: true,
        series: variants.map((v) => ({ name: v, points: rows.filter((r) => r.variant === v && r.gflops !== undefined).map((r) => [r.seqLen, r.gflops!] as [number, number]) })),
      }),
    },
    {
      name: 'scratch', title: 'Attention: scratch memory allocated',
      svg: barChart({
        title: 'Scratch memory each variant allocates (S x S scores and probabilities)', yLabel: 'MiB', xLabel: 'sequence length S', groups: seqLens.map(String),
        series: variants.map((v) => ({ name: v, values: seqLens.map((s) => { const r = rows.find((x) => x.variant === v && x.seqLen === s); return r?.allocatedBytes === undefined ? undefined : r.allocatedBytes / 2 ** 20; }) })),
      }),
    },
  ] : [];
  return { table, charts };
};

export const ATTENTION_FLAGS: Record<string, FlagKind> = { seq: 'ints', heads: 'int', dim: 'int', batch: 'int', variants: 'list' };

/** `attention [--seq 128,512] [--heads 12] [--dim 64] [--batch 1] [--variants naive,flash]`. */
export async function attentionSuite(ctx: SuiteContext): Promise<SuiteOutput> {
  const args = new SuiteArgs('attention', ctx.args, ATTENTION_FLAGS);
  const grid = GRID[ctx.size];
  const headDim = args.int('dim') ?? grid.headDim;
  // Only the variants that take this head dim (flash-d64 takes 64 only), by default and when named.
  const fits = ATTENTION_VARIANTS.filter((v) => !v.unsupported?.(headDim)).map((v) => v.name);
  const opts: AttentionBenchOptions = {
    seqLens: args.ints('seq') ?? grid.seqLens,
    heads: args.int('heads') ?? grid.heads,
    headDim,
    batch: args.int('batch') ?? grid.batch,
    variants: pick('attention', 'variants', args.list('variants'), fits),
  };
  const ceilings: Ceilings = await ceilingsFor(ctx);
  const rows = await benchAttention(ctx, opts);
  for (const r of rows) r.pctOfCeiling = percentOf(r.gflops, ceilings.fmaGFlops);
  const options = { ...opts, ceilings };
  return {
    rows, options, ...renderAttention(rows, options),
    notes: [
      timingMethodNote(ctx.gpu),
      `GFLOP/s = ${FLOP_FORMULA} (Q.K^T and P.V) / median; % of the FMA ceiling measured in this run (${fmt(ceilings.fmaGFlops)} GFLOP/s)`,
      'MiB allocated = scratch the variant allocates itself (the naive path\'s S x S scores and probabilities; 0 for the fused kernels)',
      'naive runs its two matmuls with the autotuned configuration for their shapes; inputs are packed QKV with a padding mask keeping S/2..S keys',
    ],
  };
}
