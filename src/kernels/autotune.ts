// Picks the fastest matmul configuration for a shape on the adapter in use: each candidate is timed once
// on scratch buffers of that shape, and the winner is cached per device under a key that names the adapter.
// SwiftShader, integrated and discrete GPUs disagree about the best tile, so nothing here is hard-coded per
// vendor. Correctness of every configuration is the tests' job (tests/kernels/matmul-cases.ts); timing is ours.
//
// Cold start: tuning is bounded (a candidate whose first run is far slower than the best so far is not
// timed further, and a shape stops trying candidates once its budget is spent), tunings run one at a time
// per device (they would time each other otherwise), and results persist through a TuningStore that the
// entry points register (a file in the cache folder in Node, localStorage in a page): the next process
// restores them when it loads a model and tunes only shapes it has not seen.
import type { Gpu } from '../gpu/device.ts';
import { timeSteps, type TimingMethod } from './timer.ts';
import { createTensor, fillTensor, type DType, type GpuTensor } from '../gpu/tensor.ts';
import { UniformArena } from '../gpu/uniforms.ts';
import { MATMUL_CONFIGS, matmulConfig, prepareMatmul, takesGlu, type MatmulConfig } from './matmul.ts';

const now = () => (globalThis.performance ?? Date).now();

/** A matmul to tune: its sizes, B's layout and B's storage (a packed weight reads differently). */
export interface MatmulShape { m: number; n: number; k: number; transB: boolean; bDtype?: DType; glu?: boolean }

export interface TuneResult {
  key: string;
  config: string;
  /** Median milliseconds per configuration. */
  medians: Record<string, number>;
  method: TimingMethod;
}

const caches = new WeakMap<GPUDevice, Map<string, TuneResult>>();
/** Per device: the tail of the queue of tunings (one at a time), and what tuning has cost so far. */
const queues = new WeakMap<GPUDevice, Promise<unknown>>();
const spent = new WeakMap<GPUDevice, { ms: number; tuned: number }>();

/** A candidate whose first run takes this many times the best median so far is not timed further. */
const SKIP_RATIO = 3;
/** Default tuning budget per shape: once spent, the remaining candidates are skipped. */
export const TUNE_BUDGET_MS = 1500;

/** The workgroup-tiled configurations shaped for GPUs (matmul-gpu.wgsl); the rest came before them. */
export const GPU_SHAPED_CONFIGS: readonly string[] = ['gpu16x16-k32-r2x2', 'gpu16x32-k16-r2x2', 'gpu32x32-k16-r2x2', 'gpu64x64-k8-r4x4'];

/**
 * The order candidates are timed in on a software adapter: register tiles first (the fastest on SwiftShader),
 * then the tiled shapes and the GPU-shaped ones (barriers are costly there), naive last (the slowest nearly
 * everywhere). A budget that runs out skips the tail.
 */
export const TUNE_ORDER: readonly string[] = ['unrolled4x4', 'reg4x8', 'tile64x64-k16-r4x4', 'tile32x64-k16-r2x4', 'tile16x64-k32-r1x4', 'tile128x64-k8-r8x4', 'reg8x8', ...GPU_SHAPED_CONFIGS, 'naive'];

/** On a hardware adapter: the GPU-shaped kernels first, then the rest as on a software one. */
export const HARDWARE_TUNE_ORDER: readonly string[] = [...GPU_SHAPED_CONFIGS, ...TUNE_ORDER.filter((n) => !GPU_SHAPED_CONFIGS.includes(n))];

/** The configurations to time, in the adapter's order; a gated matmul only those that compute it themselves. */
function candidates(glu: boolean, software: boolean): MatmulConfig[] {
  const order = software ? TUNE_ORDER : HARDWARE_TUNE_ORDER;
  const rank = (c: MatmulConfig) => (order.includes(c.name) ? order.indexOf(c.name) : order.length);
  return [...MATMUL_CONFIGS].filter((c) => !glu || takesGlu(c)).sort((a, b) => rank(a) - rank(b));
}

/**
 * m is rounded up to a power of two (one tuning serves every batch x sequence in the bucket). A tuning among
 * chosen configurations only (`only`) is kept apart from the tuning among all of them.
 */
