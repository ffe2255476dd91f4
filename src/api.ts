// The library API: load a model, run tasks on it, tokenize. Platform-neutral on purpose: nothing here imports
// Node built-ins or touches `navigator`, so one file serves the browser bundle and Node.
//
// Where the GPU comes from: `loadModel(source, { gpu })` uses the caller's device when given. Otherwise it
// uses the default device of the entry point the app imported, which registers a factory here:
//   node.ts     Dawn through the npm package `webgpu` (hardware, else SwiftShader)  createNodeGpu
//   browser.ts  navigator.gpu                                                    createBrowserGpu
// The entries also register the WGSL sources and re-export everything below, so apps import the package
// (whose `node` and `browser` export conditions pick the entry), never this file alone:
//   import { loadModel, fillMask } from 'webgpu-bert';
//   const model = await loadModel('path/to/checkpoint');
//   const [candidates] = await fillMask(model, 'The capital of France is [MASK].');
// Kernels, the planner, the float64 reference and the checkpoint generator are in lab.ts ('webgpu-bert/lab').
import type { Gpu } from './gpu/device.ts';
import { EncoderModel, type ModelOptions } from './runtime/model.ts';
import type { CheckpointFiles } from './model/source.ts';

export { Gpu, describeAdapter, type AdapterSummary, type GpuOptions } from './gpu/device.ts';
export {
  GpuDeviceLostError, GpuInternalError, GpuLimitError, GpuOutOfMemoryError, GpuUnavailableError, GpuValidationError,
} from './gpu/errors.ts';
export { setTuningStore, tuningStore, type TuningStore, type TuneResult } from './kernels/autotune.ts';
export {
  EncoderModel, InputError,
  type ForwardInputs, type ForwardOptions, type ForwardProfile, type ForwardResult, type LoadProgress, type ModelOptions, type ModelPhases, type ModelStats,
} from './runtime/model.ts';
export { OCCUPANCY_WORKGROUPS, occupancyTable, type DispatchOccupancy, type OccupancyReport } from './graph/occupancy.ts';
export type { CheckpointFiles } from './model/source.ts';
export { DEFAULT_ENDPOINT, isHubId, type HubOptions } from './model/hub.ts';
export { CheckpointError } from './errors.ts';
export { supportedModelTypes } from './families/index.ts';
export type { EncoderConfig } from './families/config.ts';
export type { Heads } from './families/family.ts';
export type { PoolingMode } from './kernels/pool.ts';
export {
  loadTokenizer, readTokenizerFiles, Tokenizer, TokenizerError,
  type DecodeOptions, type EncodeBatchOptions, type EncodeOptions, type Encoding, type TokenizerFiles, type TokenizerOptions,
} from './tokenizer/index.ts';
export * from './tasks/index.ts';

export interface LoadModelOptions extends ModelOptions {
  /** The device to use; default: the entry point's shared default device (see the top of this file). */
  gpu?: Gpu;
}

let gpuFactory: (() => Promise<Gpu>) | undefined;
let shared: Promise<Gpu> | undefined;

/** Called by the entry points (node.ts, browser.ts); an app may register its own. */
export function setDefaultGpuFactory(factory: () => Promise<Gpu>): void {
  gpuFactory = factory;
  shared = undefined;
}

/** The shared default device, created on first use and again after it is lost. */
export async function defaultGpu(): Promise<Gpu> {
  if (!gpuFactory) {
    throw new Error("no default GPU: import the library as 'webgpu-bert' (its node or browser entry), or pass { gpu } to loadModel");
  }
  const current = shared && (await shared.catch(() => undefined));
  if (current && !current.lostError) return current;
  shared = gpuFactory();
  shared.catch(() => { shared = undefined; }); // a failed start is retried by the next call
  return shared;
}

/**
 * Loads a checkpoint — a folder (Node), an http(s) base URL, or files in memory (Map of name to bytes) —
 * onto the GPU. Without a source, the embedded default model (a small random-weight BertForMaskedLM,
 * generated in memory: for trying the API, its predictions mean nothing).
 */
export async function loadModel(source?: string | CheckpointFiles, opts: LoadModelOptions = {}): Promise<EncoderModel> {
  const { gpu, ...modelOptions } = opts;
  return EncoderModel.load(gpu ?? (await defaultGpu()), source ?? (await defaultCheckpoint()), modelOptions);
}

/**
 * The default model's files, generated in memory. The generator and its vocabulary are imported here only, on
 * demand: an app that names its checkpoint never loads them (bundlers put them in a chunk of their own).
 */
async function defaultCheckpoint(): Promise<CheckpointFiles> {
  const { DEFAULT_MODEL_OPTIONS, generateCheckpoint } = await import('./model/generate.ts');
  return generateCheckpoint(DEFAULT_MODEL_OPTIONS);
}
