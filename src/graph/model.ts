// A loaded BERT: weights on the GPU, a tokenizer, and forward plans cached per (batch, sequence bucket).
// forward() validates the inputs, writes them into the plan's input tensors, records every step into one
// compute pass plus the copies of the requested outputs, submits once, and reads back only those outputs.
// Concurrent calls are queued: each waits for the previous one and gets its own result.
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT, createBuffer, numel, writeTensor, type GpuTensor } from '../gpu/tensor.ts';
import { attentionMaskBias, attentionVariant, defaultAttentionVariant } from '../kernels/attention.ts';
import { autotuneMatmul } from '../kernels/autotune.ts';
import type { TimingMethod } from '../gpu/timer.ts';
import { recordSteps } from '../kernels/kernel.ts';
import { matmulConfig, type MatmulConfig } from '../kernels/matmul.ts';
import type { PoolingMode } from '../kernels/pool.ts';
import type { BertConfig } from '../model/config.ts';
import { loadCheckpoint, type CheckpointFiles, type LoadedCheckpoint, type Progress } from '../model/source.ts';
import { WordPieceTokenizer, fromTokenizerConfig } from '../model/tokenizer.ts';
import { buildPlan, classifierKind, type ForwardPlan } from './bert-plan.ts';
import { uploadWeights, type WeightArena } from './weights-gpu.ts';

export interface LoadProgress {
  stage: 'download' | 'upload';
  file?: string;
  loaded: number;
  total?: number;
}

export interface ModelOptions {
  /** Attention variant by name (see ATTENTION_VARIANTS); default: the best that takes the head dim (DEFAULT_ATTENTION_ORDER). */
  attention?: string;
  /** 'autotune' (default: time each matmul configuration once per shape on this adapter) or a configuration name. */
  matmul?: string;
  /**
   * Dense + residual + LayerNorm as one dispatch (5 dispatches per layer instead of 7); default true. Off, or
   * for hidden sizes over 1024, a matmul and a LayerNorm dispatch each: benchmarks compare the two.
   */
  fuseLayerNorm?: boolean;
  onProgress?: (p: LoadProgress) => void;
}

export interface ForwardInputs {
  inputIds: number[][];
  /** 1 attend, 0 padding; default all ones. */
  attentionMask?: number[][];
  /** Default all zeros. */
  tokenTypeIds?: number[][];
}

export interface ForwardOptions {
  /** Softmax probabilities of every layer, [batch, heads, seq, seq] each. */
  attentions?: boolean;
  /** Skip outputs you do not need (the MLM logits are a large matmul). Default: all the checkpoint has. */
  pooler?: boolean;
  logits?: boolean;
  /** Attention variant for this call (default: the model's). */
  attention?: string;
  /** Read back lastHiddenState (default true); false leaves it empty, so a task reads back only what it uses. */
  hidden?: boolean;
  /** Classifier logits (see ForwardResult.classifierLogits). Default: when the checkpoint has a classifier. */
  classifier?: boolean;
  /** Question-answering start/end logits. Default: when the checkpoint has a QA head. */
  qa?: boolean;
  /** Sentence embeddings pooled on the GPU (ForwardResult.embeddings): the CLS token or the mean over attended tokens. */
  pooling?: { mode: PoolingMode; normalize?: boolean };
  /**
   * Only these rows of the MLM logits, each [sequence index, position]: ForwardResult.logitsAt is
   * [rows, vocab] in this order, and the full logits are not read back (fill-mask reads its masks only).
   */
  logitsAt?: readonly (readonly [number, number])[];
  /**
   * Time each dispatch: with GPU timestamps every step gets its own compute pass bracketed by timestamps
   * (which adds a little overhead per pass), summed per stage over the layers; without them only the
   * wall-clock total from submit to readback. See ForwardResult.profile.
   */
  profile?: boolean;
}

