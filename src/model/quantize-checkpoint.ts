/**
 * A float checkpoint rewritten as an int8 one (families/quantization.ts's format): every Linear weight quantized per row
 * and group; the other matrices (embedding tables, a stored MLM decoder) in F16 when they were F32 or F64
 * (the embedding gather reads f16 on the GPU); vectors (LayerNorm, biases) as they were; one
 * model.safetensors, config.json with its quantization_config, and the tokenizer files as they were.
 * Platform-neutral: it reads through a CheckpointSource and returns the files' bytes.
 */
import { parseConfig } from '../families/index.ts';
import { TOKENIZER_FILE_NAMES } from '../tokenizer/index.ts';
import { CheckpointError } from '../errors.ts';
import { groupsOf, quantizeRows } from '../gpu/quantize.ts';
import { QUANT_METHOD, SCALE_SUFFIX, quantizes, type GroupSize, type QuantizationConfig } from '../families/quantization.ts';
import { parseSafetensors, tensorToFloat32, writeSafetensors, type TensorToWrite } from './safetensors.ts';
import { parseIndex, parseJsonFile, type CheckpointSource, type ProgressFn } from './source.ts';

const FLOATS = new Set(['F32', 'F16', 'BF16', 'F64']);

export interface QuantizeReport {
  /** Tensors quantized, and their bytes before and after (scales included). */
  quantized: number;
  kept: number;
  bytesBefore: number;
  bytesAfter: number;
}

export async function quantizeCheckpoint(
  src: CheckpointSource, group: GroupSize, onProgress?: ProgressFn,
): Promise<{ files: Map<string, Uint8Array>; report: QuantizeReport }> {
  const read = async (file: string, why?: string) => {
    const bytes = await src.tryRead(file, onProgress);
    if (!bytes) throw src.notFound(file, why);
    return bytes;
  };
  const config = parseJsonFile(await read('config.json'), 'config.json') as Record<string, unknown>;
  if (config.quantization_config !== undefined) throw new CheckpointError('config.json', 'this checkpoint is already quantized (it has a quantization_config)');
  parseConfig(config); // the family is one this engine runs, and its config is valid

  let weightFiles: string[];
  let owner: Map<string, string> | undefined; // tensor name → shard, for a sharded checkpoint
  const single = await src.tryRead('model.safetensors', onProgress);
  const blobs = new Map<string, Uint8Array>();
  if (single) {
    weightFiles = ['model.safetensors'];
    blobs.set('model.safetensors', single);
  } else {
    // The loader's own reading of the index: every shard name checked as a file inside the model (a source's
    // tryRead checks again), so a weight_map cannot make quantize read outside the model.
    owner = parseIndex(parseJsonFile(await read('model.safetensors.index.json', 'nor model.safetensors'), 'model.safetensors.index.json'));
    weightFiles = [...new Set(owner.values())];
    for (const f of weightFiles) blobs.set(f, await read(f, 'named by model.safetensors.index.json'));
  }

  const tensors: Record<string, TensorToWrite> = {};
  const report: QuantizeReport = { quantized: 0, kept: 0, bytesBefore: 0, bytesAfter: 0 };
  for (const file of weightFiles) {
    const bytes = blobs.get(file)!;
    for (const [name, info] of parseSafetensors(bytes, file).tensors) {
      const size = info.end - info.begin;
      report.bytesBefore += size;
      // As the loader requires: each tensor in the one shard the index maps it to (no copy overwriting another).
      if (owner && owner.get(name) !== file) throw new CheckpointError(file, `tensor "${name}" is ${owner.has(name) ? `mapped to "${owner.get(name)}"` : 'not in the weight_map'} of model.safetensors.index.json`);
      if (info.dtype === 'I8') throw new CheckpointError(file, `tensor "${name}" is already I8`);
      if (FLOATS.has(info.dtype) && quantizes(name, info.shape)) {
        const [rows, cols] = info.shape;
        const q = quantizeRows(tensorToFloat32(bytes, info, file), rows, cols, group);
        tensors[name] = { dtype: 'I8', shape: [rows, cols], bytes: new Uint8Array(q.q.buffer) };
        tensors[`${name}${SCALE_SUFFIX}`] = { dtype: 'F32', shape: [rows, groupsOf(cols, group)], data: q.scales };
        report.quantized++;
        report.bytesAfter += q.q.length + q.scales.byteLength;
      } else if ((info.dtype === 'F32' || info.dtype === 'F64') && info.shape.length === 2) {
        tensors[name] = { dtype: 'F16', shape: info.shape, data: tensorToFloat32(bytes, info, file) };
        report.kept++;
        report.bytesAfter += 2 * info.shape[0] * info.shape[1];
      } else {
        tensors[name] = { dtype: info.dtype, shape: info.shape, bytes: bytes.slice(info.begin, info.end) };
        report.kept++;
        report.bytesAfter += size;
      }
    }
  }
  if (report.quantized === 0) throw new CheckpointError(weightFiles[0], 'no Linear weight to quantize');

  const quantization: QuantizationConfig = { quant_method: QUANT_METHOD, bits: 8, group_size: group, symmetric: true, scale_dtype: 'float32' };
  const files = new Map<string, Uint8Array>();
  const text = (s: string) => new TextEncoder().encode(s);
  files.set('config.json', text(`${JSON.stringify({ ...config, quantization_config: quantization }, null, 2)}\n`));
  files.set('model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
  for (const name of TOKENIZER_FILE_NAMES) {
    const bytes = await src.tryRead(name);
    if (bytes) files.set(name, bytes);
  }
  return { files, report };
}
