// One side of bench/node-vs-chromium.ts, the same code in Node (Dawn) and in the page (Chromium's Dawn): a
// model loaded once, then single measurements on demand, so that the Node script can alternate the sides
// round by round on a shared machine. Browser-safe: the page imports it through the Vite dev server.
import type { Gpu } from '../src/gpu/device.ts';
import { createBuffer, createTensor, uploadTensor, type GpuTensor } from '../src/gpu/tensor.ts';
import { UniformArena } from '../src/gpu/uniforms.ts';
import { recordSteps, type Step } from '../src/kernels/kernel.ts';
import { matmulConfig, prepareMatmul } from '../src/kernels/matmul.ts';
import { Rng } from '../src/random.ts';
import { EncoderModel } from '../src/api.ts';

/** One sample: wall clock of the whole call, and GPU time from timestamps where the call takes them. */
export interface Sample { wallMs: number; gpuMs?: number; cpuMs?: number }

/**
 * The kernel probes, each one submit of one compute pass bracketed by timestamps (`submits`: that many
 * submits of one dispatch each instead, every pass bracketed):
 * - `matmul`: the MiniLM FFN-in matmul (128 x 1536 x 384, B as [N, K]) recorded `count` times;
 * - `tiny`: a 4 x 4 x 4 matmul (one workgroup) recorded `count` times, i.e. the cost of a dispatch itself.
 */
export type KernelProbe = 'matmul' | 'matmul-submits' | 'tiny';
export const KERNEL_PROBES: readonly KernelProbe[] = ['matmul', 'matmul-submits', 'tiny'];
export const PROBE_COUNT: Record<KernelProbe, number> = { matmul: 12, 'matmul-submits': 12, tiny: 400 };

export interface PairedSide {
  /** A plain forward (ids in, last_hidden_state read back), or with `profile` its one pass bracketed by GPU timestamps. */
  forward(profile: boolean): Promise<Sample>;
  /** last_hidden_state of the timed inputs, to check the sides against each other before timing. */
  output(): Promise<Float32Array>;
  kernel(probe: KernelProbe): Promise<Sample>;
  /** The plan the forward runs: dispatches and layer 0's step labels. */
  plan(): { dispatches: number; layer0: string[] };
  dispose(): void;
}

const now = () => performance.now();

export async function openSide(gpu: Gpu, url: string, opts: { matmul: string; batch: number; seqLen: number }): Promise<PairedSide> {
  const model = await EncoderModel.load(gpu, url, { matmul: opts.matmul });
  const rng = new Rng(opts.batch * 100_003 + opts.seqLen);
  const inputIds = Array.from({ length: opts.batch }, () => Array.from({ length: opts.seqLen }, () => rng.int(5, model.config.vocabSize)));
  const inputs = { inputIds };
  await model.forward(inputs, { pooler: false });
  const probes = await kernelProbes(gpu, opts.matmul);
  return {
    async forward(profile) {
      const t0 = now();
      const r = await model.forward(inputs, { pooler: false, profile: profile ? 'total' : false });
      const wallMs = now() - t0;
      return { wallMs, gpuMs: r.profile?.method === 'gpu-timestamps' ? r.profile.totalMs : undefined };
    },
    async output() {
      return (await model.forward(inputs, { pooler: false })).lastHiddenState;
    },
    kernel: (probe) => probes.run(probe),
    plan() {
      const plan = model.plan;
      if (!plan) return { dispatches: 0, layer0: [] };
      return { dispatches: plan.dispatches, layer0: plan.steps.filter((_, i) => plan.info[i].layer === 0).map((s) => s.label) };
    },
    dispose() {
      probes.dispose();
      model.dispose();
    },
  };
}

async function kernelProbes(gpu: Gpu, matmul: string): Promise<{ run(probe: KernelProbe): Promise<Sample>; dispose(): void }> {
  const owned: GpuTensor[] = [];
  const uniforms = new UniformArena(gpu, 'kernel probes');
  const rng = new Rng(11);
  const matmulStep = async (m: number, n: number, k: number): Promise<Step> => {
    const a = await uploadTensor(gpu, rng.floats(m * k), [m, k], 'a');
    const b = await uploadTensor(gpu, rng.floats(n * k), [n, k], 'b');
    const c = await createTensor(gpu, [m, n], 'f32', 'c');
    owned.push(a, b, c);
    const config = matmulConfig(matmul === 'autotune' ? 'unrolled4x4' : matmul);
    return prepareMatmul(gpu, uniforms, { a, b, c, m, n, k, transB: true, config, label: `probe ${m}x${n}x${k}` });
  };
  const big = await matmulStep(128, 1536, 384);
  const tiny = await matmulStep(4, 4, 4);
  const maxPasses = PROBE_COUNT['matmul-submits'];
  const querySet = gpu.device.createQuerySet({ type: 'timestamp', count: 2 * maxPasses, label: 'kernel probes' });
  const resolve = await createBuffer(gpu, 16 * maxPasses, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'probe stamps');
  const read = await createBuffer(gpu, 16 * maxPasses, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'probe stamps (read)');
  const { device } = gpu;
  const pass = (steps: readonly Step[], i: number) => {
    const encoder = device.createCommandEncoder();
    const p = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
    recordSteps(p, steps);
    p.end();
    return encoder;
  };
  const run = async (probe: KernelProbe): Promise<Sample> => {
    const count = PROBE_COUNT[probe];
    const passes = probe === 'matmul-submits' ? count : 1;
    const steps = Array<Step>(probe === 'matmul-submits' ? 1 : count).fill(probe === 'tiny' ? tiny : big);
    const t0 = now();
    for (let i = 0; i < passes; i++) {
      const encoder = pass(steps, i);
      if (i === passes - 1) {
        encoder.resolveQuerySet(querySet, 0, 2 * passes, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, read, 0, 16 * passes);
      }
      device.queue.submit([encoder.finish()]);
    }
    await gpu.guard(read.mapAsync(GPUMapMode.READ));
    const wallMs = now() - t0;
    const stamps = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    let gpuNs = 0n;
    for (let i = 0; i < passes; i++) gpuNs += stamps[2 * i + 1] - stamps[2 * i];
    return { wallMs, gpuMs: Number(gpuNs) / 1e6 };
  };
  await run('matmul');
  await run('tiny');
  return {
    run,
    dispose() {
      querySet.destroy();
      resolve.destroy();
      read.destroy();
      uniforms.destroy();
      for (const t of owned) t.buffer.destroy();
    },
  };
}
