// A loaded encoder of any family: weights on the GPU, a tokenizer, and forward plans cached per (batch,
// sequence bucket, request). forward() checks the inputs, writes them into the plan's input tensors,
// records every step into one compute pass plus the copies of the requested outputs, submits once, and
// reads back only those outputs. Concurrent calls are queued: each waits for the previous one and gets
// its own result.
import { occupancyOf, type OccupancyReport } from './occupancy.ts';
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT, createBuffer, numel, writeTensor, type DType, type GpuTensor } from '../gpu/tensor.ts';
import { ATTENTION_VARIANTS, attentionVariant, defaultAttentionVariant, variantRefuses } from '../kernels/attention.ts';
import { autotuneMatmul, cachedTuning, persistTuning, restoreTuning, tuningSpent } from '../kernels/autotune.ts';
import { planTuneKey, tunedPlanChoice, tunePlan, type PlanChoice } from './plan-tune.ts';
import { compileSpent } from '../gpu/pipeline-cache.ts';
import { recordSteps } from '../kernels/kernel.ts';
import { MATMUL_CONFIGS, matmulConfig, type MatmulConfig } from '../kernels/matmul.ts';
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily, HeadRequest, Heads } from '../families/family.ts';
import type { SentenceTransformerConfig } from '../model/sentence.ts';
import type { Weight } from '../families/weights.ts';
import type { HubOptions } from '../model/hub.ts';
import { loadCheckpoint, type CheckpointFiles, type LoadedCheckpoint, type Progress } from '../model/source.ts';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.ts';
import {
  assembleResult, buildGraph, graphInputs, headRequest, InputError, SEQ_BUCKET, validateInputs,
  type ForwardInputs, type ForwardOptions, type ForwardProfile, type ForwardResult, type RawOutputs,
} from './forward.ts';
import { planGraph, type ForwardPlan } from './plan.ts';
import { uploadWeights, type StorageSummary, type WeightArena } from './weights-gpu.ts';
import { chooseStorage, WEIGHT_OPTIONS, type WeightsOption } from './weight-storage.ts';

export * from './forward.ts';

export interface LoadProgress {
  stage: 'download' | 'upload';
  file?: string;
  loaded: number;
  total?: number;
}

export interface ModelOptions {
  /** Attention variant by name (see ATTENTION_VARIANTS); default: the best that takes the head dim (DEFAULT_ATTENTION_ORDER). */
  attention?: string;
  /**
   * 'autotune' (default: time each matmul configuration once per shape on this adapter), a configuration name,
   * or a list of names: autotune among those only (tuned and stored apart from the full tuning).
   */
  matmul?: string | readonly string[];
  /**
   * Dense + residual + LayerNorm as one dispatch (5 dispatches per layer instead of 7); default true. Off, or
   * for hidden sizes over 960, a matmul and a LayerNorm dispatch each: benchmarks compare the two.
   */
  fuseLayerNorm?: boolean;
  /**
   * 'autotune': choose fuseLayerNorm and the attention variant per (batch, sequence bucket) by timing one
   * layer of each candidate plan (graph/plan-tune.ts), cached and stored with the matmul tunings; options
   * given explicitly stay fixed. 'fixed': the defaults. Default: 'autotune' on a hardware adapter when
   * matmul is autotuned, 'fixed' on a software one (the defaults were measured there).
   */
  plan?: 'autotune' | 'fixed';
  /** Largest binding the weights may use, below the adapter's own limit: tables above it are split into row blocks. */
  maxBindingBytes?: number;
  /**
   * How weights are stored on the GPU (graph/weight-storage.ts): 'auto' (default) keeps the checkpoint's own
   * storage (F16 -> f16, BF16 -> bf16, int8 -> int8, F32 -> f32); 'f32'; 'f16'; 'int8' quantizes Linear
   * weights on load. Arithmetic is f32 in every case.
   */
  weights?: WeightsOption;
  /** Hub model ids: the branch, tag or commit (default 'main'); the same as hub.revision. */
  revision?: string;
  /** Hub model ids: endpoint, token, offline, cache folder (see HubOptions). */
  hub?: HubOptions;
  onProgress?: (p: LoadProgress) => void;
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
  /** Weights larger than one binding, by name, with the number of row blocks each is stored in. */
  splitWeights: Record<string, number>;
  /** Where the time to the first result went: load phases, then the first forward's. */
  phases: ModelPhases;
  /** The weights on the GPU by storage format: tensors and bytes (int8 scales included). */
  weightStorage: StorageSummary;
  /** The plan options of the most recent forward, and the whole-plan tuning behind them (per-layer medians). */
  planOptions: { fuseLayerNorm: boolean; attention: string; tuned?: { key: string; medians: Record<string, number>; method: string } } | undefined;
  /** Per dispatch of the most recent forward: workgroups, invocations, bytes read and written, and why
   * (src/graph/occupancy.ts); undefined before the first forward. */
  occupancy: OccupancyReport | undefined;
}

