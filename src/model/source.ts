/**
 * Reading a Hugging Face checkpoint from a local folder (Node) or an http(s) base URL (browser and Node),
 * and assembling it: config, weights (single file or sharded), tokenizer files.
 *
 * Node's fs is imported dynamically through a variable so bundlers leave it out of the browser build.
 * Downloads stream the body so the caller sees progress; a missing optional file (404 / ENOENT) is
 * `undefined`, a missing required one a CheckpointError naming where it was looked for.
 */
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily } from '../families/family.ts';
import { parseConfig } from '../families/index.ts';
import { TensorTable, type HostWeights, type LoadedTensor, type WeightValues } from '../families/weights.ts';
import { dequantize, groupsOf, type Quantized } from '../gpu/quantize.ts';
import { quantizes, SCALE_SUFFIX } from '../families/quantization.ts';
import { readTokenizerFiles, type TokenizerFiles } from '../tokenizer/index.ts';
import { parseJsonBytes } from '../tokenizer/json-text.ts';
import { readSentenceTransformers, type SentenceTransformerConfig } from './sentence.ts';
import { CheckpointError } from '../errors.ts';
import { checkFileName } from './file-names.ts';
import { errorText, fetchWithin, readBody, transferLimits, type TransferLimits } from './http.ts';
import { hubSource, isHubId, type HubOptions } from './hub.ts';
import type { CheckpointSource, ProgressFn } from './checkpoint-source.ts';
import { type SafetensorsFile, type TensorInfo, parseSafetensors, tensorToFloat32 } from './safetensors.ts';

export type { CheckpointSource, Progress, ProgressFn } from './checkpoint-source.ts';

const isUrl = (s: string) => /^https?:\/\//i.test(s);
const now = () => (globalThis.performance ?? Date).now();
const isNode = () => typeof globalThis.process?.versions?.node === 'string';
// Through variables, so Vite/Rollup do not try to bundle Node built-ins into the browser build.
const NODE_FS = 'node:fs/promises';
const NODE_PATH = 'node:path';
const NODE_URL = 'node:url';
const READ_CHUNK = 16 << 20; // progress granularity for local files

/** Files already in memory (a generated checkpoint, files the user dropped on a page), by name. */
export type CheckpointFiles = Map<string, Uint8Array>;

/**
 * A folder path (Node), a `file:` URL (Node), an http(s) base URL (relative URLs in the browser), a Hugging
 * Face hub model id (`org/name`; in Node one that is not also a folder here), or a map of file name to bytes.
 */
export async function openCheckpointSource(source: string | CheckpointFiles, opts: { signal?: AbortSignal; hub?: HubOptions } = {}): Promise<CheckpointSource> {
  if (typeof source !== 'string') return memorySource(source);
  // The download bounds of HubOptions apply to URL models too (docs/security.md).
  const limits = transferLimits(opts.hub, 'hub options');
  if (isUrl(source)) return httpSource(source, opts.signal, limits);
  if (!isNode()) return isHubId(source) ? hubSource(source, opts.hub, opts.signal) : httpSource(source, opts.signal, limits);
  let dir = source;
  if (/^file:/i.test(source)) {
    const url = (await import(/* @vite-ignore */ NODE_URL)) as typeof import('node:url');
    dir = url.fileURLToPath(source);
  } else if (isHubId(source)) {
    const fs = (await import(/* @vite-ignore */ NODE_FS)) as typeof import('node:fs/promises');
    const local = await fs.stat(source).then(() => true, () => false);
    if (!local) return hubSource(source, opts.hub, opts.signal);
  }
  return fsSource(dir);
}

function memorySource(files: CheckpointFiles): CheckpointSource {
  return {
    location: 'files in memory',
    notFound: (file, why) => new CheckpointError(file, `not among the given files (${[...files.keys()].join(', ') || 'none'})${why ? ` (${why})` : ''}`),
    async tryRead(file, onProgress) {
      const bytes = files.get(checkFileName(file));
      if (bytes) onProgress?.({ file, loaded: bytes.length, total: bytes.length });
      return bytes;
    },
  };
}