/** Where a forward spent its time (ForwardOptions.profile). */
export interface ForwardProfile {
  method: TimingMethod;
  /** Sum of the stages with GPU timestamps; submit to readback with the wall clock. */
  totalMs: number;
  /**
   * Per stage ('QKV projection', 'attention', 'FFN out + LayerNorm', ...), in first-run order, summed over
   * the layers. Empty with the wall clock.
   */
  stages: { stage: string; ms: number; dispatches: number }[];
}

export interface ForwardResult {
  batch: number;
  seqLen: number;
  hiddenSize: number;
  /** [batch, seqLen, hidden] row-major. */
  lastHiddenState: Float32Array;
  /** [batch, hidden] when the checkpoint has a pooler. */
  poolerOutput?: Float32Array;
  /** [batch, seqLen, vocab] when the checkpoint has an MLM head. */
  logits?: Float32Array;
  /** Per layer, [batch, heads, seqLen, seqLen], with `attentions: true`. */
  attentions?: Float32Array[];
  /** Sequence classification: [batch, numLabels] (from the pooler); token classification: [batch, seqLen, numLabels]. */
  classifierLogits?: Float32Array;
  /** Question answering: [batch, seqLen] each. */
  startLogits?: Float32Array;
  endLogits?: Float32Array;
  /** With `pooling`: [batch, hidden]. */
  embeddings?: Float32Array;
  /** With `logitsAt`: [rows, vocab]. */
  logitsAt?: Float32Array;
  /** With `profile`. */
  profile?: ForwardProfile;
}

export interface ModelStats {
  weightBytes: number;
  plans: number;
  /** Of the most recent forward's plan. */
  dispatchesPerForward: number;
  dispatchesPerLayer: number;
  peakActivationBytes: number;
  activationBytesNoReuse: number;
  attentionScratchBytes: number;
  /** Plans built so far (a replayed shape builds none). */
  plansBuilt: number;
}

/** Sequence lengths are padded up to a multiple of this, so nearby lengths share one plan. */
const SEQ_BUCKET = 8;
const MAX_PLANS = 8;

export class InputError extends Error {
  override name = 'InputError';
}

export class BertModel {
  private plans = new Map<string, ForwardPlan>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastPlan: ForwardPlan | undefined;
  private plansBuilt = 0;
  private disposed = false;

  private constructor(
    readonly gpu: Gpu,
    readonly config: BertConfig,
    private arena: WeightArena,
    readonly tokenizer: WordPieceTokenizer | undefined,
    readonly checkpoint: Pick<LoadedCheckpoint, 'dtypeSummary' | 'weightFiles'>,
    readonly attention: string,
    private matmul: string,
    readonly fuseLayerNorm: boolean,
  ) {}

  /** Loads a checkpoint (folder, http(s) URL base, or files in memory) and uploads its weights. */
  static async load(gpu: Gpu, source: string | CheckpointFiles, opts: ModelOptions = {}): Promise<BertModel> {
    if (opts.attention) attentionVariant(opts.attention);
    const matmul = opts.matmul ?? 'autotune';
    if (matmul !== 'autotune') matmulConfig(matmul);
    const ckpt = await loadCheckpoint(source, {
      onProgress: (p: Progress) => opts.onProgress?.({ stage: 'download', file: p.file, loaded: p.loaded, total: p.total }),
    });
    const attention = chooseAttention(opts.attention, ckpt.config);
    const tokenizer = makeTokenizer(ckpt);
    const arena = await uploadWeights(gpu, ckpt.config, ckpt.weights, (p) => opts.onProgress?.({ stage: 'upload', loaded: p.uploaded, total: p.total }));
    return new BertModel(gpu, ckpt.config, arena, tokenizer, ckpt, attention, matmul, opts.fuseLayerNorm ?? true);
  }

  get hasPooler(): boolean {
    return Boolean(this.arena.weights.pooler);
  }

  get hasMlmHead(): boolean {
    return Boolean(this.arena.weights.mlmHead);
  }

