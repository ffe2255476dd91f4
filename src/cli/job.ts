// One CLI job, the same code in both runtimes: load the model on a device, run the first forward, then
// `repeat` more, timed. Node calls runJob with a Dawn device; the browser page (browser-runner.ts) calls it
// with navigator.gpu's, so `--runtime browser` differs from `--runtime node` only in how the device was
// obtained and how the result travels back. No Node-only imports here.
import type { AdapterSummary, Gpu } from '../gpu/device.ts';
import { EncoderModel, type ForwardInputs, type ForwardResult, type ModelPhases } from '../runtime/model.ts';
import type { HubOptions } from '../model/hub.ts';
import type { WeightsOption } from '../runtime/weight-storage.ts';
import type { StorageSummary } from '../runtime/upload.ts';
import { median } from '../kernels/timer.ts';
import type { OccupancyReport } from '../graph/occupancy.ts';

export interface Job {
  /** Folder (Node), URL or hub model id of the checkpoint, as the engine's loadCheckpoint takes it. */
  model: string;
  /** For hub model ids. */
  hub?: HubOptions;
  attention?: string;
  matmul?: string | string[];
  plan?: 'autotune' | 'fixed';
  weights?: WeightsOption;
  inputs: ForwardInputs;
  attentions: boolean;
  /** false skips the pooler / MLM logits (embed needs neither); default: whatever the checkpoint has (`run`
   * prints the MLM logits, which a library forward reads only when asked). */
  pooler?: boolean;
  logits?: boolean;
  /** Pool on the GPU and read back only [batch, hidden] (embed). */
  pooling?: { mode: 'cls' | 'mean'; normalize: boolean };
  /** Run the folder's sentence-transformers pipeline instead (embed on a modules.json folder). */
  sentence?: boolean | { normalize: boolean };
  /** Forwards after the first; 0 means untimed. */
  repeat: number;
  /** Add the plan's per-dispatch occupancy report (workgroups, invocations, bytes). */
  occupancy?: boolean;
}

export interface JobTiming {
  /** The first forward, plan building and pipeline compilation included. */
  first_ms: number;
  /** Of the `runs` forwards after the first; each is forward + readback, load excluded. */
  median_ms: number;
  min_ms: number;
  runs: number;
  dispatches: number;
}

/** The model's cold-start phases in milliseconds, as the run output prints them. */
export interface JobPhases {
  fetch_ms: number;
  parse_ms: number;
  upload_ms: number;
  first_forward_ms: number;
  plan_ms: number;
  tune_ms: number;
  compile_ms: number;
  pipelines_compiled: number;
  tunings_restored: number;
}

function phasesMs(p: ModelPhases): JobPhases {
  return {
    fetch_ms: ms(p.fetchMs), parse_ms: ms(p.parseMs), upload_ms: ms(p.uploadMs), first_forward_ms: ms(p.firstForwardMs ?? 0),
    plan_ms: ms(p.planMs ?? 0), tune_ms: ms(p.tuneMs ?? 0), compile_ms: ms(p.compileMs ?? 0),
    pipelines_compiled: p.pipelinesCompiled ?? 0, tunings_restored: p.tuningsRestored,
  };
}

/** One line for --progress: where the time to the first result went. */
export function describePhases(p: ModelPhases): string {
  const f = (x: number | undefined) => `${Math.round(x ?? 0)} ms`;
  return `phases: fetch ${f(p.fetchMs)}, parse ${f(p.parseMs)}, upload ${f(p.uploadMs)}; first forward ${f(p.firstForwardMs)} `
    + `(plan ${f(p.planMs)}: tuning ${f(p.tuneMs)}${p.tuningsRestored ? `, ${p.tuningsRestored} tunings restored` : ''}, `
    + `${p.pipelinesCompiled ?? 0} pipelines compiled in ${f(p.compileMs)} summed)`;
}

