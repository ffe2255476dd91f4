// How each weight is stored on the GPU: the `weights` option against what the checkpoint holds.
//   'auto' (default): the checkpoint's own storage — F16 stays f16, BF16 stays bf16, I8 (a quantized
//                     checkpoint, src/families/quantization.ts) stays int8 with its scales, F32 stays f32;
//   'f32':  everything f32 (16-bit and int8 values widened, exactly);
//   'f16':  every matrix f16 (rounded to nearest even: exact for F16 files, lossy for F32 and BF16 ones);
//   'int8': Linear weights quantized on load (group of 64, or the file's own int8), tables as 'auto'.
// Only matrices are packed (Linear weights and embedding tables, read by the matmul and embedding kernels);
// biases and LayerNorm parameters are always f32. The values the float64 references use are the values
// stored: `storedValues` gives them for a choice.
import type { Weight, WeightStorage } from '../families/weights.ts';
import { packBf16, packF16, packI8, roundTo, type PackedData } from '../gpu/packed.ts';
import type { DType } from '../gpu/tensor.ts';
import { dequantize, quantizeRows, type Quantized } from '../gpu/quantize.ts';
import { quantizes } from '../families/quantization.ts';

export const WEIGHT_OPTIONS = ['auto', 'f32', 'f16', 'int8'] as const;
export type WeightsOption = (typeof WEIGHT_OPTIONS)[number];

/** The int8 group size of `--weights int8` on a float checkpoint. */
export const DEFAULT_GROUP = 64;

/** A weight's format on the GPU, and for int8 its quantized values. */
export interface StorageChoice {
  dtype: Exclude<DType, 'u32' | 'i32'>;
  quantized?: Quantized;
}

/** A Linear weight, including the stacked Q/K/V one (its name is a description of the three). */
const isLinear = (w: Weight) => quantizes(w.name.replace(/ \(stacked\)$/, ''), w.shape);

export function chooseStorage(w: Weight, data: Float32Array, stored: WeightStorage | undefined, option: WeightsOption): StorageChoice {
  if (w.shape.length !== 2) return { dtype: 'f32' };
  const source = stored?.dtype ?? 'F32';
  if (option === 'f32') return { dtype: 'f32' };
  if (option === 'f16') return { dtype: 'f16' };
  if (option === 'int8' && isLinear(w)) {
    return { dtype: 'i8', quantized: stored?.quantized ?? quantizeRows(data, w.shape[0], w.shape[1], DEFAULT_GROUP) };
  }
  if (source === 'I8' && stored?.quantized) return { dtype: 'i8', quantized: stored.quantized };
  if (source === 'F16') return { dtype: 'f16' };
  if (source === 'BF16') return { dtype: 'bf16' };
  return { dtype: 'f32' };
}

/** The f32 values a choice holds: what the GPU reads back from its storage. */
export function storedValues(choice: StorageChoice, data: Float32Array): Float32Array {
  if (choice.dtype === 'f16' || choice.dtype === 'bf16') return roundTo(choice.dtype, data);
  if (choice.dtype === 'i8') return dequantize(choice.quantized!);
  return data;
}

/** Rows [begin, begin + rows) of a weight in its chosen storage, packed for upload. */
export function packRows(choice: StorageChoice, data: Float32Array, cols: number, begin: number, rows: number): PackedData {
  const slice = data.subarray(begin * cols, (begin + rows) * cols);
  if (choice.dtype === 'f16') return { dtype: 'f16', words: packF16(slice) };
  if (choice.dtype === 'bf16') return { dtype: 'bf16', words: packBf16(slice) };
  if (choice.dtype === 'i8') {
    const q = choice.quantized!;
    const groups = Math.ceil(q.cols / q.group);
    return {
      dtype: 'i8', words: packI8(q.q.subarray(begin * cols, (begin + rows) * cols)),
      scales: q.scales.subarray(begin * groups, (begin + rows) * groups), group: q.group,
    };
  }
  return { dtype: 'f32', words: new Uint32Array(slice.buffer, slice.byteOffset, slice.length) };
}
