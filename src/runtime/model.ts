// A loaded encoder of any family: weights on the GPU (and nowhere else), a tokenizer, and forward plans cached
// per shape class (runtime/buckets.ts) and request. forward() checks the inputs, lays them into the plan's
// input bytes, and runs the plan with one submit and one awaited map (runtime/executor.ts), reading back only
// the outputs asked for. Concurrent calls are queued: each waits for the previous one and gets its own result.
import type { Gpu } from '../gpu/device.ts';
import { occupancyOf, type OccupancyReport } from '../graph/occupancy.ts';
import { restoreTuning } from '../kernels/autotune.ts';
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily, Heads } from '../families/family.ts';
import type { SentenceTransformerConfig } from '../model/sentence.ts';
import { loadCheckpoint, type CheckpointFiles, type LoadedCheckpoint, type Progress } from '../model/source.ts';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.ts';
import { batchClass, seqClass } from './buckets.ts';
import { execute, readBytes, type StampMode } from './executor.ts';
import { graphInputs, headRequest, InputError, validateInputs, type ForwardInputs, type ForwardOptions, type ForwardProfile, type ForwardResult } from './forward.ts';
import { checkOptions, chooseAttention, type ModelOptions } from './options.ts';
import { MAX_PLAN_BYTES, MAX_PLANS, PlanCache } from './plan-cache.ts';
import { Planner, type PlanOptionsReport } from './planner.ts';
import { readbacks, resultOf } from './readback.ts';
import { uploadWeights, type StorageSummary, type WeightArena } from './upload.ts';
import { chooseStorage } from './weight-storage.ts';
import type { ForwardPlan } from '../graph/plan.ts';

export * from './forward.ts';
export type { LoadProgress, ModelOptions } from './options.ts';

export interface ModelStats {
  weightBytes: number;
  /** Plans held now, their GPU bytes (activations, attention scratch, input and readback buffers). */
  plans: number;
  planBytes: number;
  /** Of the most recent forward's plan. */
  dispatchesPerForward: number;
  dispatchesPerLayer: number;
  peakActivationBytes: number;
  activationBytesNoReuse: number;
  attentionScratchBytes: number;
  /** Plans built so far, tuning candidates included (a replayed shape class builds none). */
  plansBuilt: number;
  /**
   * Host memory the model itself keeps, in bytes: each plan's input bytes (written once per forward), and
   * nothing of the weights. The tokenizer's tables are apart (they are the tokenizer's).
   */
  hostBytes: number;
  /** Weights larger than one binding, by name, with the number of row blocks each is stored in. */
  splitWeights: Record<string, number>;
  /** Where the time to the first result went: load phases, then the first forward's. */
  phases: ModelPhases;
  /** The weights on the GPU by storage format: tensors and bytes (int8 scales included). */
  weightStorage: StorageSummary;
  /** The plan options of the most recent forward, and the whole-plan tuning behind them (per-layer medians). */
  planOptions: PlanOptionsReport;
  /** Per dispatch of the most recent forward: workgroups, invocations, bytes read and written, and why
   * (src/graph/occupancy.ts); undefined before the first forward. */
  occupancy: OccupancyReport | undefined;
}

/** Milliseconds of each phase of a cold start (the forward fields once a forward has run). */
export interface ModelPhases {
  /** Reading the checkpoint's files: disk, network or cache. */
  fetchMs: number;
  /** Parsing the config and safetensors headers, checking names and shapes. */
  parseMs: number;
  /** Creating the weight buffers, converting where the GPU stores another format, and writing them. */
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

/** What the model keeps of its checkpoint: descriptions, never values. */
export type CheckpointInfo = Pick<LoadedCheckpoint, 'dtypeSummary' | 'weightFiles' | 'ignoredTensors' | 'sentence'>;

export class EncoderModel {
  private queue: Promise<unknown> = Promise.resolve();
  private lastPlan: ForwardPlan | undefined;
  private disposed = false;
  private readonly cache: PlanCache;
  private readonly planner: Planner;
  /** What this checkpoint can compute besides the hidden states. */
  readonly heads: Heads;