/** Milliseconds of each phase of a cold start (the forward fields once a forward has run). */
export interface ModelPhases {
  /** Reading the checkpoint's files: disk, network or cache. */
  fetchMs: number;
  /** Parsing the config and safetensors, checking names and shapes, converting to f32. */
  parseMs: number;
  /** Creating the weight buffers and writing them. */
  uploadMs: number;
  /** Tunings of this adapter restored from the tuning store when the model loaded. */
  tuningsRestored: number;
  /** The first forward end to end: planning, tuning, compiling, running, reading back. */
  firstForwardMs?: number;
  /** Of it: building the plan (pipelines, bind groups, buffers), tuning included. */
  planMs?: number;
  /** Of the plan: matmul autotuning (0 when every shape was tuned before, in this process or a stored one). */
  tuneMs?: number;
  /** Pipelines the first plan compiled, and their compile times summed (they run in parallel). */
  pipelinesCompiled?: number;
  compileMs?: number;
}

const MAX_PLANS = 8;

type PlanOptionsOf = { attention: string; attentions: boolean; fuseLayerNorm: boolean };

/** `count` elements of `tensor` from element `offset`, copied back after a forward, and where they go. */
interface Readback { tensor: GpuTensor; offset: number; count: number; put(data: Float32Array): void }

export class EncoderModel {
  private plans = new Map<string, ForwardPlan>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastPlan: ForwardPlan | undefined;
  private lastOptions: ModelStats['planOptions'];
  private plansBuilt = 0;
  private disposed = false;
  private phases: ModelPhases = { fetchMs: 0, parseMs: 0, uploadMs: 0, tuningsRestored: 0 };
  /** What this checkpoint can compute besides the hidden states. */
  readonly heads: Heads;

  private constructor(
    readonly gpu: Gpu,
    readonly family: AnyFamily,
    readonly config: EncoderConfig,
    private readonly weights: unknown,
    private arena: WeightArena,
    readonly tokenizer: Tokenizer | undefined,
    readonly checkpoint: Pick<LoadedCheckpoint, 'dtypeSummary' | 'weightFiles' | 'ignoredTensors' | 'sentence'>,
    readonly attention: string,
    /** 'autotune' or one configuration's name. */
    private matmul: string,
    /** With matmul 'autotune': the configurations it times, when a list was given. */
    private readonly matmulCandidates: readonly MatmulConfig[] | undefined,
    readonly fuseLayerNorm: boolean,
    /** Which plan options the whole-plan tuning may change (none: 'fixed'). */
    private readonly planTuning: { fuseLayerNorm: boolean; attention: boolean },
  ) {
    this.heads = family.heads(config, weights);
  }

