/**
 * Benchmark checkpoints on disk, in Hugging Face layout, for this engine and its peers alike:
 * bench/models/<name>/ holds the generated checkpoint (config.json, model.safetensors, tokenizer files) and
 * onnx/model.onnx exported from it. The Vite dev server (root = repo) serves the folder at
 * /bench/models/<name>/, which is where the benchmark page and Transformers.js (localModelPath) read it.
 *
 * Generation reuses ensureGeneratedModel (atomic, stamped with the options and GENERATOR_VERSION); the ONNX
 * file gets its own stamp (the checkpoint's hash + ONNX_EXPORTER_VERSION), so a folder that is up to date
 * costs two small reads. The export streams to disk: the ONNX bytes are never held whole, and transposed
 * weights are made one at a time while written. Measured at BERT-base shape (768 x 12 layers, 3072, 512
 * positions, default vocabulary: 351 MB of f32): 13 s and 1.1 GB peak RSS, most of it generateCheckpoint
 * holding the tensors and the safetensors bytes at once. Node only.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GenerateOptions, GENERATOR_VERSION } from '../src/model/generate.ts';
import { ensureGeneratedModel, optionsHash, STAMP_FILE } from '../src/model/generate-node.ts';
import { loadCheckpoint } from '../src/model/source.ts';
import { bertArrays } from './peers/bert-arrays.ts';
import { bertOnnxModel, ONNX_EXPORTER_VERSION } from './peers/onnx-export.ts';

/** Where the folders go (gitignored). */
export const MODELS_DIR = fileURLToPath(new URL('./models/', import.meta.url));
export const ONNX_FILE = 'onnx/model.onnx';
const ONNX_STAMP = 'onnx/export-stamp.json';
/** Log export progress after about this many bytes. */
const LOG_EVERY_BYTES = 64 * 2 ** 20;
/** The protobuf writer yields many tiny pieces (tags, lengths): they are gathered into writes of this size. */
const WRITE_BUFFER_BYTES = 2 ** 20;

export interface PrepareOptions {
  /** Progress lines; default: stderr (stdout is left to results). */
  log?: (line: string) => void;
  /** Parent folder of the model folders; default MODELS_DIR. */
  root?: string;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Makes bench/models/<name>/ hold the checkpoint that `opts` generates plus its ONNX export, unless it
 * already does; returns the folder's absolute path.
 */
export async function prepareModelFolder(name: string, opts: GenerateOptions, prepare: PrepareOptions = {}): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new RangeError(`prepareModelFolder: model name ${JSON.stringify(name)} must be a plain folder name (letters, digits, . _ -)`);
  }
  const log = prepare.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = path.join(prepare.root ?? MODELS_DIR, name);
  const shape = `hidden ${opts.hiddenSize}, ${opts.numLayers} layers, ${opts.numHeads} heads, intermediate ${opts.intermediateSize}`;

  let started = performance.now();
  const secs = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const stamp = { checkpoint: optionsHash(opts), generator: GENERATOR_VERSION, exporter: ONNX_EXPORTER_VERSION };
  if (await onnxStampMatches(dir, stamp)) {
    log(`model ${name}: up to date in ${dir}`);
    return dir;
  }

  log(`model ${name}: checkpoint (${opts.architecture}, ${shape}) …`);
  await ensureGeneratedModel(opts, dir); // a no-op when only the export is stale
  log(`model ${name}: checkpoint ready (${secs()})`);

  started = performance.now();
  const ckpt = await loadCheckpoint(dir);
  const model = bertOnnxModel(ckpt.config, bertArrays(ckpt));
  const total = model.byteLength;
  log(`model ${name}: exporting ${ONNX_FILE} (${mb(total)}) …`);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  const temp = path.join(dir, `${ONNX_FILE}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const file = await open(temp, 'w');
    try {
      const buffer = new Uint8Array(WRITE_BUFFER_BYTES);
      let buffered = 0;
      let written = 0;
      let logged = 0;
      const flush = async () => {
        if (buffered > 0) await file.write(buffer, 0, buffered);
        buffered = 0;
      };
      for (const chunk of model.chunks()) {
        if (buffered + chunk.byteLength > buffer.byteLength) await flush();
        if (chunk.byteLength > buffer.byteLength) {
          await file.write(chunk);
        } else {
          buffer.set(chunk, buffered);
          buffered += chunk.byteLength;
        }
        written += chunk.byteLength;
        if (written - logged >= LOG_EVERY_BYTES) {
          log(`model ${name}: ${ONNX_FILE} ${mb(written)} of ${mb(total)}`);
          logged = written;
        }
      }
      await flush();
      if (written !== total) throw new Error(`prepareModelFolder: wrote ${written} bytes of ${ONNX_FILE}, expected ${total}`);
    } finally {
      await file.close();
    }
    await rename(temp, path.join(dir, ONNX_FILE));
  } finally {
    await rm(temp, { force: true });
  }
  // The stamp goes last: a folder with a matching stamp always has a complete export.
  await writeFile(path.join(dir, ONNX_STAMP), JSON.stringify({ ...stamp, options: shownOptions(opts) }, null, 2) + '\n');
  log(`model ${name}: ${ONNX_FILE} written (${secs()})`);
  return dir;
}

function shownOptions(opts: GenerateOptions): Omit<GenerateOptions, 'vocab'> & { vocab?: string } {
  const { vocab, ...rest } = opts;
  return vocab ? { ...rest, vocab: `${vocab.length} tokens` } : rest;
}

async function onnxStampMatches(dir: string, want: Record<string, unknown>): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(path.join(dir, ONNX_STAMP), 'utf8')) as Record<string, unknown>;
    // The checkpoint's own stamp is checked too: the export is only valid for the files beside it.
    const generated = JSON.parse(await readFile(path.join(dir, STAMP_FILE), 'utf8')) as { hash?: unknown };
    return Object.entries(want).every(([k, v]) => stamp[k] === v) && generated.hash === want.checkpoint;
  } catch {
    return false; // absent or unreadable: prepare again
  }
}