export function tuneKey(gpu: Gpu, s: MatmulShape, only?: readonly string[]): string {
  const bucket = 2 ** Math.ceil(Math.log2(Math.max(s.m, 1)));
  const a = gpu.adapter;
  const storage = s.bDtype && s.bDtype !== 'f32' ? `|${s.bDtype}` : '';
  const among = only ? `|only=${only.join('+')}` : '';
  return `${a.vendor}|${a.architecture}|${a.description}|m${bucket}|n${s.n}|k${s.k}|${s.transB ? 'bt' : 'b'}${storage}${s.glu ? '|glu' : ''}${among}`;
}

function cacheOf(gpu: Gpu): Map<string, TuneResult> {
  let cache = caches.get(gpu.device);
  if (!cache) caches.set(gpu.device, (cache = new Map()));
  return cache;
}

export interface AutotuneOptions {
  /** Time only these, in this order (default: every configuration, in the adapter's order); cached apart. */
  configs?: readonly MatmulConfig[];
  runs?: number;
  /** Milliseconds of timing per shape before the remaining candidates are skipped (default TUNE_BUDGET_MS). */
  budgetMs?: number;
  /** Told about each configuration as it is timed (tuning big shapes on a software adapter takes a while). */
  onProgress?: (line: string) => void;
}

/** The fastest configuration for `shape`, timed on first use and cached for the device's lifetime. */
export async function autotuneMatmul(gpu: Gpu, shape: MatmulShape, opts: AutotuneOptions = {}): Promise<MatmulConfig> {
  const key = tuneKey(gpu, shape, opts.configs?.map((c) => c.name));
  const hit = cacheOf(gpu).get(key);
  if (hit) return matmulConfig(hit.config);
  // One tuning at a time per device: the queue's tail is this call, which waits for the one before.
  const before = queues.get(gpu.device) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(async () => {
    const again = cacheOf(gpu).get(key); // tuned by the call this one waited for
    return again ? matmulConfig(again.config) : tune(gpu, shape, key, opts);
  });
  queues.set(gpu.device, mine);
  return mine;
}

async function tune(gpu: Gpu, shape: MatmulShape, key: string, opts: AutotuneOptions): Promise<MatmulConfig> {
  const started = now();
  const { m, n, k, transB } = shape;
  const scratch: GpuTensor[] = [];
  const tensor = async (shape: number[], label: string) => {
    const t = await createTensor(gpu, shape, 'f32', `autotune ${label}`);
    fillTensor(gpu, t, 0.5);
    scratch.push(t);
    return t;
  };
  const uniforms = new UniformArena(gpu, 'autotune uniforms');
  try {
    const a = await tensor([m, k], 'a');
    const b = await scratchB(gpu, shape, scratch);
    const c = await tensor([m, shape.glu ? n / 2 : n], 'c');
    const medians: Record<string, number> = {};
    let method: TimingMethod = 'wall-clock';
    let best = Infinity;
    const budget = opts.budgetMs ?? TUNE_BUDGET_MS;
    for (const config of opts.configs ?? candidates(Boolean(shape.glu), gpu.adapter.isFallback)) {
      if (best < Infinity && now() - started > budget) {
        opts.onProgress?.(`autotune ${m}x${n}x${k}: budget of ${budget} ms spent, ${config.name} and later skipped`);
        break;
      }
      const step = await prepareMatmul(gpu, uniforms, { a, b, c, m, n, k, transB, config, glu: shape.glu });
      const probe = await timeSteps(gpu, [step], { runs: 1, warmup: 1, label: `autotune ${config.name}` });
      const timing = probe.median > SKIP_RATIO * best ? probe : await timeSteps(gpu, [step], { runs: opts.runs ?? 3, warmup: 0, label: `autotune ${config.name}` });
      medians[config.name] = timing.median;
      method = timing.method;
      best = Math.min(best, timing.median);
      opts.onProgress?.(`autotune ${m}x${n}x${k}: ${config.name} ${timing.median.toFixed(3)} ms${timing === probe && best < timing.median ? ' (one run: slower than the best)' : ''}`);
    }
    const winner = Object.entries(medians).sort((x, y) => x[1] - y[1])[0][0];
    cacheOf(gpu).set(key, { key, config: winner, medians, method });
    dirty.add(gpu.device);
    return matmulConfig(winner);
  } finally {
    for (const t of scratch) t.buffer.destroy();
    uniforms.destroy();
    const s = spent.get(gpu.device) ?? { ms: 0, tuned: 0 };
    spent.set(gpu.device, { ms: s.ms + now() - started, tuned: s.tuned + 1 });
  }
}

