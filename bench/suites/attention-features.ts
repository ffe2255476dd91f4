// `attention-features`: the fused attention with each position feature over sequence lengths, on one adapter in
// one run: rotary, relative bias and ALiBi against plain attention, and sliding-window (local) attention against
// full attention with the same window as a mask, so the ratio is what skipping key tiles saves. GFLOP/s are
// counted for the scores a row keeps (S x window for a window: `needed`) and for all of them (S x S).
import { FLOP_FORMULA, benchAttention, type AttentionBenchOptions, type AttentionBenchRow } from '../attention.ts';
import { lineChart } from '../charts.ts';
import { fmt, markdownTable, timingMethodNote } from '../measure.ts';
import { pick, SuiteArgs, type FlagKind } from '../suite-args.ts';
import type { SuiteContext, SuiteOutput, SuiteRenderer } from '../suite.ts';

/** ModernBERT's local window of 128; quick keeps the heads few so S = 2048 runs in seconds on SwiftShader. */
const GRID = {
  quick: { seqLens: [128, 512, 2048], heads: 2, headDim: 64, batch: 1 },
  full: { seqLens: [128, 512, 2048, 8192], heads: 12, headDim: 64, batch: 1 },
};

const SPECS = ['flash', 'flash+rope', 'flash+relbias', 'flash+alibi', 'flash+maskwindow128', 'flash+window128', 'flash+rope+window128'];

/** What a row is compared with: a window against the same window as a mask, anything else against plain flash. */
function baselineOf(r: AttentionBenchRow, rows: readonly AttentionBenchRow[]): AttentionBenchRow | undefined {
  const [variant, ...features] = r.variant.split('+');
  const window = features.find((f) => /^window\d+$/.test(f));
  const base = window ? `${variant}+mask${window}` : variant;
  if (base === r.variant) return undefined;
  return rows.find((x) => x.variant === base && x.seqLen === r.seqLen && x.medianMs !== undefined);
}

export const renderAttentionFeatures: SuiteRenderer = (rawRows) => {
  const rows = rawRows as AttentionBenchRow[];
  const table = markdownTable(rows, [
    ['variant', (r) => r.variant],
    ['features', (r) => r.features.join(', ') || 'padding mask only'],
    ['batch x S', (r) => `${r.batch} x ${r.seqLen}`],
    ['heads x dh', (r) => `${r.heads} x ${r.headDim}`],
    ['median ms (min–max)', (r) => (r.error ? `error: ${r.error.slice(0, 80)}` : `${fmt(r.medianMs)} (${fmt(r.minMs)}–${fmt(r.maxMs)})`)],
    ['needed GFLOP/s', (r) => fmt(r.neededGflops)],
    [`GFLOP/s (${FLOP_FORMULA})`, (r) => fmt(r.gflops)],
    ['speed vs baseline', (r) => { const b = baselineOf(r, rows); return b && r.medianMs ? `${fmt(b.medianMs! / r.medianMs)}x vs ${b.variant}` : '-'; }],
    ['validated at S', (r) => `${r.validatedAt} (rel ${Number.isFinite(r.relErr) ? r.relErr.toExponential(1) : '-'})`],
    ['timing', (r) => (r.timing ? `${r.timing.method}, n=${r.timing.samples.length}` : '-')],
  ]);
  const variants = [...new Set(rows.map((r) => r.variant))];
  const charts = rows.length ? [{
    name: 'ms', title: 'Attention features: median ms by sequence length',
    svg: lineChart({
      title: `Attention features (${rows[0].heads} heads x ${rows[0].headDim}, batch ${rows[0].batch}): median ms by S`, xLabel: 'sequence length S', yLabel: 'ms', logX: true,
      series: variants.map((v) => ({ name: v, points: rows.filter((r) => r.variant === v && r.medianMs !== undefined).map((r) => [r.seqLen, r.medianMs!] as [number, number]) })),
    }),
  }] : [];
  return { table, charts };
};

export const ATTENTION_FEATURES_FLAGS: Record<string, FlagKind> = { seq: 'ints', heads: 'int', dim: 'int', batch: 'int', variants: 'list' };

/** `attention-features [--seq 128,2048] [--heads 2] [--dim 64] [--batch 1] [--variants flash+window128,flash+maskwindow128]`. */
export async function attentionFeaturesSuite(ctx: SuiteContext): Promise<SuiteOutput> {
  const args = new SuiteArgs('attention-features', ctx.args, ATTENTION_FEATURES_FLAGS);
  const grid = GRID[ctx.size];
  const opts: AttentionBenchOptions = {
    seqLens: args.ints('seq') ?? grid.seqLens,
    heads: args.int('heads') ?? grid.heads,
    headDim: args.int('dim') ?? grid.headDim,
    batch: args.int('batch') ?? grid.batch,
    variants: args.list('variants') ?? SPECS,
  };
  pick('attention-features', 'variants', opts.variants.map((v) => v.split('+')[0]), ['flash', 'flash-q32', 'flash-q128']);
  const rows = await benchAttention(ctx, opts);
  return {
    rows, options: { ...opts }, ...renderAttentionFeatures(rows, { ...opts }),
    notes: [
      timingMethodNote(ctx.gpu),
      `needed GFLOP/s = 4*batch*heads*headDim per kept (query, key) pair / median: S^2 pairs without a window, about S*(window+1) with one; GFLOP/s = ${FLOP_FORMULA} / median`,
      'flash+windowN skips the key tiles outside |i - j| <= N/2; flash+maskwindowN computes every score and adds MASK_VALUE outside the window (full attention with a window mask); their ratio is the saving',
      'rope: theta 10000 on every dim; relbias: MPNet\'s 32 buckets (max distance 128) with a seeded bias; alibi: slopes 2^(-8(h+1)/heads); inputs are packed QKV with a padding mask keeping S/2..S keys',
    ],
  };
}
