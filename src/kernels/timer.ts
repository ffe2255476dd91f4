// Timing of kernel steps on the GPU, for benchmarks and the autotuner (never for tests). With the `timestamp-query`
// feature each repetition is bracketed by GPU timestamps (GPU time only); without it we time the wall clock
// from submit to onSubmittedWorkDone, which includes submission overhead, and say so in `method`.
import type { Gpu } from '../gpu/device.ts';
import { createBuffer } from '../gpu/tensor.ts';
import { recordSteps, type Step } from './kernel.ts';

export type TimingMethod = 'gpu-timestamps' | 'wall-clock';

export interface Timing {
  method: TimingMethod;
  /** Milliseconds for each timed repetition, in order. */
  samples: number[];
  median: number;
  min: number;
  max: number;
}

/** The median of the samples (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(method: TimingMethod, samples: number[]): Timing {
  return { method, samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const now = () => (globalThis.performance ?? Date).now();

/**
 * Runs `steps` (one compute pass, one submit) `warmup` times untimed, then `runs` times timed, one
 * submit per repetition so each sample is one forward of the work as the runtime would issue it.
 */
export async function timeSteps(gpu: Gpu, steps: readonly Step[], opts: { runs?: number; warmup?: number; label?: string } = {}): Promise<Timing> {
  const runs = opts.runs ?? 5;
  const warmup = opts.warmup ?? 2;
  const label = opts.label ?? 'timed steps';
  const { device } = gpu;
  const encode = (timestampWrites?: GPUComputePassTimestampWrites) => {
    const encoder = device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label, timestampWrites });
    recordSteps(pass, steps);
    pass.end();
    return encoder;
  };
  for (let i = 0; i < warmup; i++) device.queue.submit([encode().finish()]);
  await gpu.idle();

  if (!gpu.hasTimestamps) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = now();
      device.queue.submit([encode().finish()]);
      await gpu.idle();
      samples.push(now() - t0);
    }
    return summarize('wall-clock', samples);
  }

  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * runs, label });
  const resolve = await createBuffer(gpu, 16 * runs, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, `${label} timestamps`);
  const read = await createBuffer(gpu, 16 * runs, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `${label} timestamps (readback)`);
  try {
    await gpu.scoped(`time ${label}`, () => {
      for (let i = 0; i < runs; i++) {
        device.queue.submit([encode({ querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 }).finish()]);
      }
      const encoder = device.createCommandEncoder();
      encoder.resolveQuerySet(querySet, 0, 2 * runs, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, read, 0, 16 * runs);
      device.queue.submit([encoder.finish()]);
    });
    await gpu.guard(read.mapAsync(GPUMapMode.READ));
    const stamps = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    const samples = Array.from({ length: runs }, (_, i) => Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
    return summarize('gpu-timestamps', samples);
  } finally {
    querySet.destroy();
    resolve.destroy();
    read.destroy();
  }
}