async function fsSource(folder: string): Promise<CheckpointSource> {
  const fs = (await import(/* @vite-ignore */ NODE_FS)) as typeof import('node:fs/promises');
  const path = (await import(/* @vite-ignore */ NODE_PATH)) as typeof import('node:path');
  const dir = path.resolve(folder);
  const stat = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => {
    const detail = e.code === 'ENOENT' ? 'checkpoint folder not found' : `cannot read checkpoint folder: ${e.message}`;
    throw new CheckpointError(dir, detail, { cause: e });
  });
  if (!stat.isDirectory()) throw new CheckpointError(dir, 'is not a folder');

  return {
    location: dir,
    notFound: (file, why) => new CheckpointError(file, `not found in ${dir}${why ? ` (${why})` : ''}`),
    async tryRead(file, onProgress) {
      // A checked name has no ".." and is not absolute, so the path stays in the folder (a symlink the folder
      // itself holds is followed: hub snapshots are made of them).
      const full = path.join(dir, ...checkFileName(file).split('/'));
      let handle: import('node:fs/promises').FileHandle;
      try {
        handle = await fs.open(full, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new CheckpointError(file, `cannot open ${full}: ${(e as Error).message}`, { cause: e });
      }
      try {
        const size = (await handle.stat()).size;
        const bytes = new Uint8Array(size);
        onProgress?.({ file, loaded: 0, total: size });
        let loaded = 0;
        while (loaded < size) {
          const { bytesRead } = await handle.read(bytes, loaded, Math.min(READ_CHUNK, size - loaded), loaded);
          if (bytesRead === 0) throw new CheckpointError(file, `file shrank while reading ${full}`);
          loaded += bytesRead;
          onProgress?.({ file, loaded, total: size });
        }
        return bytes;
      } catch (e) {
        if (e instanceof CheckpointError) throw e;
        throw new CheckpointError(file, `cannot read ${full}: ${(e as Error).message}`, { cause: e });
      } finally {
        await handle.close();
      }
    },
  };
}

function httpSource(source: string, signal: AbortSignal | undefined, limits: TransferLimits): CheckpointSource {
  const base = new URL(source.endsWith('/') ? source : `${source}/`, globalThis.location?.href);
  /**
   * A file's URL under the base, never elsewhere: the name is checked, and each segment escaped so that "?",
   * "#" or "%2e%2e" stay part of the name; the result is checked to be under the base all the same.
   */
  const urlOf = (file: string) => {
    const url = new URL(checkFileName(file).split('/').map(encodeURIComponent).join('/'), base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) throw new CheckpointError(file, `resolves to ${url.href}, outside ${base.href}`);
    return url.href;
  };
  return {
    location: base.href,
    notFound: (file, why) => new CheckpointError(file, `not found: HTTP 404 for ${urlOf(file)}${why ? ` (${why})` : ''}`),
    async tryRead(file, onProgress) {
      const url = urlOf(file);
      let res: Response;
      try {
        res = await fetchWithin(url, {}, limits.timeoutMs, signal);
      } catch (e) {
        throw new CheckpointError(file, `network error fetching ${url}: ${errorText(e)}`, { cause: e });
      }
      if (!res.ok) await res.body?.cancel().catch(() => undefined);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new CheckpointError(file, `HTTP ${res.status} ${res.statusText} for ${url}`);
      return readBody(res, file, url, { onProgress, ...limits });
    },
  };
}

/** A JSON file of the checkpoint; too large, too deep, not UTF-8 or not JSON is a CheckpointError naming it. */
export function parseJsonFile(bytes: Uint8Array, file: string): unknown {
  return parseJsonBytes(bytes, (detail) => new CheckpointError(file, detail));
}

export interface LoadedCheckpoint {
  family: AnyFamily;
  config: EncoderConfig;
  /** The family's weight tree (descriptors). */
  weights: unknown;
  /**
   * Each weight's values, read from the file bytes on demand (families/weights.ts): this map, through its
   * closures, is what keeps the files in memory. Whoever uploads the weights drops it afterwards.
   */
  data: HostWeights;
  /** Tensors present in the files and deliberately not used (position_ids buffers, tied copies, pretraining heads). */
  ignoredTensors: string[];
  files: TokenizerFiles;
  /** Per stored dtype: tensor count and bytes, over every tensor in the weight files. */
  dtypeSummary: Record<string, { tensors: number; bytes: number }>;
  /** The weight files read: `model.safetensors`, or the index followed by its shards. */
  weightFiles: string[];
  /** `__metadata__` of the (first) weight file. */
  metadata: Record<string, string>;
  /** The sentence-transformers pipeline (modules.json and its modules' files), when the folder has one. */
  sentence?: SentenceTransformerConfig;
  /** Milliseconds reading the files (disk, network or cache) and the rest: parsing, checks, conversion to f32. */
  timings: { readMs: number; parseMs: number };
}

