// End-to-end measurements of one model: our engine validated against the float64 reference, then timed at
// each batch x sequence; then each peer, loaded from the same checkpoint URL, checked against our output on
// the same inputs (relative error <= PEER_TOLERANCE) and only then timed. Every forward is timed on the wall
// clock with its readback (ids in, last_hidden_state out as a Float32Array), for ours and the peers alike.
import type { Timing } from '../src/kernels/timer.ts';
import { EncoderModel, type ForwardInputs, type ModelOptions } from '../src/runtime/model.ts';
import { GPU_SHAPED_CONFIGS, TUNE_ORDER } from '../src/kernels/autotune.ts';
import { MATMUL_CONFIGS } from '../src/kernels/matmul.ts';
import type { EncoderConfig as BertConfig } from '../src/families/config.ts';
import { loadCheckpoint } from '../src/model/source.ts';
import { ReferenceModel } from '../src/reference/model.ts';
import { compare, TOLERANCES } from '../src/reference/compare.ts';
import { Rng } from '../src/random.ts';
import type { E2eCase } from './e2e-models.ts';
import { fmt, gflopsOf, timeCalls } from './measure.ts';
import { PEER_TOLERANCE, type Peer, type PeerInputs, type PeerModel } from './peers/peer.ts';
import type { SuiteContext } from './suite.ts';

export const OURS = 'webgpu-bert';
/** Ours with every LayerNorm as its own dispatch (7 per layer instead of 5): the fused output blocks' gain, same run. */
export const OURS_UNFUSED = 'webgpu-bert (LayerNorm unfused)';
/**
 * Ours with the kernels the engine had before the GPU-shaped ones: matmul tuned among the earlier
 * configurations only, fused dense + LayerNorm, the default one-pass attention (flash-d64 where it fits),
 * no whole-plan tuning (the row kernels' subgroup reductions stay). Against OURS on a GPU it is the gain
 * of the GPU-shaped kernels and the plan tuning, measured in one run.
 */
export const OURS_PREVIOUS = 'webgpu-bert (previous kernels)';
export const PREVIOUS_OPTIONS: ModelOptions = {
  plan: 'fixed', fuseLayerNorm: true,
  matmul: [...new Set([...TUNE_ORDER, ...MATMUL_CONFIGS.map((c) => c.name)])].filter((name) => !GPU_SHAPED_CONFIGS.includes(name)),
};

export interface E2eRow {
  model: string;
  batch: number;
  seqLen: number;
  /** 'webgpu-bert' or a peer's key ('transformers.js-webgpu', ...). */
  engine: string;
  version?: string;
  backend: string;
  /** Ours: against the float64 reference on a short input; a peer: against our output on the same inputs. */
  validation: string;
  relErr: number;
  timing?: Timing;
  medianMs?: number;
  tokensPerSec?: number;
  /** Ours only: compute dispatches in one forward (model.stats()). */
  dispatches?: number;
  /** Ours only: the plan the forward ran (dense + LayerNorm fused or not, attention variant) and its matmul configurations. */
  plan?: string;
  /** 2 FLOP per multiply-add of the encoder's matmuls and attention (embeddings and norms not counted). */
  flops: number;
  gflops?: number;
  pctOfCeiling?: number;
  /** Peer rows: our tokens/s divided by this engine's (above 1: ours is faster). */
  oursOverPeer?: number;
  error?: string;
}

/** Matmul and attention FLOPs of one forward: per layer 2*T*(4*H^2 + 2*H*I) + 4*B*heads*S^2*dh. */
export function forwardFlops(c: BertConfig, batch: number, seqLen: number): number {
  const t = batch * seqLen;
  const h = c.hiddenSize;
  const perLayer = 2 * t * (4 * h * h + 2 * h * c.intermediateSize) + 4 * batch * c.numAttentionHeads * seqLen * seqLen * c.headDim;
  return c.numHiddenLayers * perLayer;
}

