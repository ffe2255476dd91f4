// Running a plan: one round trip per forward. The inputs (already laid out in the entry's host bytes) go up
// with one writeBuffer, the plan's steps are recorded into one compute pass, the outputs asked for are
// copied into the entry's readback buffer, and all of it is one submit. Then the error scopes and the map of
// the readback buffer are awaited together: the only GPU round trip of a forward whose plan exists. The
// outputs come back as views of one copy of the mapped bytes.
import type { Gpu } from '../gpu/device.ts';
import { alignUp, BYTES_PER_ELEMENT, type GpuTensor } from '../gpu/tensor.ts';
import { recordSteps } from '../kernels/kernel.ts';
import type { PlanEntry } from './plan-cache.ts';

/** `count` f32 elements of `tensor` from element `offset`. */
export interface Region { tensor: GpuTensor; offset: number; count: number }
/** One output: its regions, laid end to end in the result. */
export interface OutputRead { name: string; regions: Region[] }

/** 'steps': a compute pass per step with timestamps around each; 'total': timestamps around the one pass. */
export type StampMode = 'none' | 'steps' | 'total';

export interface Executed {
  outputs: Map<string, Float32Array>;
  /** Begin/end timestamp pairs (ns), per step or for the whole pass. */
  stamps?: BigUint64Array;
}

/**
 * Runs the plan of `entry` once and reads back `reads`. `reserve` gives the readback bytes of the largest
 * request of this kind the plan serves (every row of its shape class), so the readback buffer is made once at
 * that size instead of growing with the batches it meets.
 */
/** Bytes the outputs of `reads` take. */
export const readBytes = (reads: readonly OutputRead[]) => reads.reduce((n, r) => n + r.regions.reduce((m, g) => m + g.count, 0), 0) * BYTES_PER_ELEMENT;

export async function execute(gpu: Gpu, entry: PlanEntry, reads: readonly OutputRead[], mode: StampMode, reserve: () => number): Promise<Executed> {
  const { plan } = entry;
  const device = gpu.device;
  const stampCount = !gpu.hasTimestamps || mode === 'none' ? 0 : mode === 'steps' ? 2 * plan.steps.length : 2;
  const outputBytes = readBytes(reads);
  const stampsAt = alignUp(outputBytes, 8);
  const need = Math.max(stampCount ? stampsAt + 8 * stampCount : outputBytes, BYTES_PER_ELEMENT);

  const { verdict } = gpu.deferScoped('forward', () => {
    if (!entry.staging || entry.staging.size < need) {
      entry.staging?.destroy();
      entry.staging = device.createBuffer({ size: alignUp(Math.max(need, reserve()), 256), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: `readback ${plan.batch}x${plan.seqLen}` });
    }
    if (stampCount && (!entry.querySet || entry.querySet.count < stampCount)) {
      entry.querySet?.destroy();
      entry.resolved?.destroy();
      entry.querySet = device.createQuerySet({ type: 'timestamp', count: stampCount, label: 'forward profile' });
      entry.resolved = device.createBuffer({ size: 8 * stampCount, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'forward profile' });
    }
    device.queue.writeBuffer(plan.inputBuffer, 0, entry.inputHost, 0, plan.inputBytes);
    const encoder = device.createCommandEncoder({ label: 'forward' });
    const querySet = stampCount ? entry.querySet : undefined;
    if (querySet && mode === 'steps') {
      plan.steps.forEach((step, i) => {
        const pass = encoder.beginComputePass({ label: step.label, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        recordSteps(pass, [step]);
        pass.end();
      });
    } else {
      const timestampWrites = querySet && { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 };
      const pass = encoder.beginComputePass({ label: 'forward', ...(timestampWrites && { timestampWrites }) });
      recordSteps(pass, plan.steps);
      pass.end();
    }
    let at = 0;
    for (const r of reads) {
      for (const g of r.regions) {
        const bytes = g.count * BYTES_PER_ELEMENT;
        encoder.copyBufferToBuffer(g.tensor.buffer, g.tensor.byteOffset + g.offset * BYTES_PER_ELEMENT, entry.staging!, at, bytes);
        at += bytes;
      }
    }
    if (querySet) {
      encoder.resolveQuerySet(querySet, 0, stampCount, entry.resolved!, 0);
      encoder.copyBufferToBuffer(entry.resolved!, 0, entry.staging!, stampsAt, 8 * stampCount);
    }
    device.queue.submit([encoder.finish()]);
  });

  const staging = entry.staging!;
  const size = alignUp(need, BYTES_PER_ELEMENT);
  const [scopes, mapped] = await gpu.guard(Promise.allSettled([verdict, staging.mapAsync(GPUMapMode.READ, 0, size)]));
  const error = scopes.status === 'rejected' ? scopes.reason : scopes.value;
  if (error) {
    if (mapped.status === 'fulfilled') staging.unmap();
    // A readback buffer that failed to be made (out of memory) is not kept for the next forward.
    staging.destroy();
    entry.staging = undefined;
    throw error;
  }
  if (mapped.status === 'rejected') throw mapped.reason;
  const all = staging.getMappedRange(0, size).slice(0);
  staging.unmap();
  const outputs = new Map<string, Float32Array>();
  let at = 0;
  for (const r of reads) {
    const count = r.regions.reduce((n, g) => n + g.count, 0);
    outputs.set(r.name, new Float32Array(all, at, count));
    at += count * BYTES_PER_ELEMENT;
  }
  return { outputs, stamps: stampCount ? new BigUint64Array(all, stampsAt, stampCount) : undefined };
}
