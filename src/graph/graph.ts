// The forward pass as a typed graph: values (activations) and the ops that read and write them. A family
// (src/families/) builds one per request and shape with the op constructors of ops.ts; two executors run
// it: the GPU planner (plan.ts: liveness, buffers, steps in one compute pass) and the float64 reference
// (src/reference/graph.ts: every op's CPU twin). Stage names, per-layer counts and outputs are fields of
// the ops and of the graph, never parsed out of labels.
import type { Gpu } from '../gpu/device.ts';
import type { DType, GpuTensor } from '../gpu/tensor.ts';
import type { UniformArena } from '../gpu/uniforms.ts';
import type { AttentionPlan } from '../kernels/attention-common.ts';
import type { Step } from '../kernels/kernel.ts';
import type { MatmulConfig } from '../kernels/matmul.ts';
import type { ReferenceTwins } from './twins.ts';
import type { Weight } from './weight.ts';

/** An activation: a row-major tensor the plan gives a buffer. */
export interface Value {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: 'f32' | 'u32';
  readonly label: string;
}

/** A weight on the GPU: one tensor, or row blocks of one when it is larger than a binding. */
export interface GpuWeight {
  shape: readonly number[];
  label: string;
  /** Row blocks in order: rows [rowBegin, rowBegin + rows) of the weight. One part for most weights. */
  parts: { tensor: GpuTensor; rowBegin: number; rows: number }[];
}

/** What an op's prepare gets: the device, views of its values and weights, the matmul configurations. */
export interface PrepareContext {
  gpu: Gpu;
  uniforms: UniformArena;
  view(v: Value): GpuTensor;
  weight(w: Weight): GpuWeight;
  /** The weight as one tensor; an error naming the op when it had to be split. */
  whole(w: Weight, op: string): GpuTensor;
  /** The configuration for this shape and B storage (autotuned per adapter, or fixed). */
  matmulConfig(m: number, n: number, k: number, transB: boolean, bDtype?: DType, glu?: boolean): Promise<MatmulConfig>;
  /** Attention variants may own scratch buffers; they are freed with the plan. */
  own(plan: AttentionPlan): void;
  attention: string;
}

/** What an op's float64 twin gets. */
export interface ReferenceContext {
  get(v: Value): ArrayLike<number>;
  set(v: Value, data: Float64Array): void;
  weight(w: Weight): ArrayLike<number>;
  /** The float64 twins, from the reference executor (src/reference/twins.ts). */
  twins: ReferenceTwins;
}

export interface Op {
  /** What it computes, the same in every layer ('QKV projection', 'attention', …): profiles group by it. */
  stage: string;
  /** The encoder layer it belongs to (stats count layer 0's dispatches); undefined outside the layers. */
  layer?: number;
  reads: Value[];
  writes: Value[];
  prepare(ctx: PrepareContext): Promise<Step[]>;
  reference(ctx: ReferenceContext): void;
}

/** Outputs a forward can read back, by what they are. */
export interface GraphOutputs {
  hidden: Value; // [batch*seq, hidden]
  pooled?: Value; // [batch, hidden]
  logits?: Value; // [batch*seq, vocab] MLM logits
  classifier?: Value; // [batch, labels] (sequence) or [batch*seq, labels] (token)
  qa?: Value; // [batch*seq, 2]: start, end
  discriminator?: Value; // [batch*seq, 1]: ELECTRA's replaced-token logits
  embeddings?: Value; // [batch, hidden] pooled sentence embeddings
  attentions: Value[]; // per layer [batch*heads*seq, seq]
}

export type OutputName = Exclude<keyof GraphOutputs, 'attentions'>;

/** Options that choose between equivalent ways to compute the same graph. */
export interface GraphOptions {
  /** Dense + residual + LayerNorm as one dispatch where the row fits. */
  fuseLayerNorm: boolean;
  /** Attention variant by name (ATTENTION_VARIANTS). */
  attention: string;
  /** Write every layer's attention probabilities as outputs. */
  attentions: boolean;
  /** How many row blocks a weight is stored in on the GPU (1 unless larger than a binding); default 1. */
  blocks?: (w: Weight) => number;
}

export class Graph {
  readonly ops: Op[] = [];
  readonly outputs: Partial<GraphOutputs> & { attentions: Value[] } = { attentions: [] };
  /** The forward's inputs, written by the model before each run. */
  readonly inputs: {
    ids: Value; // [tokens] u32
    tokenTypes: Value; // [tokens] u32
    positions: Value; // [tokens] u32, the position id of each token (families compute them)
    mask: Value; // [batch, seq] f32 additive key bias: 0 attend, MASK_VALUE padding
    poolMask: Value; // [batch, seq] f32, the same for the tokens sentence pooling reads
  };
  /** Values the graph computes on the host when it is built (rotary tables, relative-position buckets): the
   * planner uploads each once per plan, the reference reads them as they are. */
  readonly constants = new Map<Value, Float32Array | Uint32Array>();
  private readonly constantsByKey = new Map<string, Value>();
  private nextId = 0;
  private currentLayer: number | undefined;

  constructor(readonly batch: number, readonly seqLen: number, readonly options: GraphOptions) {
    const T = batch * seqLen;
    this.inputs = {
      ids: this.value([T], 'input ids', 'u32'),
      tokenTypes: this.value([T], 'token type ids', 'u32'),
      positions: this.value([T], 'position ids', 'u32'),
      mask: this.value([batch, seqLen], 'attention mask bias'),
      poolMask: this.value([batch, seqLen], 'pooling mask bias'),
    };
  }

  get tokens(): number {
    return this.batch * this.seqLen;
  }

  value(shape: readonly number[], label: string, dtype: 'f32' | 'u32' = 'f32'): Value {
    return { id: this.nextId++, shape: [...shape], dtype, label: this.label(label) };
  }

  /**
   * A host-computed value, made once per key however many layers ask for it (every global layer shares one
   * rotary table). `make` runs only the first time.
   */
  constant(key: string, label: string, make: () => Float32Array | Uint32Array): Value {
    const known = this.constantsByKey.get(key);
    if (known) return known;
    const data = make();
    const v: Value = { id: this.nextId++, shape: [data.length], dtype: data instanceof Uint32Array ? 'u32' : 'f32', label };
    this.constants.set(v, data);
    this.constantsByKey.set(key, v);
    return v;
  }

  /** `text` prefixed with the layer being built ('layer 0 QKV projection'): labels of values and steps. */
  label(text: string): string {
    return this.currentLayer === undefined ? text : `layer ${this.currentLayer} ${text}`;
  }

  add(op: Omit<Op, 'layer'>): void {
    this.ops.push({ ...op, layer: this.currentLayer });
  }

  /** Ops added inside `build` belong to encoder layer `index`. */
  layer<T>(index: number, build: () => T): T {
    this.currentLayer = index;
    try {
      return build();
    } finally {
      this.currentLayer = undefined;
    }
  }

  output<K extends OutputName>(name: K, v: Value): Value {
    this.outputs[name] = v;
    return v;
  }

  /** Values the model reads back, in a fixed order. */
  outputValues(): Value[] {
    const o = this.outputs;
    const named = (Object.keys(o) as (keyof GraphOutputs)[]).filter((k) => k !== 'attentions').map((k) => o[k] as Value);
    return [...named, ...o.attentions];
  }
}