/** Seeded ids (no padding: every engine attends to every token), token types all 0. */
export function e2eInputs(vocab: number, batch: number, seqLen: number): PeerInputs {
  const rng = new Rng(batch * 100_003 + seqLen);
  const n = batch * seqLen;
  // Ids 0-4 are the special tokens of the generated vocabulary; real text is mostly ordinary tokens.
  const inputIds = Int32Array.from({ length: n }, () => rng.int(5, vocab));
  return { batch, seqLen, inputIds, attentionMask: new Int32Array(n).fill(1), tokenTypeIds: new Int32Array(n) };
}

function rowsOf(a: Int32Array, batch: number, seqLen: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from(a.subarray(b * seqLen, (b + 1) * seqLen)));
}

export function toForwardInputs(p: PeerInputs): ForwardInputs {
  return { inputIds: rowsOf(p.inputIds, p.batch, p.seqLen), attentionMask: rowsOf(p.attentionMask, p.batch, p.seqLen), tokenTypeIds: rowsOf(p.tokenTypeIds, p.batch, p.seqLen) };
}

/**
 * Our forward against the float64 reference (src/reference/model.ts) on two short sequences, the second
 * padded: the reference runs plain JS loops in float64, minutes at 128+ tokens for BERT-base, so the full
 * sizes are checked through the peers' agreement instead.
 */
async function validateOurs(model: EncoderModel, url: string): Promise<{ pass: boolean; relErr: number; message: string }> {
  const ckpt = await loadCheckpoint(url);
  const { config } = ckpt;
  const rng = new Rng(7);
  const seqLen = 16;
  const inputIds = [0, 1].map(() => Array.from({ length: seqLen }, () => rng.int(5, config.vocabSize)));
  const attentionMask = [new Array(seqLen).fill(1), Array.from({ length: seqLen }, (_, i) => (i < 11 ? 1 : 0))];
  const inputs = { inputIds, attentionMask };
  const want = (await new ReferenceModel(ckpt).forward(inputs, { pooler: false, logits: false })).lastHiddenState;
  const got = (await model.forward(inputs, { pooler: false, logits: false })).lastHiddenState;
  const r = compare(got, want, TOLERANCES.model, `last_hidden_state 2x${seqLen} (one padded) vs float64 reference`);
  return { pass: r.pass, relErr: r.relNorm, message: r.message };
}

const peerCache = new Map<string, Promise<Peer>>();

async function peerOf(name: string): Promise<Peer> {
  if (!peerCache.has(name)) {
    const p = import('./peers/index.ts').then(({ PEERS }) => {
      const make = PEERS[name];
      if (!make) throw new Error(`no peer "${name}" (known: ${Object.keys(PEERS).join(', ')})`);
      return make();
    });
    peerCache.set(name, p);
    p.catch(() => peerCache.delete(name));
  }
  return peerCache.get(name)!;
}

function timed(row: E2eRow, timing: Timing): Partial<E2eRow> {
  return {
    timing, medianMs: timing.median, tokensPerSec: (row.batch * row.seqLen) / (timing.median / 1e3), gflops: gflopsOf(row.flops, timing.median),
  };
}

/** "fused+flash-split; gpu16x16-k32-r2x2 x4, unrolled4x4 x2": what ran, from the last forward's stats. */
function planSummary(stats: ReturnType<EncoderModel['stats']>): string | undefined {
  if (!stats.planOptions) return undefined;
  const counts = new Map<string, number>();
  // A matmul step's label names its configuration ("layer 0 QKV projection reg4x8 vec4").
  const names = new Set(MATMUL_CONFIGS.map((c) => c.name));
  for (const d of stats.occupancy?.dispatches ?? []) {
    const config = d.layer === 0 ? d.label.split(' ').find((word) => names.has(word)) : undefined;
    if (config) counts.set(config, (counts.get(config) ?? 0) + 1);
  }
  const matmuls = [...counts].map(([c, n]) => `${c} x${n}`).join(', ');
  return `${stats.planOptions.fuseLayerNorm ? 'fused' : 'unfused'}+${stats.planOptions.attention}${matmuls ? `; layer 0: ${matmuls}` : ''}`;
}