export interface JobStats {
  dispatches_per_forward: number;
  dispatches_per_layer: number;
  weight_bytes: number;
  peak_activation_bytes: number;
  /** Tensors and bytes on the GPU per storage format (f32, f16, bf16, i8). */
  weight_storage: StorageSummary;
  /** The plan the forward ran: dense + LayerNorm fused or not, the attention variant; with whole-plan
   * tuning, the per-layer median milliseconds of each candidate. */
  plan?: { fuse_layernorm: boolean; attention: string; tuned_ms?: Record<string, number> };
}

export interface JobResult {
  adapter: Pick<AdapterSummary, 'vendor' | 'architecture' | 'description' | 'isFallback' | 'runtime'>;
  stats: JobStats;
  phases: JobPhases;
  timing?: JobTiming;
  occupancy?: OccupancyReport;
  /** Dimensions the outputs are laid out in. */
  layers: number;
  heads: number;
  vocab: number;
  labels: number;
  /** config.json's first architecture ('' when it names none): which head's output is `logits`. */
  architecture: string;
  classifier?: 'sequence' | 'token';
  forward: ForwardResult;
}

export interface JobProgress {
  stage(text: string): void;
  bytes(what: string, loaded: number, total: number | undefined): void;
}

export async function runJob(gpu: Gpu, job: Job, progress: JobProgress): Promise<JobResult> {
  progress.stage(`loading ${job.model}`);
  let uploading = false;
  const model = await EncoderModel.load(gpu, job.model, {
    hub: job.hub,
    attention: job.attention,
    matmul: job.matmul,
    plan: job.plan,
    weights: job.weights,
    onProgress: (p) => {
      if (p.stage === 'upload' && !uploading) progress.stage('uploading weights');
      uploading ||= p.stage === 'upload';
      progress.bytes(p.stage === 'upload' ? 'weights' : p.file ?? 'download', p.loaded, p.total);
    },
  });
  try {
    progress.stage(typeof job.matmul !== 'string' || job.matmul === 'autotune' ? 'first forward (planning, autotuning matmuls)' : 'first forward (planning)');
    const options = {
      attentions: job.attentions, pooler: job.pooler, logits: job.logits ?? model.hasMlmHead,
      ...(job.pooling && { pooling: job.pooling, hidden: false }), ...(job.sentence && { sentence: job.sentence, hidden: false }),
    };
    let start = performance.now();
    const forward = await model.forward(job.inputs, options);
    const firstMs = performance.now() - start;
    const times: number[] = [];
    for (let i = 0; i < job.repeat; i++) {
      progress.stage(`forward ${i + 2} of ${job.repeat + 1}`);
      start = performance.now();
      await model.forward(job.inputs, options);
      times.push(performance.now() - start);
    }
    const s = model.stats();
    progress.stage(describePhases(s.phases));
    const a = gpu.adapter;
    const result: JobResult = {
      adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description, isFallback: a.isFallback, runtime: a.runtime },
      stats: {
        dispatches_per_forward: s.dispatchesPerForward,
        dispatches_per_layer: s.dispatchesPerLayer,
        weight_bytes: s.weightBytes,
        peak_activation_bytes: s.peakActivationBytes,
        weight_storage: s.weightStorage,
        ...(s.planOptions && {
          plan: { fuse_layernorm: s.planOptions.fuseLayerNorm, attention: s.planOptions.attention, ...(s.planOptions.tuned && { tuned_ms: s.planOptions.tuned.medians }) },
        }),
      },
      layers: model.config.numHiddenLayers,
      heads: model.config.numAttentionHeads,
      vocab: model.config.vocabSize,
      labels: model.config.numLabels,
      architecture: model.config.architectures[0] ?? '',
      classifier: model.classifier,
      phases: phasesMs(s.phases),
      forward,
    };
    if (job.occupancy) result.occupancy = s.occupancy;
    if (job.repeat > 0) {
      result.timing = { first_ms: ms(firstMs), median_ms: ms(median(times)), min_ms: ms(Math.min(...times)), runs: times.length, dispatches: s.dispatchesPerForward };
    }
    return result;
  } finally {
    model.dispose();
  }
}

/** Milliseconds to the microsecond: the clocks are not finer (browsers coarsen performance.now further). */
const ms = (x: number) => Math.round(x * 1000) / 1000;
