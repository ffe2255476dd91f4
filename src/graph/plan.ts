// The GPU executor of a graph: the activation arena laid out by liveness (arena.ts), pipelines, bind groups
// and uniforms made once per (batch, sequence bucket), so running the plan is recording its steps into one
// compute pass. Each step keeps the stage and layer of the op that made it: profiles sum by stage, stats
// count layer 0's dispatches, readbacks find outputs by name.
import type { Gpu } from '../gpu/device.ts';
import { alignUp, BYTES_PER_ELEMENT, createBuffer, numel, uploadTensor, VIEW_ALIGNMENT, type DType, type GpuTensor } from '../gpu/tensor.ts';
import { UniformArena } from '../gpu/uniforms.ts';
import type { AttentionPlan } from '../kernels/attention-common.ts';
import type { Step } from '../kernels/kernel.ts';
import type { MatmulConfig } from '../kernels/matmul.ts';
import { planBuffers, type Interval } from './arena.ts';
import type { GpuWeight, Graph, GraphOutputs, OutputName, PrepareContext, Value } from './graph.ts';
import type { Weight } from './weight.ts';

/** Where the weights are on the GPU (the runtime's weight arena). */
export interface PlacedWeights {
  get(w: Weight): GpuWeight;
}

export interface StepInfo { stage: string; layer: number | undefined }

export interface ForwardPlan {
  batch: number;
  seqLen: number;
  steps: Step[];
  /** Per step: the stage and layer of the op that made it. */
  info: StepInfo[];
  /** Views of `inputBuffer`, each on a binding-offset boundary: the runtime writes all of them with one writeBuffer. */
  inputs: Record<keyof Graph['inputs'], GpuTensor>;
  inputBuffer: GPUBuffer;
  inputBytes: number;
  outputs: { [K in OutputName]?: GpuTensor } & { attentions: GpuTensor[] };
  /** Bytes of the activation buffers, and what they would be without reuse. */
  activationBytes: number;
  activationBytesNoReuse: number;
  /** Scratch the attention steps allocate themselves (S x S scores for naive). */
  attentionBytes: number;
  dispatches: number;
  dispatchesPerLayer: number;
  destroy(): void;
}

export interface PlanOptions {
  matmulConfig: (m: number, n: number, k: number, transB: boolean, bDtype?: DType, glu?: boolean) => Promise<MatmulConfig>;
}

export async function planGraph(gpu: Gpu, g: Graph, weights: PlacedWeights, opts: PlanOptions): Promise<ForwardPlan> {
  const { batch: B, seqLen: S } = g;
  const uniforms = new UniformArena(gpu, `plan ${B}x${S} uniforms`);
  const owned: GPUBuffer[] = [];
  const attentionPlans: AttentionPlan[] = [];
  const destroy = () => {
    uniforms.destroy();
    for (const b of owned) b.destroy();
    for (const p of attentionPlans) p.dispose();
  };
  try {
    // The inputs share one buffer of their own, so a forward writes them all at once before it runs.
    const inputTensors = {} as ForwardPlan['inputs'];
    const views = new Map<Value, GpuTensor>();
    let inputBytes = 0;
    const offsets = (Object.entries(g.inputs) as [keyof Graph['inputs'], Value][]).map(([name, v]) => {
      const at = alignUp(inputBytes, VIEW_ALIGNMENT);
      inputBytes = at + numel(v.shape) * BYTES_PER_ELEMENT;
      return { name, v, at };
    });
    const inputBuffer = await createBuffer(gpu, inputBytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, `inputs ${B}x${S}`);
    owned.push(inputBuffer);
    for (const { name, v, at } of offsets) {
      const t: GpuTensor = { buffer: inputBuffer, byteOffset: at, shape: [...v.shape], dtype: v.dtype, label: v.label };
      inputTensors[name] = t;
      views.set(v, t);
    }
    for (const [v, data] of g.constants) {
      const t = await uploadTensor(gpu, data, v.shape, v.label);
      owned.push(t.buffer);
      views.set(v, t);
    }

    // Liveness: from the op that writes a value to the last op that reads it; outputs live to the end.
    const first = new Map<Value, number>();
    const last = new Map<Value, number>();
    g.ops.forEach((op, i) => {
      for (const v of op.writes) if (!first.has(v)) first.set(v, i);
      for (const v of [...op.reads, ...op.writes]) last.set(v, i);
    });
    for (const v of g.outputValues()) last.set(v, g.ops.length);
    const byName = new Map<string, Value>();
    const intervals: Interval[] = [...first.keys()].map((v) => {
      byName.set(`#${v.id}`, v);
      return { name: `#${v.id}`, bytes: numel(v.shape) * BYTES_PER_ELEMENT, first: first.get(v)!, last: last.get(v)! };
    });
    const layout = planBuffers(intervals);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffers: GPUBuffer[] = [];
    for (const [i, size] of layout.sizes.entries()) {
      const buffer = await createBuffer(gpu, size, usage, `activations ${B}x${S} #${i}`);
      owned.push(buffer);
      buffers.push(buffer);
    }
    for (const [name, slot] of layout.assignment) {
      const v = byName.get(name)!;
      views.set(v, { buffer: buffers[slot], byteOffset: 0, shape: v.shape, dtype: v.dtype, label: v.label });
    }
    const view = (v: Value): GpuTensor => {
      const t = views.get(v);
      if (!t) throw new Error(`value "${v.label}" is read but no op writes it`);
      return t;
    };

    const ctx: PrepareContext = {
      gpu, uniforms, view,
      weight: (w) => weights.get(w),
      whole: (w, op) => {
        const parts = weights.get(w).parts;
        if (parts.length > 1) throw new Error(`${op}: "${w.name}" is split over ${parts.length} bindings, and this op reads it whole`);
        return parts[0].tensor;
      },
      matmulConfig: opts.matmulConfig,
      own: (p) => attentionPlans.push(p),
      attention: g.options.attention,
    };
    // Every op prepares at once, so their pipelines compile in parallel (the autotuner queues its timings).
    const prepared = await Promise.all(g.ops.map((op) => op.prepare(ctx)));
    const steps: Step[] = [];
    const info: StepInfo[] = [];
    prepared.forEach((built, i) => {
      steps.push(...built);
      for (const _ of built) info.push({ stage: g.ops[i].stage, layer: g.ops[i].layer });
    });
    const live = (s: Step) => s.workgroups.every((n) => n > 0);
    const outputs = { attentions: g.outputs.attentions.map(view) } as ForwardPlan['outputs'];
    for (const [name, v] of Object.entries(g.outputs) as [keyof GraphOutputs, Value | Value[]][]) {
      if (name !== 'attentions') outputs[name] = view(v as Value);
    }
    return {
      batch: B, seqLen: S, steps, info, inputs: inputTensors, inputBuffer, inputBytes: alignUp(inputBytes, BYTES_PER_ELEMENT), outputs,
      activationBytes: layout.peakBytes,
      activationBytesNoReuse: layout.naiveBytes,
      attentionBytes: attentionPlans.reduce((s, p) => s + p.allocatedBytes, 0),
      dispatches: steps.filter(live).length,
      dispatchesPerLayer: steps.filter((s, i) => live(s) && info[i].layer === 0).length,
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}