export interface LoadOptions {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** For hub model ids: revision, endpoint, token, offline, cache (see HubOptions). */
  hub?: HubOptions;
}

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

export async function loadCheckpoint(source: string | CheckpointFiles, opts: LoadOptions = {}): Promise<LoadedCheckpoint> {
  const started = now();
  // Reading time is the union of the read intervals (the tokenizer files are read concurrently).
  let readMs = 0;
  let inFlight = 0;
  let since = 0;
  const opened = await openCheckpointSource(source, { signal: opts.signal, hub: opts.hub });
  const src: CheckpointSource = {
    ...opened,
    async tryRead(file, onProgress) {
      if (inFlight++ === 0) since = now();
      try {
        return await opened.tryRead(file, onProgress);
      } finally {
        if (--inFlight === 0) readMs += now() - since;
      }
    },
  };
  const read = async (file: string, why?: string): Promise<Uint8Array> => {
    const bytes = await src.tryRead(file, opts.onProgress);
    if (!bytes) throw src.notFound(file, why);
    return bytes;
  };

  const { family, config } = parseConfig(parseJsonFile(await read('config.json'), 'config.json'));

  let shards: Map<string, { bytes: Uint8Array; parsed: SafetensorsFile }>;
  let owner: Map<string, string>; // tensor name → shard file
  let weightFiles: string[];
  const single = await src.tryRead(SINGLE, opts.onProgress);
  if (single) {
    const parsed = parseSafetensors(single, SINGLE);
    shards = new Map([[SINGLE, { bytes: single, parsed }]]);
    owner = new Map([...parsed.tensors.keys()].map((name) => [name, SINGLE]));
    weightFiles = [SINGLE];
  } else {
    const index = await src.tryRead(INDEX, opts.onProgress);
    if (!index) throw src.notFound(SINGLE, `nor ${INDEX}`);
    owner = parseIndex(parseJsonFile(index, INDEX));
    shards = new Map();
    for (const shard of new Set(owner.values())) {
      const bytes = await read(shard, `named by ${INDEX}`);
      shards.set(shard, { bytes, parsed: parseSafetensors(bytes, shard) });
    }
    checkShards(owner, shards);
    weightFiles = [INDEX, ...shards.keys()];
  }

  const infoOf = (name: string): [string, Uint8Array, TensorInfo] | undefined => {
    const shard = owner.get(name);
    const entry = shard === undefined ? undefined : shards.get(shard);
    const info = entry?.parsed.tensors.get(name);
    return info && [shard!, entry!.bytes, info];
  };
  const getTensor = (name: string): LoadedTensor | undefined => {
    const found = infoOf(name);
    if (!found) return undefined;
    const [shard, bytes, info] = found;
    if (info.dtype === 'I8') return quantizedTensor(name, shard, bytes, info, config.quantization?.group_size, infoOf);
    return { shape: info.shape, values: fileValues(bytes, info, shard), file: shard };
  };
  const table = new TensorTable([...owner.keys()], getTensor, weightFiles[0]);
  const weights = family.loadWeights(config, table);
  table.finish(`a ${config.modelType} model with this config`);

  const dtypeSummary: LoadedCheckpoint['dtypeSummary'] = {};
  for (const { parsed } of shards.values()) {
    for (const t of parsed.tensors.values()) {
      const s = (dtypeSummary[t.dtype] ??= { tensors: 0, bytes: 0 });
      s.tensors++;
      s.bytes += t.end - t.begin;
    }
  }

  const [files, sentence] = await Promise.all([
    readTokenizerFiles((f) => src.tryRead(f, opts.onProgress)),
    readSentenceTransformers((f) => src.tryRead(f, opts.onProgress), config.hiddenSize, table),
  ]);

  const metadata = shards.values().next().value?.parsed.metadata ?? {};
  const timings = { readMs, parseMs: now() - started - readMs };
  return { family, config, weights, data: table.data, ignoredTensors: table.ignoredTensors, files, dtypeSummary, weightFiles, metadata, timings, ...(sentence && { sentence }) };
}

