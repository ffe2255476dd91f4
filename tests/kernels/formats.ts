// Weight storage formats for the kernel cases: a weight encoded as f16, bf16 or int8 (per row and group),
// with the values the format holds, which the float64 reference then computes with.
import { packBf16, packF16, packI8, roundTo, type PackedData } from '../../src/gpu/packed.ts';
import { dequantize, quantizeRows } from '../../src/gpu/quantize.ts';

export type Format = 'f16' | 'bf16' | `i8/${number}`;
export const FORMATS: readonly Format[] = ['f16', 'bf16', 'i8/32', 'i8/64', 'i8/128'];

export function encode(data: Float32Array, rows: number, cols: number, f: Format): { packed: PackedData; values: Float32Array } {
  if (f === 'f16') return { packed: { dtype: 'f16', words: packF16(data) }, values: roundTo('f16', data) };
  if (f === 'bf16') return { packed: { dtype: 'bf16', words: packBf16(data) }, values: roundTo('bf16', data) };
  const group = Number(f.split('/')[1]);
  const q = quantizeRows(data, rows, cols, group);
  return { packed: { dtype: 'i8', words: packI8(q.q), scales: q.scales, group }, values: dequantize(q) };
}
