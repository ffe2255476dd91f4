// `e2e`: forwards of BERT-shaped random-weight models at batch x sequence, ours and the peers (Transformers.js
// on WebGPU and WASM, a TF.js-ops BERT on WebGPU) in the same page, on the same adapter, from the same
// checkpoint URL: median ms, tokens/s, dispatches per forward, GFLOP/s and % of the FMA ceiling, and our
// throughput over each peer's. The model folders must exist under the model base (bench/main.ts writes them
// with bench/model-folder.ts before it opens the page).
import { barChart } from '../charts.ts';
import { OURS, WEIGHTS_TOLERANCE, benchModel, type BenchWeights, type E2eRow } from '../e2e.ts';
import { E2E_MODELS, e2eCases, type E2eCase } from '../e2e-models.ts';
import { fmt, fmtPct, fmtTiming, inBrowser, markdownTable, percentOf, type Ceilings } from '../measure.ts';
import { SuiteArgs, type FlagKind } from '../suite-args.ts';
import type { SuiteContext, SuiteOutput, SuiteRenderer } from '../suite.ts';
import { ceilingsFor } from './ceilings.ts';

const caseName = (r: { model: string; batch: number; seqLen: number }) => `${r.model} ${r.batch}x${r.seqLen}`;

export const renderE2e: SuiteRenderer = (rawRows, options) => {
  const rows = rawRows as E2eRow[];
  const ceilings = options.ceilings as Ceilings | undefined;
  const table = markdownTable(rows, [
    ['model', (r) => r.model],
    ['batch x seq', (r) => `${r.batch} x ${r.seqLen}`],
    ['engine', (r) => (r.engine === OURS ? `**${OURS}**` : `${r.engine}${r.version ? ` ${r.version}` : ''}`)],
    ['median ms (min–max)', (r) => (r.error ? `error: ${r.error.slice(0, 120)}` : fmtTiming(r.timing))],
    ['runs', (r) => (r.timing ? String(r.timing.samples.length) : '-')],
    ['tokens/s', (r) => fmt(r.tokensPerSec, 1)],
    ['ours/peer throughput', (r) => (r.oursOverPeer === undefined ? '-' : `${fmt(r.oursOverPeer)}x`)],
    ['dispatches', (r) => (r.dispatches === undefined ? '-' : String(r.dispatches))],
    ['plan', (r) => r.plan ?? '-'],
    ['GFLOP/s', (r) => fmt(r.gflops)],
    ['% of FMA ceiling', (r) => fmtPct(r.pctOfCeiling)],
    ['check', (r) => r.validation || '-'],
  ]);
  const groups = [...new Set(rows.map(caseName))];
  const engines = [...new Set(rows.map((r) => r.engine))];
  // null (drawn as n/a) for a row that failed or was not timed; undefined where the engine had no such case.
  const value = (engine: string, g: string, pick: (r: E2eRow) => number | undefined) => {
    const r = rows.find((x) => x.engine === engine && caseName(x) === g);
    return r === undefined ? undefined : r.error ? null : pick(r);
  };
  const charts = rows.length ? [
    {
      name: 'latency', title: 'Forward latency per model and engine',
      svg: barChart({
        title: 'Forward latency (median, wall clock with readback; log scale)', yLabel: 'ms', xLabel: 'model, batch x sequence', groups, log: true,
        series: engines.map((e) => ({ name: e, values: groups.map((g) => value(e, g, (r) => r.medianMs)) })),
      }),
    },
    {
      name: 'percent-of-ceiling', title: 'Forward GFLOP/s as % of the FMA ceiling (WebGPU engines)',
      svg: barChart({
        title: `Forward as % of the WebGPU FMA ceiling (${fmt(ceilings?.fmaGFlops)} GFLOP/s)`, yLabel: '% of FMA ceiling', xLabel: 'model, batch x sequence', groups,
        series: engines.filter((e) => rows.some((r) => r.engine === e && r.backend === 'webgpu'))
          .map((e) => ({ name: e, values: groups.map((g) => value(e, g, (r) => r.pctOfCeiling)) })),
      }),
    },
  ] : [];
  return { table, charts };
};

/**
 * `e2e [--models minilm-l6-h384,bert-base,tiny-h64] [--shapes 1x128,8x128,1x512] [--peers a,b|none] [--no-peers]
 * [--model-base URL|DIR] [--weights f32,f16,int8] [--previous]`. Defaults: E2E_GRID[size] (bench/e2e-models.ts); models served at /bench/models/.
 */
export const E2E_FLAGS: Record<string, FlagKind> = { models: 'list', shapes: 'list', peers: 'list', 'no-peers': 'switch', 'model-base': 'string', weights: 'list', previous: 'switch' };