  /** Loads a checkpoint (folder, http(s) URL base, or files in memory) and uploads its weights. */
  static async load(gpu: Gpu, source: string | CheckpointFiles, opts: ModelOptions = {}): Promise<EncoderModel> {
    if (opts.attention) attentionVariant(opts.attention);
    const [matmul, matmulCandidates] = matmulOption(opts.matmul);
    const ckpt = await loadCheckpoint(source, {
      hub: { ...opts.hub, ...(opts.revision !== undefined && { revision: opts.revision }) },
      onProgress: (p: Progress) => opts.onProgress?.({ stage: 'download', file: p.file, loaded: p.loaded, total: p.total }),
    });
    const attention = chooseAttention(opts.attention, ckpt.family, ckpt.config);
    const tokenizer = loadTokenizer(ckpt.files);
    const weightsOption = opts.weights ?? 'auto';
    if (!(WEIGHT_OPTIONS as readonly string[]).includes(weightsOption)) {
      throw new InputError(`weights must be one of ${WEIGHT_OPTIONS.join(', ')}, got ${JSON.stringify(weightsOption)}`);
    }
    const uploadStart = now();
    const arena = await uploadWeights(gpu, ckpt.data, {
      maxBindingBytes: opts.maxBindingBytes,
      storage: (w, data) => chooseStorage(w, data, ckpt.storage.get(w), weightsOption),
      onProgress: (p) => opts.onProgress?.({ stage: 'upload', loaded: p.uploaded, total: p.total }),
    });
    const uploadMs = now() - uploadStart;
    const tuningsRestored = matmul === 'autotune' ? await restoreTuning(gpu) : 0;
    if (opts.plan !== undefined && opts.plan !== 'autotune' && opts.plan !== 'fixed') throw new InputError(`plan must be 'autotune' or 'fixed', got ${JSON.stringify(opts.plan)}`);
    const tunePlans = (opts.plan ?? (matmul === 'autotune' && !gpu.adapter.isFallback ? 'autotune' : 'fixed')) === 'autotune';
    const planTuning = { fuseLayerNorm: tunePlans && opts.fuseLayerNorm === undefined, attention: tunePlans && opts.attention === undefined };
    const model = new EncoderModel(gpu, ckpt.family, ckpt.config, ckpt.weights, arena, tokenizer, ckpt, attention, matmul, matmulCandidates, opts.fuseLayerNorm ?? true, planTuning);
    model.phases = { fetchMs: ckpt.timings.readMs, parseMs: ckpt.timings.parseMs, uploadMs, tuningsRestored };
    return model;
  }

  /** The sentence-transformers pipeline of the folder (modules.json), when it has one: featureExtraction's default. */
  get sentence(): SentenceTransformerConfig | undefined {
    return this.checkpoint.sentence;
  }

  get hasPooler(): boolean {
    return this.heads.pooler;
  }

  get hasMlmHead(): boolean {
    return this.heads.mlm;
  }

  /** 'sequence' or 'token' when the checkpoint has a classifier, else undefined. */
  get classifier(): 'sequence' | 'token' | undefined {
    return this.heads.classifier;
  }

  get hasQaHead(): boolean {
    return this.heads.qa;
  }

  stats(): ModelStats {
    const p = this.lastPlan;
    return {
      weightBytes: this.arena.bytes,
      plans: this.plans.size,
      dispatchesPerForward: p?.dispatches ?? 0,
      dispatchesPerLayer: p?.dispatchesPerLayer ?? 0,
      peakActivationBytes: p?.activationBytes ?? 0,
      activationBytesNoReuse: p?.activationBytesNoReuse ?? 0,
      attentionScratchBytes: p?.attentionBytes ?? 0,
      plansBuilt: this.plansBuilt,
      splitWeights: this.arena.splitWeights(),
      phases: { ...this.phases },
      weightStorage: this.arena.storage,
      occupancy: p && occupancyOf(p),
      planOptions: this.lastOptions,
    };
  }

  /** The plan of the most recent forward: its steps with their stages and layers (occupancy, profiles). */
  get plan(): ForwardPlan | undefined {
    return this.lastPlan;
  }

