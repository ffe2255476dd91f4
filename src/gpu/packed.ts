// Weight storage on the GPU in 16 and 8 bits: host-side packing into u32 words (two halves or four bytes per
// word, low first, as shaders/weights.wgsl and embeddings.wgsl read them), the values each format holds
// (what the float64 references compute with), and uploading a packed tensor with its int8 scales.
import { f16BitsToF32Bits, f32BitsToBf16Bits, f32BitsToF16Bits } from './float16.ts';
import type { Gpu } from './device.ts';
import { createBuffer, storageBytes, type GpuTensor, type PackedDType } from './tensor.ts';

/** A weight in one storage format: its u32 words (f32 bits for f32), and for i8 the scales and group. */
export interface PackedData {
  dtype: 'f32' | PackedDType;
  words: Uint32Array;
  /** i8: f32 scales, [rows, ceil(cols / group)]. */
  scales?: Float32Array;
  group?: number;
}

const f32Bits = (data: Float32Array) => new Uint32Array(data.buffer, data.byteOffset, data.length);

/** Halves (f16 or bf16 bits, round to nearest even) two per word. */
function packHalves(data: Float32Array, toBits: (f32bits: number) => number): Uint32Array {
  const bits = f32Bits(data);
  const words = new Uint32Array(Math.ceil(data.length / 2));
  for (let i = 0; i < data.length; i++) words[i >> 1] |= toBits(bits[i]) << (16 * (i & 1));
  return words;
}

export const packF16 = (data: Float32Array) => packHalves(data, f32BitsToF16Bits);
export const packBf16 = (data: Float32Array) => packHalves(data, f32BitsToBf16Bits);

/** int8 values, four per word, low byte first. */
export function packI8(q: Int8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(q.length / 4));
  new Int8Array(words.buffer).set(q);
  return words;
}

/** The f32 values a format stores for `data`: rounded to f16 or bf16 (exact when `data` came from that format). */
export function roundTo(dtype: 'f16' | 'bf16', data: Float32Array): Float32Array {
  const bits = f32Bits(data);
  const out = new Float32Array(data.length);
  const outBits = f32Bits(out);
  for (let i = 0; i < data.length; i++) {
    outBits[i] = dtype === 'f16' ? f16BitsToF32Bits(f32BitsToF16Bits(bits[i])) : f32BitsToBf16Bits(bits[i]) << 16;
  }
  return out;
}

/** Whether every value survives f16 unchanged (a BF16 table can be stored f16 only then). */
export function fitsF16(data: Float32Array): boolean {
  const bits = f32Bits(data);
  for (let i = 0; i < data.length; i++) if (f16BitsToF32Bits(f32BitsToF16Bits(bits[i])) !== bits[i] && data[i] === data[i]) return false;
  return true;
}

/** Uploads packed words as a tensor of logical shape `shape` (i8 with a scales tensor next to it). */
export async function uploadPacked(gpu: Gpu, p: PackedData, shape: readonly number[], label: string): Promise<GpuTensor> {
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = storageBytes(count, p.dtype);
  const buffer = await createBuffer(gpu, bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, label);
  gpu.device.queue.writeBuffer(buffer, 0, p.words.buffer, p.words.byteOffset, bytes);
  const t: GpuTensor = { buffer, byteOffset: 0, shape, dtype: p.dtype, label };
  if (p.dtype === 'i8') {
    const scales = await createBuffer(gpu, p.scales!.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, `${label} scales`);
    gpu.device.queue.writeBuffer(scales, 0, p.scales!.buffer, p.scales!.byteOffset, p.scales!.byteLength);
    t.scales = { buffer: scales, byteOffset: 0, shape: [p.scales!.length], dtype: 'f32', label: `${label} scales` };
    t.group = p.group;
  }
  return t;
}
