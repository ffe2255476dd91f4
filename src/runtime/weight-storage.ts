// How each weight is stored on the GPU: the `weights` option against what the checkpoint holds.
//   'auto' (default): the checkpoint's own storage — F16 stays f16, BF16 stays bf16, I8 (a quantized
//                     checkpoint, src/families/quantization.ts) stays int8 with its scales, F32 stays f32;
//   'f32':  everything f32 (16-bit and int8 values widened, exactly);
//   'f16':  every matrix f16 (rounded to nearest even: exact for F16 files, lossy for F32 and BF16 ones);
//   'int8': Linear weights quantized on load (group of 64, or the file's own int8), tables as 'auto'.
// Only matrices are packed (Linear weights and embedding tables, read by the matmul and embedding kernels);
// biases and LayerNorm parameters are always f32. When the GPU keeps the file's own format, its bytes are
// written as they are (no conversion, no copy); otherwise one weight at a time is converted. The values the
// float64 references use are the values stored: `storedValues` gives them for a choice.
import type { WeightValues } from '../families/weights.ts';
import type { Weight } from '../graph/weight.ts';
import { packBf16, packF16, packI8, roundTo } from '../gpu/packed.ts';
import type { DType } from '../gpu/tensor.ts';
import { dequantize, quantizeRows, type Quantized } from '../gpu/quantize.ts';
import { quantizes } from '../families/quantization.ts';

export const WEIGHT_OPTIONS = ['auto', 'f32', 'f16', 'int8'] as const;
export type WeightsOption = (typeof WEIGHT_OPTIONS)[number];

/** The int8 group size of `--weights int8` on a float checkpoint. */
export const DEFAULT_GROUP = 64;

/** A weight's format on the GPU, and for int8 where its values come from. */
export interface StorageChoice {
  dtype: Exclude<DType, 'u32' | 'i32'>;
  /** int8: the file's own int8 values ('file') or quantized on load ('load'). */
  int8?: 'file' | 'load';
}

/** A Linear weight, including the stacked Q/K/V one (its name is a description of the three). */
const isLinear = (w: Weight) => quantizes(w.name.replace(/ \(stacked\)$/, ''), w.shape);

/** The storage of weight `w`, stored in the file as `stored` (a safetensors dtype), under the weights option. */
export function chooseStorage(w: Weight, stored: string, option: WeightsOption): StorageChoice {
  if (w.shape.length !== 2) return { dtype: 'f32' };
  if (option === 'f32') return { dtype: 'f32' };
  if (option === 'f16') return { dtype: 'f16' };
  if (stored === 'I8') return { dtype: 'i8', int8: 'file' };
  if (option === 'int8' && isLinear(w)) return { dtype: 'i8', int8: 'load' };
  if (stored === 'F16') return { dtype: 'f16' };
  if (stored === 'BF16') return { dtype: 'bf16' };
  return { dtype: 'f32' };
}

const RAW_OF: Partial<Record<StorageChoice['dtype'], string>> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };

/**
 * One weight's values in its chosen storage, read once and then cut into row blocks: the file's bytes when
 * the GPU keeps that format, else the f32 values (to pack) or the int8 values with their scales.
 */
export interface StoredWeight {
  choice: StorageChoice;
  cols: number;
  raw?: Uint8Array;
  f32?: Float32Array;
  quantized?: Quantized;
}

export function readStored(choice: StorageChoice, w: Weight, values: WeightValues): StoredWeight {
  const rows = Math.max(w.shape[0] ?? 1, 1);
  const cols = values.length / rows;
  if (choice.dtype === 'i8') {
    const quantized = choice.int8 === 'file' && values.quantized ? values.quantized() : quantizeRows(values.f32(), rows, cols, DEFAULT_GROUP);
    return { choice, cols, quantized };
  }
  if (values.raw && values.dtype === RAW_OF[choice.dtype]) return { choice, cols, raw: values.raw() };
  return { choice, cols, f32: values.f32() };
}

/** Rows [begin, begin + rows) of a stored weight as bytes to write (a whole number of 4-byte words), with int8 scales. */
export interface PackedRows { bytes: Uint8Array; scales?: Float32Array; group?: number }

const ELEMENT_BYTES: Record<StorageChoice['dtype'], number> = { f32: 4, f16: 2, bf16: 2, i8: 1 };

/** Bytes padded with zeros to whole words (an odd count of halves): writeBuffer takes multiples of 4. */
function words(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 4 === 0) return bytes;
  const out = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  out.set(bytes);
  return out;
}

const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function packRows(s: StoredWeight, begin: number, rows: number): PackedRows {
  const [from, to] = [begin * s.cols, (begin + rows) * s.cols];
  const { dtype } = s.choice;
  if (s.raw) return { bytes: words(s.raw.subarray(from * ELEMENT_BYTES[dtype], to * ELEMENT_BYTES[dtype])) };
  if (s.quantized) {
    const q = s.quantized;
    const groups = Math.ceil(q.cols / q.group);
    return { bytes: asBytes(packI8(q.q.subarray(from, to))), scales: q.scales.subarray(begin * groups, (begin + rows) * groups), group: q.group };
  }
  const slice = s.f32!.subarray(from, to);
  if (dtype === 'f16') return { bytes: asBytes(packF16(slice)) };
  if (dtype === 'bf16') return { bytes: asBytes(packBf16(slice)) };
  return { bytes: asBytes(slice) };
}

/** The f32 values a choice holds: what the GPU reads back from its storage (for float64 references). */
export function storedValues(choice: StorageChoice, values: WeightValues, shape: readonly number[]): Float32Array {
  if (choice.dtype === 'f16' || choice.dtype === 'bf16') return roundTo(choice.dtype, values.f32());
  if (choice.dtype === 'i8') {
    const rows = Math.max(shape[0] ?? 1, 1);
    return dequantize(choice.int8 === 'file' && values.quantized ? values.quantized() : quantizeRows(values.f32(), rows, values.length / rows, DEFAULT_GROUP));
  }
  return values.f32();
}