/** Ours with 16-bit or 8-bit weights: held to ours with f32 weights on the same inputs (these are lossy). */
export const WEIGHTS_TOLERANCE = { f16: 5e-3, int8: 5e-2 } as const;
export type BenchWeights = 'f32' | keyof typeof WEIGHTS_TOLERANCE;

/** Ours (or a variant): validated once per model, then one row per case (the first forward of a shape plans it, untimed). */
async function benchOurs(ctx: SuiteContext, name: string, engine: string, model: EncoderModel, url: string, cases: readonly E2eCase[], outputs: Map<E2eCase, Float32Array>, against?: { weights: keyof typeof WEIGHTS_TOLERANCE; outputs: Map<E2eCase, Float32Array> }): Promise<E2eRow[]> {
  const rows: E2eRow[] = [];
  // f16 / int8 weights: every case's output is compared with the f32 engine's instead (below).
  const v = against ? { pass: true, relErr: NaN, message: `vs ours with f32 weights (limit ${WEIGHTS_TOLERANCE[against.weights]})` } : await validateOurs(model, url);
  ctx.log(`e2e: ${name} ${engine}: ${v.message}`);
  for (const c of cases) {
    const flops = forwardFlops(model.config, c.batch, c.seqLen);
    const row: E2eRow = { model: name, batch: c.batch, seqLen: c.seqLen, engine, backend: 'webgpu', validation: v.message, relErr: v.relErr, flops };
    rows.push(row);
    if (!v.pass) {
      row.error = 'failed validation against the float64 reference';
      continue;
    }
    try {
      const inputs = toForwardInputs(e2eInputs(model.config.vocabSize, c.batch, c.seqLen));
      const forward = () => model.forward(inputs, { pooler: false, logits: false });
      ctx.log(`e2e: ${name} ${c.batch}x${c.seqLen} ${engine}: first forward (plans the shape, autotunes new matmul shapes)`);
      const out = (await forward()).lastHiddenState;
      outputs.set(c, out);
      const want = against?.outputs.get(c);
      if (against && want) {
        const r = compare(out, want);
        Object.assign(row, { relErr: r.relNorm, validation: `last_hidden_state vs f32 weights: rel ${r.relNorm.toExponential(2)} (limit ${WEIGHTS_TOLERANCE[against.weights]})` });
        if (!(r.relNorm <= WEIGHTS_TOLERANCE[against.weights]) || r.nonFinite > 0) throw new Error(`${row.validation}: differs, not timed`);
      }
      Object.assign(row, timed(row, await timeCalls(ctx, forward)));
      const stats = model.stats();
      row.dispatches = stats.dispatchesPerForward;
      row.plan = planSummary(stats);
    } catch (error) {
      // E.g. out of memory at 8x512 on a small adapter: the other shapes still run.
      row.error = (error as Error).message.split('\n')[0];
    }
    ctx.log(`e2e: ${name} ${c.batch}x${c.seqLen} ${engine}: ${row.error ? `error: ${row.error}` : `${fmt(row.medianMs)} ms, ${fmt(row.tokensPerSec)} tokens/s, ${row.dispatches} dispatches, plan ${row.plan ?? '-'}`}`);
  }
  return rows;
}

/** One peer at one case: its output against ours first; timed only when it agrees. */
async function benchPeerCase(ctx: SuiteContext, row: E2eRow, peer: PeerModel, inputs: PeerInputs, want: Float32Array, ours: E2eRow): Promise<void> {
  const what = `e2e: ${row.model} ${row.batch}x${row.seqLen} ${row.engine}`;
  try {
    const got = await peer.forward(inputs);
    const r = compare(got, want);
    Object.assign(row, { relErr: r.relNorm, validation: `last_hidden_state vs ours: rel ${r.relNorm.toExponential(2)} (limit ${PEER_TOLERANCE})` });
    if (!(r.relNorm <= PEER_TOLERANCE) || r.nonFinite > 0) {
      row.error = `output differs from ours: rel ${r.relNorm.toExponential(2)} > ${PEER_TOLERANCE}${r.nonFinite ? `, ${r.nonFinite} non-finite` : ''}; not timed`;
    } else {
      Object.assign(row, timed(row, await timeCalls(ctx, () => peer.forward(inputs))));
      if (ours.tokensPerSec && row.tokensPerSec) row.oursOverPeer = ours.tokensPerSec / row.tokensPerSec;
    }
  } catch (error) {
    row.error = (error as Error).message.split('\n')[0];
  }
  ctx.log(`${what}: ${row.error ? `error: ${row.error}` : `${fmt(row.medianMs)} ms, ${fmt(row.tokensPerSec)} tokens/s (rel ${row.relErr.toExponential(1)} vs ours; ours ${fmt(row.oursOverPeer)}x its throughput)`}`);
}