/**
 * An I8 tensor of a quantized checkpoint (src/families/quantization.ts) with its `_scale` tensor: both checked
 * against config.json's quantization_config, returned dequantized with the int8 values kept for the GPU.
 */
function quantizedTensor(
  name: string, shard: string, bytes: Uint8Array, info: TensorInfo, group: number | undefined,
  infoOf: (name: string) => [string, Uint8Array, TensorInfo] | undefined,
): LoadedTensor {
  const fail = (file: string, detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  if (group === undefined) fail(shard, `tensor "${name}" is I8, but config.json has no quantization_config`);
  if (!quantizes(name, info.shape)) fail(shard, `tensor "${name}" is I8 where a float is needed (only the Linear weights of a quantized model are int8)`);
  const scaleName = `${name}${SCALE_SUFFIX}`;
  const scale = infoOf(scaleName);
  if (!scale) fail(shard, `tensor "${name}" is I8 but its scales "${scaleName}" are missing`);
  const [scaleShard, scaleBytes, scaleInfo] = scale!;
  const [rows, cols] = info.shape;
  const groups = groupsOf(cols, group!);
  if (scaleInfo.shape.length !== 2 || scaleInfo.shape[0] !== rows || scaleInfo.shape[1] !== groups) {
    fail(scaleShard, `tensor "${scaleName}" has shape [${scaleInfo.shape}], expected [${rows},${groups}] for "${name}" [${rows},${cols}] with group_size ${group}`);
  }
  if (scaleInfo.dtype !== 'F32' && scaleInfo.dtype !== 'F16') fail(scaleShard, `tensor "${scaleName}" is ${scaleInfo.dtype}; scales must be F32 (or F16)`);
  const quantized = (): Quantized => ({
    q: new Int8Array(bytes.buffer, bytes.byteOffset + info.begin, info.end - info.begin).slice(),
    scales: tensorToFloat32(scaleBytes, scaleInfo, scaleShard), rows, cols, group: group!,
  });
  const values: WeightValues = { dtype: 'I8', length: rows * cols, group, f32: () => dequantize(quantized()), quantized };
  return { shape: info.shape, values, file: shard, companions: [scaleName] };
}

/** A float tensor's values from its file bytes: converted on each call; `raw` is a view of the bytes. */
function fileValues(bytes: Uint8Array, info: TensorInfo, file: string): WeightValues {
  const length = info.shape.reduce((a, b) => a * b, 1);
  const f32 = () => tensorToFloat32(bytes, info, file);
  // Integer and 8-bit float dtypes are refused when the tensor is taken, as converting it would refuse them.
  if (info.dtype === 'F64') return { dtype: info.dtype, length, f32 };
  if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
    throw new CheckpointError(file, `tensor "${info.name}" has dtype ${info.dtype}; only F32, F16, BF16 and F64 load as weights`);
  }
  return { dtype: info.dtype, length, f32, raw: () => bytes.subarray(info.begin, info.end) };
}

/**
 * `weight_map` of a sharded checkpoint's index: tensor name → shard file name, each checked as a file inside
 * the model (file-names.ts). Shared by the loader and `quantize`.
 */
export function parseIndex(json: unknown): Map<string, string> {
  const fail = (detail: string): never => {
    throw new CheckpointError(INDEX, detail);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('expected a JSON object');
  const map = (json as Record<string, unknown>).weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) fail('missing object field "weight_map"');
  const owner = new Map<string, string>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    owner.set(name, checkFileName(shard, INDEX, `weight_map entry ${JSON.stringify(name)}`));
  }
  if (owner.size === 0) fail('"weight_map" is empty');
  return owner;
}

/** Every mapped tensor is in the shard the index names, and every shard tensor is mapped there. */
function checkShards(owner: Map<string, string>, shards: Map<string, { parsed: SafetensorsFile }>): void {
  for (const [name, shard] of owner) {
    if (!shards.get(shard)!.parsed.tensors.has(name)) {
      throw new CheckpointError(INDEX, `tensor "${name}" is mapped to "${shard}", which does not contain it`);
    }
  }
  for (const [shard, { parsed }] of shards) {
    for (const name of parsed.tensors.keys()) {
      const mapped = owner.get(name);
      if (mapped !== shard) {
        const where = mapped === undefined ? `not in the weight_map of ${INDEX}` : `mapped to "${mapped}" by ${INDEX}`;
        throw new CheckpointError(shard, `tensor "${name}" is ${where}`);
      }
    }
  }
}