  private constructor(
    readonly gpu: Gpu,
    readonly family: AnyFamily,
    readonly config: EncoderConfig,
    weights: unknown,
    private readonly arena: WeightArena,
    readonly tokenizer: Tokenizer | undefined,
    readonly checkpoint: CheckpointInfo,
    readonly attention: string,
    readonly fuseLayerNorm: boolean,
    planner: Omit<ConstructorParameters<typeof Planner>[0], 'gpu' | 'family' | 'config' | 'weights' | 'arena' | 'attention' | 'fuseLayerNorm' | 'cache'>,
    cacheLimits: { plans: number; bytes: number },
    private readonly phases: ModelPhases,
  ) {
    this.heads = family.heads(config, weights);
    this.cache = new PlanCache(cacheLimits);
    this.planner = new Planner({ gpu, family, config, weights, arena, attention, fuseLayerNorm, cache: this.cache, ...planner });
  }

  /**
   * Loads a checkpoint (folder, http(s) URL base, hub id, or files in memory) and uploads its weights one by one.
   * When it resolves, nothing of the weights is left on the host: the file bytes are let go with the loader.
   */
  static async load(gpu: Gpu, source: string | CheckpointFiles, opts: ModelOptions = {}): Promise<EncoderModel> {
    const { matmul, matmulCandidates, weights: weightsOption } = checkOptions(opts);
    let ckpt: LoadedCheckpoint | undefined = await loadCheckpoint(source, {
      hub: { ...opts.hub, ...(opts.revision !== undefined && { revision: opts.revision }) },
      onProgress: (p: Progress) => opts.onProgress?.({ stage: 'download', file: p.file, loaded: p.loaded, total: p.total }),
    });
    const { family, config, weights, files, timings } = ckpt;
    const info: CheckpointInfo = { dtypeSummary: ckpt.dtypeSummary, weightFiles: ckpt.weightFiles, ignoredTensors: ckpt.ignoredTensors, ...(ckpt.sentence && { sentence: ckpt.sentence }) };
    const attention = chooseAttention(opts.attention, family, config);
    const tokenizer = loadTokenizer(files);
    const uploadStart = now();
    const data = ckpt.data;
    ckpt = undefined; // the values map (and through it the file bytes) is the upload's alone from here
    const arena = await uploadWeights(gpu, data, {
      maxBindingBytes: opts.maxBindingBytes,
      storage: (w, dtype) => chooseStorage(w, dtype, weightsOption),
      onProgress: (p) => opts.onProgress?.({ stage: 'upload', loaded: p.uploaded, total: p.total }),
    });
    data.clear();
    const uploadMs = now() - uploadStart;
    const tuningsRestored = matmul === 'autotune' ? await restoreTuning(gpu) : 0;
    const tunePlans = (opts.plan ?? (matmul === 'autotune' && !gpu.adapter.isFallback ? 'autotune' : 'fixed')) === 'autotune';
    const planTuning = { fuseLayerNorm: tunePlans && opts.fuseLayerNorm === undefined, attention: tunePlans && opts.attention === undefined };
    const limits = { plans: opts.planCache?.maxPlans ?? MAX_PLANS, bytes: opts.planCache?.maxBytes ?? MAX_PLAN_BYTES };
    const phases: ModelPhases = { fetchMs: timings.readMs, parseMs: timings.parseMs, uploadMs, tuningsRestored };
    return new EncoderModel(gpu, family, config, weights, arena, tokenizer, info, attention, opts.fuseLayerNorm ?? true, { matmul, matmulCandidates, planTuning }, limits, phases);
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
    const first = this.planner.firstPlan;
    return {
      weightBytes: this.arena.bytes,
      plans: this.cache.size,
      planBytes: this.cache.bytes,
      dispatchesPerForward: p?.dispatches ?? 0,
      dispatchesPerLayer: p?.dispatchesPerLayer ?? 0,
      peakActivationBytes: p?.activationBytes ?? 0,
      activationBytesNoReuse: p?.activationBytesNoReuse ?? 0,
      attentionScratchBytes: p?.attentionBytes ?? 0,
      plansBuilt: this.planner.plansBuilt,
      hostBytes: this.cache.hostBytes,
      splitWeights: this.arena.splitWeights(),
      phases: { ...this.phases, ...first },
      weightStorage: this.arena.storage,
      occupancy: p && occupancyOf(p),
      planOptions: this.planner.lastOptions,
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
    return this.enqueue(async () => {
      const req = headRequest(this.heads, opts, this.sentence);
      const entry = await this.planner.entryFor(batchClass(batch), seqClass(seqLen, this.config.maxSequenceLength), req, opts);
      return occupancyOf(entry.plan);
    });
  }

  /** One forward. Calls are serialised; each resolves with its own outputs. */
  forward(inputs: ForwardInputs, opts: ForwardOptions = {}): Promise<ForwardResult> {
    return this.enqueue(async () => {
      if (this.phases.firstForwardMs !== undefined) return this.runForward(inputs, opts);
      const started = now();
      const result = await this.runForward(inputs, opts);
      this.phases.firstForwardMs = now() - started;
      return result;
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runForward(inputs: ForwardInputs, opts: ForwardOptions): Promise<ForwardResult> {
    if (this.disposed) throw new Error('this model was disposed');
    const checked = validateInputs(this.config, inputs);
    const { batch, seqLen } = checked;
    if (opts.logitsAt) {
      if (!this.hasMlmHead) throw new InputError('logitsAt needs a checkpoint with an MLM head');
      if (opts.logits === false) throw new InputError('logitsAt needs the MLM logits (logits: false was given)');
      opts.logitsAt.forEach(([b, s], i) => {
        if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || b >= batch || s < 0 || s >= seqLen) {
          throw new InputError(`logitsAt[${i}] = [${b}, ${s}] is not a [sequence, position] of the ${batch} x ${seqLen} input`);
        }
      });
    }
    if (opts.pooling && opts.pooling.mode !== 'cls' && opts.pooling.mode !== 'mean') {
      throw new InputError(`pooling must be 'cls' or 'mean', got ${JSON.stringify(opts.pooling.mode)}`);
    }
    if (opts.profile !== undefined && typeof opts.profile !== 'boolean' && opts.profile !== 'total') {
      throw new InputError(`profile must be true, false or 'total', got ${JSON.stringify(opts.profile)}`);
    }
    const req = headRequest(this.heads, opts, this.sentence);
    const [rows, bucket] = [batchClass(batch), seqClass(seqLen, this.config.maxSequenceLength)];
    const entry = await this.planner.entryFor(rows, bucket, req, opts);
    this.lastPlan = entry.plan;
    graphInputs(this.family, this.config, checked, bucket, rows, entry.inputViews);

    const mode: StampMode = !opts.profile ? 'none' : opts.profile === 'total' ? 'total' : 'steps';
    const started = now();
    const shape = { rows, bucket };
    const reads = readbacks(entry.plan, checked, shape, opts, this.classifier);
    const reserve = () => readBytes(readbacks(entry.plan, { batch: rows, seqLen: bucket }, shape, opts, this.classifier)) + 16 * entry.plan.steps.length;
    const { outputs, stamps } = await execute(this.gpu, entry, reads, mode, reserve);
    const result = resultOf(this.config, this.classifier, checked, bucket, outputs);
    if (opts.profile) result.profile = profileOf(entry.plan, mode, stamps, now() - started);
    return result;
  }

  /** Frees the weights and every plan; the device stays usable for another model. */
  dispose(): void {
    this.disposed = true;
    this.cache.clear();
    this.lastPlan = undefined;
    this.arena.destroy();
  }
}

const now = () => (globalThis.performance ?? Date).now();

/** Timestamps summed per stage (every layer's QKV projection is one stage), the pass's total, or the wall clock. */
function profileOf(plan: ForwardPlan, mode: StampMode, stamps: BigUint64Array | undefined, wallMs: number): ForwardProfile {
  // Some adapters report an end before a begin when a pass is empty of work: clamp at zero.
  const span = (i: number) => Math.max(0, Number(stamps![2 * i + 1] - stamps![2 * i]) / 1e6);
  if (!stamps) return { method: 'wall-clock', totalMs: wallMs, stages: [] };
  if (mode === 'total') return { method: 'gpu-timestamps', totalMs: span(0), stages: [] };
  const stages = new Map<string, { stage: string; ms: number; dispatches: number }>();
  plan.info.forEach(({ stage }, i) => {
    const entry = stages.get(stage) ?? stages.set(stage, { stage, ms: 0, dispatches: 0 }).get(stage)!;
    entry.ms += span(i);
    entry.dispatches++;
  });
  const list = [...stages.values()];
  return { method: 'gpu-timestamps', totalMs: list.reduce((a, s) => a + s.ms, 0), stages: list };
}