/** B for the timings, in the storage the real weight has (zeros: timing does not depend on the values). */
async function scratchB(gpu: Gpu, s: MatmulShape, owned: GpuTensor[]): Promise<GpuTensor> {
  const { n, k, transB } = s;
  const dtype = s.bDtype ?? 'f32';
  const b = await createTensor(gpu, transB ? [n, k] : [k, n], dtype, `autotune b ${dtype}`);
  owned.push(b);
  if (dtype === 'i8') {
    const group = 64;
    b.scales = await createTensor(gpu, [n * Math.ceil(k / group)], 'f32', 'autotune b scales');
    b.group = group;
    owned.push(b.scales);
  }
  return b;
}

/** Milliseconds spent tuning on this device so far, and how many shapes were tuned. */
export function tuningSpent(gpu: Gpu): { ms: number; tuned: number } {
  return spent.get(gpu.device) ?? { ms: 0, tuned: 0 };
}

/** What was tuned so far on this device (to save, e.g. as JSON next to benchmark results). */
export function exportTuning(gpu: Gpu): TuneResult[] {
  return [...cacheOf(gpu).values()];
}

/** The adapter part of every tuning key: vendor|architecture|description. */
export function adapterKey(gpu: Gpu): string {
  return tuneKey(gpu, { m: 1, n: 1, k: 1, transB: false }).split('|m')[0];
}

/**
 * Other tunings kept in the same cache and store (runtime/plan-tune.ts: whole-plan choices): their keys hold
 * `|${kind}|` after the adapter, and `accepts` says whether a stored config is one this code still knows.
 */
const otherKinds = new Map<string, (config: string) => boolean>();

export function registerTuningKind(kind: string, accepts: (config: string) => boolean): void {
  otherKinds.set(kind, accepts);
}

export function cachedTuning(gpu: Gpu, key: string): TuneResult | undefined {
  return cacheOf(gpu).get(key);
}

export function rememberTuning(gpu: Gpu, result: TuneResult): void {
  cacheOf(gpu).set(result.key, result);
  dirty.add(gpu.device);
}

/** Restores earlier results; entries for other adapters are keyed differently and simply never match. */
export function importTuning(gpu: Gpu, results: readonly TuneResult[]): number {
  const known = new Set(MATMUL_CONFIGS.map((c) => c.name));
  const prefix = adapterKey(gpu);
  const knownOther = (r: TuneResult) => [...otherKinds].some(([kind, accepts]) => r.key.includes(`|${kind}|`) && accepts(r.config));
  let matching = 0;
  for (const r of results) {
    if (typeof r.key !== 'string' || typeof r.config !== 'string' || !(known.has(r.config) || knownOther(r))) continue;
    cacheOf(gpu).set(r.key, r);
    if (r.key.startsWith(`${prefix}|`)) matching++;
  }
  return matching;
}

/** Where tunings outlive the process: registered by the entry points (node.ts, browser.ts). */
export interface TuningStore {
  /** Where, for messages ("~/.cache/webgpu-bert/tuning.json"). */
  readonly location: string;
  load(): Promise<TuneResult[]>;
  /** Merges `results` into what is stored (entries of other adapters kept). */
  save(results: readonly TuneResult[]): Promise<void>;
}

/** Bump when a configuration's code changes enough that old timings no longer say which is fastest, or new candidates join. */
export const TUNING_VERSION = 2;

let store: TuningStore | undefined;
const restored = new WeakSet<GPUDevice>();
const dirty = new WeakSet<GPUDevice>();

export function setTuningStore(s: TuningStore | undefined): void {
  store = s;
}

export function tuningStore(): TuningStore | undefined {
  return store;
}

/** Once per device: the stored tunings of this adapter, imported. Returns how many matched it. */
export async function restoreTuning(gpu: Gpu): Promise<number> {
  if (!store || restored.has(gpu.device)) return 0;
  restored.add(gpu.device);
  const results = await store.load().catch(() => [] as TuneResult[]);
  return importTuning(gpu, results);
}

/** Stores this device's tunings when some are new since the last save; a failing store is not an error. */
export async function persistTuning(gpu: Gpu): Promise<boolean> {
  if (!store || !dirty.has(gpu.device)) return false;
  dirty.delete(gpu.device);
  return store.save(exportTuning(gpu)).then(() => true, () => false);
}