function parseE2eArgs(args: readonly string[]): SuiteArgs {
  return new SuiteArgs('e2e', args, E2E_FLAGS);
}

/** The cases these flags select (bench/main.ts calls it too, to write the model folders the cases load). */
export function e2eCasesFor(size: SuiteContext['size'], rawArgs: readonly string[]): E2eCase[] {
  const args = parseE2eArgs(rawArgs);
  // The peers run in a page (navigator.gpu, ONNX Runtime Web); in Node only our engine runs.
  const noPeers = args.switch('no-peers') || !inBrowser();
  return e2eCases(size, { models: args.list('models'), shapes: args.list('shapes'), peers: noPeers ? ['none'] : args.list('peers') });
}

export async function e2eSuite(ctx: SuiteContext): Promise<SuiteOutput> {
  const args = parseE2eArgs(ctx.args);
  const noPeers = args.switch('no-peers') || !inBrowser();
  const cases = e2eCasesFor(ctx.size, ctx.args);
  const given = args.string('model-base');
  if (!given && !inBrowser()) throw new Error('e2e: --model-base DIR is needed outside a browser (the folder holding the generated models)');
  const base = given ?? new URL('/bench/models/', location.href).href;
  const ceilings = await ceilingsFor(ctx);
  const rows: E2eRow[] = [];
  const byModel = new Map<string, E2eCase[]>();
  for (const c of cases) byModel.set(c.model, [...(byModel.get(c.model) ?? []), c]);
  const weights = (args.list('weights') ?? ['f32']) as BenchWeights[];
  for (const w of weights) if (w !== 'f32' && !(w in WEIGHTS_TOLERANCE)) throw new Error(`e2e: --weights takes f32, f16, int8, got "${w}"`);
  for (const [model, modelCases] of byModel) {
    rows.push(...await benchModel(ctx, model, `${base.replace(/\/?$/, '/')}${model}/`, modelCases, weights, args.switch('previous')));
  }
  // The ceiling is the WebGPU adapter's: an engine on another backend (WASM on the CPU) gets no share of it.
  for (const r of rows) if (r.backend === 'webgpu') r.pctOfCeiling = percentOf(r.gflops, ceilings.fmaGFlops);
  const options = { cases, ceilings, models: E2E_MODELS.filter((m) => byModel.has(m.name)) };
  return {
    rows, options, ...renderE2e(rows, options),
    notes: [
      'timing: wall clock around each whole forward, inputs in and last_hidden_state read back to a Float32Array, for every engine alike; median after warm-up',
      '% of FMA ceiling: only for engines on WebGPU (the ceiling is the WebGPU adapter\'s; Transformers.js WASM runs on the CPU outside it)',
      'webgpu-bert f16 / int8 weights (--weights): ours with the weights stored 16-bit or int8 (quantized on load), f32 arithmetic, each case held to the f32 engine\'s output on the same inputs; ours/peer = the f32 engine\'s throughput over it',
      'webgpu-bert (previous kernels), with --previous: matmul autotuned among the configurations before the GPU-shaped ones, fused dense + LayerNorm, the default one-pass attention (flash-d64 where it fits), no plan tuning; its ours/peer column is the default engine\'s throughput over it (the gain of the GPU-shaped kernels and the plan tuning)',
      'plan: fused or unfused dense + LayerNorm, the attention variant, and layer 0\'s matmul configurations with their counts',
      'webgpu-bert (LayerNorm unfused): ours loaded with fuseLayerNorm: false (each LayerNorm its own dispatch, 7 per layer instead of 5); its ours/peer column is the fused engine\'s throughput over it',
      'tokens/s = batch * seq / median; GFLOP/s = matmul and attention FLOPs (per layer 2*T*(4*H^2 + 2*H*I) + 4*B*heads*S^2*dh) / median; ours/peer throughput = our tokens/s / the peer\'s',
      'ours is validated against the float64 reference (src/reference/bert.ts) on 2 sequences of 16 tokens, one padded: plain JS loops in float64 take minutes at full size; each peer is checked against our output at the timed size (relative error <= 1e-3) before it is timed',
      'models: random weights in the real shapes from bench/model-folder.ts, served in Hugging Face layout (config.json, model.safetensors, onnx/model.onnx) from 127.0.0.1; the vocabulary is the generator\'s small one (the embedding gather is a negligible part of a forward)',
      noPeers ? `peers: not run (${inBrowser() ? '--no-peers' : 'they need a browser page: use --runtime browser'})` : 'peers: each loads the same checkpoint URL with its own loader; a peer that fails to load or disagrees with ours is recorded, not timed',
    ],
  };
}
