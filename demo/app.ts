// The demo's state: one GPU device for the page, the current model and how it was loaded. Panels subscribe
// to model changes and run their work through `run`, which keeps a replaced model alive until the runs
// that use it have finished, then disposes it.
import { EncoderModel, type CheckpointFiles, type Gpu, type LoadProgress } from '../src/browser.ts';

/** Where a model came from, for the model bar and the timing panel. */
export interface ModelSource {
  kind: 'built-in' | 'url' | 'files';
  /** Shown to the user: "built-in fill-mask model", a URL, a folder name. */
  label: string;
  /** A random-weight checkpoint made in the page: its predictions mean nothing. */
  randomWeights: boolean;
}

export interface LoadTimings {
  /** Making the files available: generating (built-in), downloading (URL) or reading from disk (files). */
  fetchMs: number;
  fetchWhat: 'generate' | 'download' | 'read from disk';
  /** Parsing the checkpoint and writing the weights into GPU buffers. */
  uploadMs: number;
  /** The first forward (plans and compiles the pipelines for its shape) and a second one at the same shape. */
  firstForwardMs: number;
  secondForwardMs: number;
  /** First minus second: the cost of planning and compiling, measured rather than estimated. */
  compileMs: number;
  /** Tokens of those two forwards. */
  warmupTokens: number;
  totalMs: number;
}

export interface EngineOptions {
  /** 'autotune' or a MATMUL_CONFIGS name. */
  matmul: string;
  /** An ATTENTION_VARIANTS name. */
  attention: string;
  /** Weight storage on the GPU: auto (the checkpoint's own), f32, f16 or int8. */
  weights: 'auto' | 'f32' | 'f16' | 'int8';
}

export interface Loaded {
  model: EncoderModel;
  source: ModelSource;
  timings: LoadTimings;
  options: EngineOptions;
}

/** What a load reports to the progress bar: the engine's stages plus reading files from disk. */
export type DemoProgress = LoadProgress
  | { stage: 'read'; file?: string; loaded: number; total?: number }
  | { stage: 'compile'; file?: undefined; loaded: number; total: number };

export interface LoadRequest {
  source: ModelSource;
  /** A URL base, or a function giving the files in memory (generated, or read from disk with progress). */
  files: string | ((onProgress: (p: DemoProgress) => void) => Promise<CheckpointFiles>);
  options: EngineOptions;
  onProgress: (p: DemoProgress) => void;
}

const now = () => performance.now();
/** Tokens of the warm-up forwards: the first bucket, so the panels' short texts reuse its pipelines. */
const WARMUP_TOKENS = 8;

export class DemoApp {
  current: Loaded | undefined;
  private listeners = new Set<(loaded: Loaded) => void>();
  private running = new Map<EncoderModel, Set<Promise<unknown>>>();

  constructor(readonly gpu: Gpu) {}

  get model(): EncoderModel | undefined {
    return this.current?.model;
  }

  /** Called with the new model after every successful load (and at once if one is loaded). */
  onModel(fn: (loaded: Loaded) => void): void {
    this.listeners.add(fn);
    if (this.current) fn(this.current);
  }

  /**
   * Loads a model and makes it current. On failure the error propagates and the current model stays
   * loaded and usable; on success the old one is disposed once nothing runs on it any more.
   */
  async load(req: LoadRequest): Promise<Loaded> {
    const started = now();
    const inMemory = typeof req.files === 'function';
    const files = typeof req.files === 'function' ? await req.files(req.onProgress) : req.files;
    // Files in memory are fetched by now; a URL is downloaded inside EncoderModel.load.
    let fetchEnd = inMemory ? now() : undefined;
    const model = await EncoderModel.load(this.gpu, files, {
      matmul: req.options.matmul,
      attention: req.options.attention,
      weights: req.options.weights,
      onProgress: (p) => {
        // The first upload event ends a URL's download.
        if (p.stage === 'upload') fetchEnd ??= now();
        req.onProgress(p);
      },
    });
    const uploaded = now();
    fetchEnd ??= uploaded;
    let forwards: number[];
    try {
      forwards = await warmUp(model, req.onProgress);
    } catch (e) {
      model.dispose();
      throw e;
    }
    const kind = req.source.kind;
    const timings: LoadTimings = {
      fetchMs: fetchEnd - started,
      fetchWhat: kind === 'built-in' ? 'generate' : kind === 'url' ? 'download' : 'read from disk',
      uploadMs: uploaded - fetchEnd,
      firstForwardMs: forwards[0],
      secondForwardMs: forwards[1],
      compileMs: Math.max(0, forwards[0] - forwards[1]),
      warmupTokens: WARMUP_TOKENS,
      totalMs: now() - started,
    };
    const previous = this.current;
    this.current = { model, source: req.source, timings, options: req.options };
    if (previous) void this.retire(previous.model);
    for (const fn of this.listeners) fn(this.current);
    return this.current;
  }

  /** Runs work on the current model; throws a one-line error when none is loaded. */
  async run<T>(work: (model: EncoderModel) => Promise<T>): Promise<T> {
    const model = this.model;
    if (!model) throw new Error('no model is loaded yet');
    const runs = this.running.get(model) ?? new Set();
    this.running.set(model, runs);
    const job = work(model);
    runs.add(job);
    try {
      return await job;
    } finally {
      runs.delete(job);
    }
  }

  private async retire(model: EncoderModel): Promise<void> {
    const runs = this.running.get(model);
    if (runs) await Promise.allSettled([...runs]);
    this.running.delete(model);
    model.dispose();
  }
}

/**
 * Two forwards of WARMUP_TOKENS tokens: the first builds the plan (pipelines, bind groups, buffers, and
 * with autotune the matmul timings), the second replays it. Any valid ids do: the [PAD] id 0 is one.
 */
async function warmUp(model: EncoderModel, onProgress: (p: DemoProgress) => void): Promise<number[]> {
  const inputs = { inputIds: [new Array<number>(Math.min(WARMUP_TOKENS, model.config.maxPositionEmbeddings)).fill(0)] };
  const times: number[] = [];
  for (let i = 0; i < 2; i++) {
    onProgress({ stage: 'compile', loaded: i, total: 2 });
    const t0 = now();
    await model.forward(inputs);
    times.push(now() - t0);
  }
  return times;
}