  /** 'sequence' or 'token' when the checkpoint has a classifier (see classifierKind), else undefined. */
  get classifier(): 'sequence' | 'token' | undefined {
    return this.arena.weights.classifier ? classifierKind(this.config, this.hasPooler) : undefined;
  }

  get hasQaHead(): boolean {
    return Boolean(this.arena.weights.qaOutputs);
  }

  stats(): ModelStats {
    const p = this.lastPlan;
    // Counted from the plan: every step of layer 0 carries the label prefix 'layer0.'.
    const perLayer = p ? p.steps.filter((s) => s.label.startsWith('layer0.')).length : 0;
    return {
      weightBytes: this.arena.bytes,
      plans: this.plans.size,
      dispatchesPerForward: p?.dispatches ?? 0,
      dispatchesPerLayer: perLayer,
      peakActivationBytes: p?.activationBytes ?? 0,
      activationBytesNoReuse: p?.activationBytesNoReuse ?? 0,
      attentionScratchBytes: p?.attentionBytes ?? 0,
      plansBuilt: this.plansBuilt,
    };
  }

  /** One forward. Calls are serialised; each resolves with its own outputs. */
  forward(inputs: ForwardInputs, opts: ForwardOptions = {}): Promise<ForwardResult> {
    const run = this.queue.then(() => this.forwardNow(inputs, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async forwardNow(inputs: ForwardInputs, opts: ForwardOptions): Promise<ForwardResult> {
    if (this.disposed) throw new Error('this model was disposed');
    const { batch, seqLen, ids, types, mask } = validateInputs(this.config, inputs);
    const logitsAt = opts.logitsAt;
    if (logitsAt) {
      if (!this.hasMlmHead) throw new InputError('logitsAt needs a checkpoint with an MLM head');
      if (opts.logits === false) throw new InputError('logitsAt needs the MLM logits (logits: false was given)');
      logitsAt.forEach(([b, s], i) => {
        if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || b >= batch || s < 0 || s >= seqLen) {
          throw new InputError(`logitsAt[${i}] = [${b}, ${s}] is not a [sequence, position] of the ${batch} x ${seqLen} input`);
        }
      });
    }
    if (opts.pooling && opts.pooling.mode !== 'cls' && opts.pooling.mode !== 'mean') {
      throw new InputError(`pooling must be 'cls' or 'mean', got ${JSON.stringify(opts.pooling.mode)}`);
    }
    const bucket = Math.min(Math.ceil(seqLen / SEQ_BUCKET) * SEQ_BUCKET, this.config.maxPositionEmbeddings);
    const plan = await this.planFor(batch, bucket, opts);
    this.lastPlan = plan;

    // Inputs padded from seqLen to the bucket: padding tokens are id 0, type 0 and masked out as keys.
    const pad = (src: Uint32Array | Float32Array, fill: number) => {
      const out = src instanceof Uint32Array ? new Uint32Array(batch * bucket) : new Float32Array(batch * bucket);
      out.fill(fill);
      for (let b = 0; b < batch; b++) out.set(src.subarray(b * seqLen, (b + 1) * seqLen), b * bucket);
      return out;
    };
    writeTensor(this.gpu, plan.inputs.ids, pad(ids, 0));
    writeTensor(this.gpu, plan.inputs.tokenTypes, pad(types, 0));
    writeTensor(this.gpu, plan.inputs.mask, pad(attentionMaskBias(mask, batch, seqLen), attentionMaskBias([0], 1, 1)[0]));

    const V = this.config.vocabSize;
    const wanted: [keyof ForwardResult | `attentions.${number}`, Readback][] = [];
    const whole = (tensor: GpuTensor): Readback => ({ tensor, offset: 0, count: numel(tensor.shape) });
    if (opts.hidden ?? true) wanted.push(['lastHiddenState', whole(plan.outputs.hidden)]);
    if (plan.outputs.pooled) wanted.push(['poolerOutput', whole(plan.outputs.pooled)]);
    if (plan.outputs.logits && !logitsAt) wanted.push(['logits', whole(plan.outputs.logits)]);
    // One copy per requested row; the rows are laid out in the padded bucket, hence b * bucket.
    for (const [b, s] of logitsAt ?? []) wanted.push(['logitsAt', { tensor: plan.outputs.logits!, offset: (b * bucket + s) * V, count: V }]);
    plan.outputs.attentions.forEach((t, i) => wanted.push([`attentions.${i}`, whole(t)]));
    if (plan.outputs.classifier) wanted.push(['classifierLogits', whole(plan.outputs.classifier)]);
    // Start and end logits come back as one [tokens, 2] tensor, split below.
    if (plan.outputs.qa) wanted.push(['startLogits', whole(plan.outputs.qa)]);
    if (plan.outputs.embeddings) wanted.push(['embeddings', whole(plan.outputs.embeddings)]);
    const started = now();
    const { outputs: raw, stamps } = await this.submitAndRead(plan, wanted.map((w) => w[1]), Boolean(opts.profile));

    const H = this.config.hiddenSize;
    const L = this.config.numLabels;
    const result: ForwardResult = { batch, seqLen, hiddenSize: H, lastHiddenState: new Float32Array(0) };
    const rowsAt: Float32Array[] = [];
    wanted.forEach(([name], i) => {
      if (name === 'lastHiddenState') result.lastHiddenState = unpadRows(raw[i], batch, bucket, seqLen, H);
      else if (name === 'poolerOutput') result.poolerOutput = raw[i];
      else if (name === 'logits') result.logits = unpadRows(raw[i], batch, bucket, seqLen, V);
      else if (name === 'logitsAt') rowsAt.push(raw[i]);
      else if (name.startsWith('attentions.')) (result.attentions ??= []).push(unpadMaps(raw[i], batch * this.config.numAttentionHeads, bucket, seqLen));
      else if (name === 'classifierLogits') result.classifierLogits = this.classifier === 'sequence' ? raw[i] : unpadRows(raw[i], batch, bucket, seqLen, L);
      else if (name === 'startLogits') {
        const qa = unpadRows(raw[i], batch, bucket, seqLen, 2);
        result.startLogits = qa.filter((_, j) => j % 2 === 0);
        result.endLogits = qa.filter((_, j) => j % 2 === 1);
      } else if (name === 'embeddings') result.embeddings = raw[i];
    });
    if (opts.profile) result.profile = stamps ? stageProfile(plan, stamps) : { method: 'wall-clock', totalMs: now() - started, stages: [] };
    if (logitsAt) {
      result.logitsAt = new Float32Array(rowsAt.length * V);
      rowsAt.forEach((row, r) => result.logitsAt!.set(row, r * V));
    }
    return result;
  }

  private async planFor(batch: number, seqLen: number, opts: ForwardOptions): Promise<ForwardPlan> {
    const attention = opts.attention ? chooseAttention(opts.attention, this.config) : this.attention;
    const request = {
      batch, seqLen, attention, attentions: Boolean(opts.attentions), fuseLayerNorm: this.fuseLayerNorm,
      pooler: opts.pooler ?? this.hasPooler, logits: opts.logits ?? (this.hasMlmHead || Boolean(opts.logitsAt)),
      classifier: opts.classifier ?? this.classifier !== undefined, qa: opts.qa ?? this.hasQaHead,
      pooling: opts.pooling ? { mode: opts.pooling.mode, normalize: Boolean(opts.pooling.normalize) } : undefined,
    };
    const key = JSON.stringify(request);
    const cached = this.plans.get(key);
    if (cached) {
      // Most recently used last, so the oldest plan is the one evicted.
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    const plan = await buildPlan(this.gpu, this.config, this.arena.weights, { ...request, matmulConfig: (m, n, k, transB) => this.matmulConfig(m, n, k, transB) });
    this.plansBuilt++;
    this.plans.set(key, plan);
    if (this.plans.size > MAX_PLANS) {
      const [oldest, old] = this.plans.entries().next().value!;
      this.plans.delete(oldest);
      old.destroy();
    }
    return plan;
  }

  private matmulConfig(m: number, n: number, k: number, transB = true): Promise<MatmulConfig> {
    if (this.matmul !== 'autotune') return Promise.resolve(matmulConfig(this.matmul));
    return autotuneMatmul(this.gpu, { m, n, k, transB });
  }

  /**
   * One submit: the forward's compute pass (or, when profiling with timestamps, one pass per step), then
   * copies of the outputs and of the resolved timestamps into one staging buffer.
   */
  private async submitAndRead(plan: ForwardPlan, outputs: Readback[], profile: boolean): Promise<{ outputs: Float32Array[]; stamps?: BigUint64Array }> {
    const sizes = outputs.map((r) => r.count * BYTES_PER_ELEMENT);
    const timed = profile && this.gpu.hasTimestamps;
    const stampBytes = timed ? 16 * plan.steps.length : 0;
    const outputBytes = sizes.reduce((a, b) => a + b, 0);
    const device = this.gpu.device;
    const staging = await createBuffer(this.gpu, outputBytes + stampBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'forward readback');
    const querySet = timed ? device.createQuerySet({ type: 'timestamp', count: 2 * plan.steps.length, label: 'forward profile' }) : undefined;
    const resolved = timed ? await createBuffer(this.gpu, stampBytes, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'forward profile') : undefined;
    try {
      await this.gpu.scoped('forward', () => {
        const encoder = device.createCommandEncoder({ label: 'forward' });
        if (querySet) {
          plan.steps.forEach((step, i) => {
            const pass = encoder.beginComputePass({ label: step.label, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
            recordSteps(pass, [step]);
            pass.end();
          });
        } else {
          const pass = encoder.beginComputePass({ label: 'forward' });
          recordSteps(pass, plan.steps);
          pass.end();
        }
        let offset = 0;
        outputs.forEach((r, i) => {
          encoder.copyBufferToBuffer(r.tensor.buffer, r.tensor.byteOffset + r.offset * BYTES_PER_ELEMENT, staging, offset, sizes[i]);
          offset += sizes[i];
        });
        if (querySet && resolved) {
          encoder.resolveQuerySet(querySet, 0, 2 * plan.steps.length, resolved, 0);
          encoder.copyBufferToBuffer(resolved, 0, staging, outputBytes, stampBytes);
        }
        device.queue.submit([encoder.finish()]);
      });
      await this.gpu.guard(staging.mapAsync(GPUMapMode.READ));
      const all = staging.getMappedRange().slice(0);
      staging.unmap();
      let offset = 0;
      const parts = sizes.map((bytes) => {
        const part = new Float32Array(all, offset, bytes / 4);
        offset += bytes;
        return part;
      });
      return { outputs: parts, stamps: timed ? new BigUint64Array(all, outputBytes, 2 * plan.steps.length) : undefined };
    } finally {
      staging.destroy();
      querySet?.destroy();
      resolved?.destroy();
    }
  }

  /** Frees the weights and every plan; the device stays usable for another model. */
  dispose(): void {
    this.disposed = true;
    for (const p of this.plans.values()) p.destroy();
    this.plans.clear();
    this.arena.destroy();
  }
}

const now = () => (globalThis.performance ?? Date).now();

/** Per-step timestamps summed per stage (ForwardPlan.stages: every layer's QKV projection is one stage). */
function stageProfile(plan: ForwardPlan, stamps: BigUint64Array): ForwardProfile {
  const stages = new Map<string, { stage: string; ms: number; dispatches: number }>();
  plan.stages.forEach((stage, i) => {
    const entry = stages.get(stage) ?? stages.set(stage, { stage, ms: 0, dispatches: 0 }).get(stage)!;
    // Some adapters report an end before a begin when a pass is empty of work: clamp at zero.
    entry.ms += Math.max(0, Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
    entry.dispatches++;
  });
  const list = [...stages.values()];
  return { method: 'gpu-timestamps', totalMs: list.reduce((a, s) => a + s.ms, 0), stages: list };
}

/** `count` elements of `tensor` from element `offset`, copied back after a forward. */
interface Readback { tensor: GpuTensor; offset: number; count: number }

/**
 * The attention variant for a config: the one asked for (an error if it cannot run this head size), or by
 * default the first of DEFAULT_ATTENTION_ORDER that takes it (flash-d64, flash, naive).
 */
function chooseAttention(asked: string | undefined, config: BertConfig): string {
  const headDim = config.hiddenSize / config.numAttentionHeads;
  if (!asked) return defaultAttentionVariant(headDim);
  const why = attentionVariant(asked).unsupported?.(headDim);
  if (why) throw new InputError(`attention variant "${asked}" cannot run this model: ${why}`);
  return asked;
}

function makeTokenizer(ckpt: LoadedCheckpoint): WordPieceTokenizer | undefined {
  const options = ckpt.files.tokenizerConfig ? fromTokenizerConfig(ckpt.files.tokenizerConfig) : undefined;
  if (ckpt.files.tokenizerJson) return WordPieceTokenizer.fromTokenizerJson(ckpt.files.tokenizerJson, options);
  if (ckpt.files.vocabTxt) return WordPieceTokenizer.fromVocabTxt(ckpt.files.vocabTxt, options);
  return undefined;
}

/** Checks ids, masks and types against the config; one readable error naming the bad element. */
export function validateInputs(config: BertConfig, inputs: ForwardInputs): { batch: number; seqLen: number; ids: Uint32Array; types: Uint32Array; mask: Uint8Array } {
  const rows = inputs.inputIds;
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every(Array.isArray)) throw new InputError('input_ids must be a non-empty array of arrays of token ids');
  const batch = rows.length;
  const seqLen = rows[0].length;
  if (seqLen === 0) throw new InputError('input_ids[0] is empty');
  if (seqLen > config.maxPositionEmbeddings) throw new InputError(`sequence length ${seqLen} exceeds the model's ${config.maxPositionEmbeddings} positions`);
  const flat = (name: string, m: number[][] | undefined, fallback: number, limit: number) => {
    const out = new Uint32Array(batch * seqLen);
    if (m === undefined) return out.fill(fallback);
    if (!Array.isArray(m) || m.length !== batch) throw new InputError(`${name} must have ${batch} rows like input_ids`);
    m.forEach((row, b) => {
      if (!Array.isArray(row) || row.length !== seqLen) throw new InputError(`${name}[${b}] must have ${seqLen} values like input_ids[0]`);
      row.forEach((v, s) => {
        if (!Number.isInteger(v) || v < 0 || v >= limit) throw new InputError(`${name}[${b}][${s}] = ${JSON.stringify(v)} is not an integer in [0, ${limit})`);
        out[b * seqLen + s] = v;
      });
    });
    return out;
  };
  const ids = flat('input_ids', rows, 0, config.vocabSize);
  const types = flat('token_type_ids', inputs.tokenTypeIds, 0, config.typeVocabSize);
  const mask = Uint8Array.from(flat('attention_mask', inputs.attentionMask, 1, 2));
  return { batch, seqLen, ids, types, mask };
}

function unpadRows(data: Float32Array, batch: number, bucket: number, seqLen: number, width: number): Float32Array {
  if (bucket === seqLen) return data.slice();
  const out = new Float32Array(batch * seqLen * width);
  for (let b = 0; b < batch; b++) out.set(data.subarray(b * bucket * width, (b * bucket + seqLen) * width), b * seqLen * width);
  return out;
}

function unpadMaps(data: Float32Array, maps: number, bucket: number, seqLen: number): Float32Array {
  const out = new Float32Array(maps * seqLen * seqLen);
  for (let m = 0; m < maps; m++) {
    for (let i = 0; i < seqLen; i++) {
      const src = (m * bucket + i) * bucket;
      out.set(data.subarray(src, src + seqLen), (m * seqLen + i) * seqLen);
    }
  }
  return out;
}
