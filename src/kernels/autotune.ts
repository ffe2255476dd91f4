// Picks the fastest matmul configuration for a shape on the adapter in use: each candidate is timed once
// on scratch buffers of that shape, and the winner is cached per device under a derived key. SwiftShader,
// integrated and discrete GPUs disagree about the best tile, so nothing here is hard-coded per vendor.
// Correctness of every configuration is the tests' job (tests/kernels/matmul-cases.ts); timing is ours.
import type { Gpu } from '../gpu/device.ts';
import { timeSteps, type TimingMethod } from '../gpu/timer.ts';
import { createTensor, fillTensor, type GpuTensor } from '../gpu/tensor.ts';
import { UniformArena } from '../gpu/uniforms.ts';
import { MATMUL_CONFIGS, matmulConfig, prepareMatmul, type MatmulConfig } from './matmul.ts';

export interface MatmulShape { m: number; n: number; k: number; transB: boolean }

export interface TuneResult {
  key: string;
  config: string;
  /** Median milliseconds per configuration. */
  medians: Record<string, number>;
  method: TimingMethod;
}

const caches = new WeakMap<GPUDevice, Map<string, TuneResult>>();

/** m is rounded up to a power of two (one tuning serves every batch x sequence in the bucket). */
export function tuneKey(gpu: Gpu, s: MatmulShape): string {
  const bucket = 2 ** Math.ceil(Math.log2(Math.max(s.m, 1)));
  const a = gpu.adapter;
  return `${a.vendor}|${a.architecture}|${a.description}|m${bucket}|n${s.n}|k${s.k}|${s.transB ? 'bt' : 'b'}`;
}

function cacheOf(gpu: Gpu): Map<string, TuneResult> {
  let cache = caches.get(gpu.device);
  if (!cache) caches.set(gpu.device, (cache = new Map()));
  return cache;
}

export interface AutotuneOptions {
  configs?: readonly MatmulConfig[];
  runs?: number;
  /** Told about each configuration as it is timed (tuning big shapes on a software adapter takes a while). */
  onProgress?: (line: string) => void;
}

/** The fastest configuration for `shape`, timed on first use and cached for the device's lifetime. */
export async function autotuneMatmul(gpu: Gpu, shape: MatmulShape, opts: AutotuneOptions = {}): Promise<MatmulConfig> {
  const key = tuneKey(gpu, shape);
  const cache = cacheOf(gpu);
  const hit = cache.get(key);
  if (hit) return matmulConfig(hit.config);

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
    const b = await tensor(transB ? [n, k] : [k, n], 'b');
    const c = await tensor([m, n], 'c');
    const medians: Record<string, number> = {};
    let method: TimingMethod = 'wall-clock';
    for (const config of opts.configs ?? MATMUL_CONFIGS) {
      const step = await prepareMatmul(gpu, uniforms, { a, b, c, m, n, k, transB, config });
      const timing = await timeSteps(gpu, [step], { runs: opts.runs ?? 3, warmup: 1, label: `autotune ${config.name}` });
      medians[config.name] = timing.median;
      method = timing.method;
      opts.onProgress?.(`autotune ${m}x${n}x${k}: ${config.name} ${timing.median.toFixed(3)} ms`);
    }
    const best = Object.entries(medians).sort((x, y) => x[1] - y[1])[0][0];
    cache.set(key, { key, config: best, medians, method });
    return matmulConfig(best);
  } finally {
    for (const t of scratch) t.buffer.destroy();
    uniforms.destroy();
  }
}

/** What was tuned so far on this device (to save, e.g. as JSON next to benchmark results). */
export function exportTuning(gpu: Gpu): TuneResult[] {
  return [...cacheOf(gpu).values()];
}

/** Restores earlier results; entries for other adapters are keyed differently and simply never match. */
export function importTuning(gpu: Gpu, results: readonly TuneResult[]): void {
  const known = new Set(MATMUL_CONFIGS.map((c) => c.name));
  for (const r of results) if (known.has(r.config)) cacheOf(gpu).set(r.key, r);
}