/** Every case of one model: ours first, then each peer the cases name, loaded once for all its cases. */
export async function benchModel(ctx: SuiteContext, name: string, url: string, cases: readonly E2eCase[], weights: readonly BenchWeights[] = ['f32'], previous = false): Promise<E2eRow[]> {
  const outputs = new Map<E2eCase, Float32Array>();
  const rows: E2eRow[] = [];
  let config: BertConfig | undefined;
  const engines: [string, ModelOptions, BenchWeights][] = [[OURS, {}, 'f32'], [OURS_UNFUSED, { fuseLayerNorm: false }, 'f32'],
    ...(previous ? [[OURS_PREVIOUS, PREVIOUS_OPTIONS, 'f32'] as [string, ModelOptions, BenchWeights]] : []),
    ...weights.filter((w) => w !== 'f32').map((w): [string, ModelOptions, BenchWeights] => [`${OURS} ${w} weights`, {}, w])];
  for (const [engine, options, w] of engines) {
    ctx.log(`e2e: ${name}: loading ${engine} from ${url}`);
    const model = await EncoderModel.load(ctx.gpu, url, { ...options, weights: w });
    config = model.config;
    try {
      // The peers (and the f16 / int8 weights) are compared with the fused f32 engine's outputs.
      const against = w === 'f32' ? undefined : { weights: w, outputs };
      rows.push(...await benchOurs(ctx, name, engine, model, url, cases, engine === OURS ? outputs : new Map(), against));
    } finally {
      // Free our weights before the next copy is uploaded (BERT-base is 440 MB in f32).
      model.dispose();
    }
  }
  for (const r of rows) {
    const ours = rows.find((x) => x.engine === OURS && x.batch === r.batch && x.seqLen === r.seqLen);
    if (r.engine !== OURS && r.engine.startsWith('webgpu-bert') && ours?.tokensPerSec && r.tokensPerSec) r.oursOverPeer = ours.tokensPerSec / r.tokensPerSec;
  }
  for (const peerName of [...new Set(cases.flatMap((c) => c.peers))]) {
    let loaded: PeerModel | undefined;
    let info: Peer | undefined;
    let failure: string | undefined;
    try {
      info = await peerOf(peerName);
      ctx.log(`e2e: ${name}: loading ${peerName} (${info.engine} ${info.version}, ${info.backend})`);
      loaded = await info.load(url);
    } catch (error) {
      failure = `could not load: ${(error as Error).message.split('\n')[0]}`;
      ctx.log(`e2e: ${name} ${peerName}: ${failure}`);
    }
    try {
      for (const c of cases.filter((x) => x.peers.includes(peerName))) {
        const ours = rows.find((r) => r.engine === OURS && r.batch === c.batch && r.seqLen === c.seqLen)!;
        const row: E2eRow = { model: name, batch: c.batch, seqLen: c.seqLen, engine: peerName, version: info?.version, backend: info?.backend ?? '-', validation: '', relErr: NaN, flops: ours.flops };
        rows.push(row);
        const want = outputs.get(c);
        if (failure || !loaded || !want) row.error = failure ?? 'not compared: our own forward did not run';
        else await benchPeerCase(ctx, row, loaded, e2eInputs(config!.vocabSize, c.batch, c.seqLen), want, ours);
      }
    } finally {
      await loaded?.dispose();
    }
  }
  return rows;
}