  /**
   * The occupancy report of the plan for `batch` x `seqLen` without running it: planned (or taken from the
   * plan cache) as a forward with these options would be, every dispatch's workgroups, invocations and bytes.
   */
  async occupancy(batch: number, seqLen: number, opts: ForwardOptions = {}): Promise<OccupancyReport> {
    if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(seqLen) || seqLen < 1 || seqLen > this.config.maxSequenceLength) {
      throw new InputError(`occupancy: batch and seqLen must be positive integers, seqLen at most ${this.config.maxSequenceLength}; got ${batch} x ${seqLen}`);
    }
    const run = this.queue.then(async () => {
      const bucket = Math.min(Math.ceil(seqLen / SEQ_BUCKET) * SEQ_BUCKET, this.config.maxSequenceLength);
      return occupancyOf(await this.planFor(batch, bucket, opts));
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** One forward. Calls are serialised; each resolves with its own outputs. */
  forward(inputs: ForwardInputs, opts: ForwardOptions = {}): Promise<ForwardResult> {
    const run = this.queue.then(() => this.forwardNow(inputs, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async forwardNow(inputs: ForwardInputs, opts: ForwardOptions): Promise<ForwardResult> {
    if (this.phases.firstForwardMs !== undefined) return this.runForward(inputs, opts);
    const started = now();
    const result = await this.runForward(inputs, opts);
    this.phases.firstForwardMs = now() - started;
    return result;
  }

  private async runForward(inputs: ForwardInputs, opts: ForwardOptions): Promise<ForwardResult> {
    if (this.disposed) throw new Error('this model was disposed');
    const checked = validateInputs(this.config, inputs);
    const { batch, seqLen } = checked;
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
    const bucket = Math.min(Math.ceil(seqLen / SEQ_BUCKET) * SEQ_BUCKET, this.config.maxSequenceLength);
    const plan = await this.planFor(batch, bucket, opts);
    this.lastPlan = plan;

    const x = graphInputs(this.family, this.config, checked, bucket);
    writeTensor(this.gpu, plan.inputs.ids, x.ids);
    writeTensor(this.gpu, plan.inputs.tokenTypes, x.tokenTypes);
    writeTensor(this.gpu, plan.inputs.positions, x.positions);
    writeTensor(this.gpu, plan.inputs.mask, x.mask);
    writeTensor(this.gpu, plan.inputs.poolMask, x.poolMask);

    const raw: RawOutputs = { attentions: [] };
    const reads: Readback[] = [];
    const whole = (tensor: GpuTensor | undefined, put: (d: Float32Array) => void) => {
      if (tensor) reads.push({ tensor, offset: 0, count: numel(tensor.shape), put });
    };
    const out = plan.outputs;
    if (opts.hidden ?? true) whole(out.hidden, (d) => { raw.hidden = d; });
    whole(out.pooled, (d) => { raw.pooled = d; });
    if (!logitsAt) whole(out.logits, (d) => { raw.logits = d; });
    // One copy per requested row; the rows are laid out in the padded bucket, hence b * bucket.
    const V = this.config.vocabSize;
    raw.logitsAt = logitsAt && [];
    for (const [b, s] of logitsAt ?? []) reads.push({ tensor: out.logits!, offset: (b * bucket + s) * V, count: V, put: (d) => raw.logitsAt!.push(d) });
    whole(out.classifier, (d) => { raw.classifier = d; });
    whole(out.qa, (d) => { raw.qa = d; });
    whole(out.discriminator, (d) => { raw.discriminator = d; });
    whole(out.embeddings, (d) => { raw.embeddings = d; });
    for (const t of out.attentions) whole(t, (d) => raw.attentions.push(d));

    const started = now();
    const { outputs, stamps } = await this.submitAndRead(plan, reads, Boolean(opts.profile));
    reads.forEach((r, i) => r.put(outputs[i]));
    const result = assembleResult(this.config, this.classifier, checked, bucket, raw);
    if (opts.profile) result.profile = stamps ? stageProfile(plan, stamps) : { method: 'wall-clock', totalMs: now() - started, stages: [] };
    return result;
  }

  private async planFor(batch: number, seqLen: number, opts: ForwardOptions): Promise<ForwardPlan> {
    const req = headRequest(this.heads, opts, this.sentence);
    let options = { attention: opts.attention ? chooseAttention(opts.attention, this.family, this.config) : this.attention, attentions: Boolean(opts.attentions), fuseLayerNorm: this.fuseLayerNorm };
    let tuned: NonNullable<ModelStats['planOptions']>['tuned'];
    const tunable = { fuseLayerNorm: this.planTuning.fuseLayerNorm, attention: this.planTuning.attention && !opts.attention };
    if (tunable.fuseLayerNorm || tunable.attention) {
      const key = planTuneKey(this.gpu, this.planSignature(req, options.attentions, tunable), batch, seqLen);
      const known = tunedPlanChoice(this.gpu, key);
      if (known) {
        options = { ...options, ...known };
      } else {
        const candidates = this.planCandidates(options, tunable);
        const { tuning, plan } = await tunePlan(this.gpu, key, candidates, (c) => this.buildPlan(batch, seqLen, req, { ...options, ...c }));
        options = { ...options, ...tuning.choice };
        this.plans.set(this.planKey(batch, seqLen, req, options), plan);
        this.evictPlans();
        await persistTuning(this.gpu);
      }
      const hit = cachedTuning(this.gpu, key);
      tuned = hit && { key, medians: hit.medians, method: hit.method };
    }
    this.lastOptions = { fuseLayerNorm: options.fuseLayerNorm, attention: options.attention, ...(tuned && { tuned }) };
    const key = this.planKey(batch, seqLen, req, options);
    const cached = this.plans.get(key);
    if (cached) {
      // Most recently used last, so the oldest plan is the one evicted.
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    const plan = await this.buildPlan(batch, seqLen, req, options);
    // New tunings outlive the process (a failing store only means tuning again next time).
    if (this.matmul === 'autotune') await persistTuning(this.gpu);
    this.plans.set(key, plan);
    this.evictPlans();
    return plan;
  }

  private planKey(batch: number, seqLen: number, req: HeadRequest, options: PlanOptionsOf): string {
    return JSON.stringify({ batch, seqLen, req, options });
  }

  /** What a plan's timing depends on besides the adapter and the shape: the model's widths and storage, the heads asked. */
  private planSignature(req: HeadRequest, attentions: boolean, tunable: { fuseLayerNorm: boolean; attention: boolean }): string {
    const c = this.config;
    const storage = Object.keys(this.arena.storage).sort().join('+');
    return [this.family.name, `h${c.hiddenSize}`, `l${c.numHiddenLayers}`, `a${c.numAttentionHeads}`, `i${c.intermediateSize}`, storage,
      (this.family.attentionFeatures?.(c) ?? []).join('+') || 'plain', attentions ? 'maps' : '', JSON.stringify(req),
      tunable.fuseLayerNorm ? '' : `ln${this.fuseLayerNorm ? 1 : 0}`, tunable.attention ? '' : this.attention,
      this.matmulCandidates ? `only=${this.matmulCandidates.map((m) => m.name).join('+')}` : ''].join(',');
  }

  /** Fused and unfused LayerNorm x every attention variant that takes this model (the defaults first). */
  private planCandidates(options: PlanOptionsOf, tunable: { fuseLayerNorm: boolean; attention: boolean }): PlanChoice[] {
    const fuse = tunable.fuseLayerNorm ? [this.fuseLayerNorm, !this.fuseLayerNorm] : [options.fuseLayerNorm];
    const features = this.family.attentionFeatures?.(this.config) ?? [];
    const variants = tunable.attention
      ? [options.attention, ...ATTENTION_VARIANTS.map((v) => v.name).filter((n) => n !== options.attention && !variantRefuses(attentionVariant(n), this.config.headDim, features))]
      : [options.attention];
    return variants.flatMap((attention) => fuse.map((fuseLayerNorm) => ({ fuseLayerNorm, attention })));
  }

  private async buildPlan(batch: number, seqLen: number, req: HeadRequest, options: PlanOptionsOf): Promise<ForwardPlan> {
    const blocks = (w: Weight) => this.arena.blocks(w);
    const graph = buildGraph(this.family, this.config, this.weights, { batch, seqLen }, req, { ...options, blocks });
    const [started, tuned, compiled] = [now(), tuningSpent(this.gpu), compileSpent(this.gpu)];
    const plan = await planGraph(this.gpu, graph, this.arena, { matmulConfig: (m, n, k, transB, bDtype, glu) => this.matmulConfig(m, n, k, transB, bDtype, glu) });
    if (this.plansBuilt === 0) {
      const [t, c] = [tuningSpent(this.gpu), compileSpent(this.gpu)];
      Object.assign(this.phases, { planMs: now() - started, tuneMs: t.ms - tuned.ms, pipelinesCompiled: c.count - compiled.count, compileMs: c.ms - compiled.ms });
    }
    this.plansBuilt++;
    return plan;
  }

  private evictPlans(): void {
    while (this.plans.size > MAX_PLANS) {
      const [oldest, old] = this.plans.entries().next().value!;
      this.plans.delete(oldest);
      old.destroy();
    }
  }

  private matmulConfig(m: number, n: number, k: number, transB = true, bDtype?: DType, glu?: boolean): Promise<MatmulConfig> {
    if (this.matmul !== 'autotune') return Promise.resolve(matmulConfig(this.matmul));
    return autotuneMatmul(this.gpu, { m, n, k, transB, bDtype, glu }, { configs: this.matmulCandidates });
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

/** Per-step timestamps summed per stage (every layer's QKV projection is one stage). */
function stageProfile(plan: ForwardPlan, stamps: BigUint64Array): ForwardProfile {
  const stages = new Map<string, { stage: string; ms: number; dispatches: number }>();
  plan.info.forEach(({ stage }, i) => {
    const entry = stages.get(stage) ?? stages.set(stage, { stage, ms: 0, dispatches: 0 }).get(stage)!;
    // Some adapters report an end before a begin when a pass is empty of work: clamp at zero.
    entry.ms += Math.max(0, Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
    entry.dispatches++;
  });
  const list = [...stages.values()];
  return { method: 'gpu-timestamps', totalMs: list.reduce((a, s) => a + s.ms, 0), stages: list };
}

/**
 * The attention variant for a config: the one asked for (an error if it cannot run this head size or the
 * family's position features), or by default the first of DEFAULT_ATTENTION_ORDER that takes both.
 */
function chooseAttention(asked: string | undefined, family: AnyFamily, config: EncoderConfig): string {
  const features = family.attentionFeatures?.(config) ?? [];
  if (!asked) return defaultAttentionVariant(config.headDim, features);
  const why = variantRefuses(attentionVariant(asked), config.headDim, features);
  if (why) throw new InputError(`attention variant "${asked}" cannot run this model: ${why}`);
  return asked;
}

/** ModelOptions.matmul as ['autotune' or a name, the candidates of a list]; unknown names are refused by name. */
function matmulOption(option: ModelOptions['matmul']): [string, readonly MatmulConfig[] | undefined] {
  const known = () => `known: autotune, ${MATMUL_CONFIGS.map((c) => c.name).join(', ')}`;
  const config = (name: unknown) => {
    const c = MATMUL_CONFIGS.find((x) => x.name === name);
    if (!c) throw new InputError(`matmul: unknown configuration ${JSON.stringify(name)} (${known()})`);
    return c;
  };
  if (option === undefined || option === 'autotune') return ['autotune', undefined];
  if (typeof option === 'string') return [config(option).name, undefined];
  if (!Array.isArray(option) || option.length === 0) throw new InputError(`matmul must be 'autotune', a configuration name or a non-empty list of names, got ${JSON.stringify(option)}`);
  const list = [...new Set(option)].map(config);
  return list.length === 1 ? [list[0].name, undefined] : ['autotune', list];
}
