// Tensors are views: a buffer, a byte offset, a shape and a dtype. Whoever created the buffer owns it
// (a weight arena, the activation arena of a plan, or a test); kernels only bind views.
import type { Gpu } from './device.ts';
import { GpuLimitError, GpuValidationError } from './errors.ts';

/**
 * Element types. f32, u32 and i32 are what kernels compute with (4 bytes each); f16, bf16 and i8 are weight
 * storage only, packed into u32 words (two halves or four bytes per word, low first) and widened to f32 in
 * the kernels' loads (shaders/weights.wgsl). An i8 weight carries its scales.
 */
export type DType = 'f32' | 'u32' | 'i32' | 'f16' | 'bf16' | 'i8';
export type PackedDType = 'f16' | 'bf16' | 'i8';
export type TypedArrayOf<D extends DType> = D extends 'f32' ? Float32Array : D extends 'u32' ? Uint32Array : Int32Array;

export interface GpuTensor {
  buffer: GPUBuffer;
  byteOffset: number;
  /** Logical shape, in elements of `dtype`. */
  shape: readonly number[];
  dtype: DType;
  label: string;
  /** i8 weights: one f32 scale per row and group of `group` columns, [rows, ceil(cols / group)]. */
  scales?: GpuTensor;
  group?: number;
}

/** The compute dtypes (f32, u32, i32) are 4 bytes wide. */
export const BYTES_PER_ELEMENT = 4;

const ELEMENT_BYTES: Record<DType, number> = { f32: 4, u32: 4, i32: 4, f16: 2, bf16: 2, i8: 1 };

export const isPacked = (d: DType): d is PackedDType => d === 'f16' || d === 'bf16' || d === 'i8';

/** Bytes of `count` elements, rounded up to whole 4-byte words (packed dtypes fill words). */
export function storageBytes(count: number, dtype: DType): number {
  return Math.ceil((count * ELEMENT_BYTES[dtype]) / 4) * 4;
}

/** WebGPU's `minStorageBufferOffsetAlignment` is at most 256 on every adapter; views start on it. */
export const VIEW_ALIGNMENT = 256;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function byteSize(t: Pick<GpuTensor, 'shape'> & Partial<Pick<GpuTensor, 'dtype'>>): number {
  return storageBytes(numel(t.shape), t.dtype ?? 'f32');
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A buffer inside error scopes, so running out of memory is a typed error naming the buffer. */
export async function createBuffer(gpu: Gpu, size: number, usage: GPUBufferUsageFlags, label: string): Promise<GPUBuffer> {
  // Zero-sized bindings are invalid; a 1-element minimum keeps empty shapes legal.
  const bytes = alignUp(Math.max(size, BYTES_PER_ELEMENT), BYTES_PER_ELEMENT);
  const mib = (bytes / 2 ** 20).toFixed(2);
  if (bytes > gpu.limits.maxBufferSize) {
    throw new GpuLimitError(`buffer "${label}" needs ${mib} MiB, over this adapter's maxBufferSize of ${(gpu.limits.maxBufferSize / 2 ** 20).toFixed(0)} MiB`);
  }
  return gpu.scoped(`create buffer "${label}" (${mib} MiB)`, () => gpu.device.createBuffer({ size: bytes, usage, label }));
}

/** A tensor with a buffer of its own (tests, weights uploaded one by one). */
export async function createTensor(gpu: Gpu, shape: readonly number[], dtype: DType, label: string): Promise<GpuTensor> {
  const buffer = await createBuffer(gpu, numel(shape) * BYTES_PER_ELEMENT, STORAGE_USAGE(), label);
  return { buffer, byteOffset: 0, shape: [...shape], dtype, label };
}

/** A tensor holding `data`. */
export async function uploadTensor(gpu: Gpu, data: Float32Array | Uint32Array | Int32Array, shape: readonly number[], label: string): Promise<GpuTensor> {
  const dtype: DType = data instanceof Float32Array ? 'f32' : data instanceof Uint32Array ? 'u32' : 'i32';
  const t = await createTensor(gpu, shape, dtype, label);
  writeTensor(gpu, t, data);
  return t;
}

export function writeTensor(gpu: Gpu, t: GpuTensor, data: Float32Array | Uint32Array | Int32Array): void {
  gpu.check();
  if (data.length !== numel(t.shape)) {
    throw new GpuValidationError(`write to "${t.label}": ${data.length} values for shape [${t.shape}] (${numel(t.shape)})`);
  }
  if (data.length === 0) return;
  gpu.device.queue.writeBuffer(t.buffer, t.byteOffset, data.buffer, data.byteOffset, data.byteLength);
}

/** Fills a tensor with one value (NaN poisons outputs in tests, so an unwritten element fails). */
export function fillTensor(gpu: Gpu, t: GpuTensor, value: number): void {
  const n = numel(t.shape);
  const data = t.dtype === 'f32' ? new Float32Array(n) : t.dtype === 'u32' ? new Uint32Array(n) : new Int32Array(n);
  data.fill(value);
  writeTensor(gpu, t, data);
}

/** Copies a tensor back to the CPU. Rejects (never hangs) if the device is lost meanwhile. */
export async function readTensor<D extends DType>(gpu: Gpu, t: GpuTensor & { dtype: D }): Promise<TypedArrayOf<D>>;
export async function readTensor(gpu: Gpu, t: GpuTensor): Promise<Float32Array | Uint32Array | Int32Array>;
export async function readTensor(gpu: Gpu, t: GpuTensor): Promise<Float32Array | Uint32Array | Int32Array> {
  return readRange(gpu, t.buffer, t.byteOffset, byteSize(t), t.dtype, t.label);
}

/** Copies `bytes` at `offset` of `buffer` back to the CPU as `dtype`. */
export async function readRange(gpu: Gpu, buffer: GPUBuffer, offset: number, bytes: number, dtype: DType, label: string): Promise<Float32Array | Uint32Array | Int32Array> {
  const size = alignUp(Math.max(bytes, BYTES_PER_ELEMENT), BYTES_PER_ELEMENT);
  const staging = await createBuffer(gpu, size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `${label} (readback)`);
  try {
    await gpu.scoped(`read back "${label}"`, () => {
      const encoder = gpu.device.createCommandEncoder({ label: `read ${label}` });
      encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
      gpu.device.queue.submit([encoder.finish()]);
    });
    await gpu.guard(staging.mapAsync(GPUMapMode.READ));
    const copy = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    return dtype === 'f32' ? new Float32Array(copy) : dtype === 'u32' ? new Uint32Array(copy) : new Int32Array(copy);
  } finally {
    staging.destroy();
  }
}
