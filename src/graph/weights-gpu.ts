// Uploads a checkpoint's weights to the GPU once: every weight gets a 256-byte-aligned view in a few large
// buffers (an arena), so kernels bind views and nothing is allocated per forward. Small weights share
// buffers of PACK_BYTES; a weight larger than that gets a buffer of its own; a weight larger than the
// adapter's largest binding (maxStorageBufferBindingSize, maxBufferSize) is split into row blocks, each a
// binding of its own, which the ops that read such tables (the embedding gather, the tied MLM decoder,
// any Linear) take block by block.
import type { Gpu } from '../gpu/device.ts';
import { GpuLimitError, GpuOutOfMemoryError } from '../gpu/errors.ts';
import { alignUp, createBuffer, storageBytes, VIEW_ALIGNMENT, type DType, type GpuTensor } from '../gpu/tensor.ts';
import { packRows, type StorageChoice } from './weight-storage.ts';
import type { HostWeights, Weight } from '../families/weights.ts';
import type { GpuWeight } from './graph.ts';

export interface UploadProgress { uploaded: number; total: number }

export interface UploadOptions {
  /** Largest binding to use, below the adapter's (tests split small tables with it). */
  maxBindingBytes?: number;
  /** Each weight's format on the GPU (weight-storage.ts); default f32. */
  storage?: (w: Weight, data: Float32Array) => StorageChoice;
  onProgress?: (p: UploadProgress) => void;
}

/** Buffers small weights are packed into: kind to allocators, and within every adapter's binding limit. */
const PACK_BYTES = 256 * 2 ** 20;

/** Bytes for people: exact below a MiB, MiB above. */
const size = (bytes: number) => (bytes < 2 ** 20 ? `${bytes} bytes` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

/** The weights on the GPU and the buffers holding them (destroy() frees them all). */
export class WeightArena {
  constructor(private readonly placed: Map<Weight, GpuWeight>, readonly buffers: GPUBuffer[], readonly bytes: number, readonly storage: StorageSummary = {}) {}

  /** Weights stored in more than one row block, by name, with their block counts. */
  splitWeights(): Record<string, number> {
    return Object.fromEntries([...this.placed.values()].filter((w) => w.parts.length > 1).map((w) => [w.label, w.parts.length]));
  }

  get(w: Weight): GpuWeight {
    const g = this.placed.get(w);
    if (!g) throw new Error(`weight "${w.name}" was not uploaded`);
    return g;
  }

  /** Row blocks the weight is stored in: 1 unless it is larger than one binding. */
  blocks(w: Weight): number {
    return this.get(w).parts.length;
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}

/** One allocation of the arena: a block of a weight's rows, or its int8 scales. */
interface Item { bytes: number; words: Uint32Array | Float32Array; buffer: number; offset: number }
interface Block { weight: Weight; dtype: DType; rowBegin: number; rows: number; data: Item; scales?: Item; group?: number }

/** The largest binding this arena may use on this adapter. */
export function bindingLimit(gpu: Gpu, maxBindingBytes?: number): number {
  return Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize, maxBindingBytes ?? Infinity);
}

/** Tensors and bytes on the GPU per storage format (bytes include int8 scales). */
export type StorageSummary = Partial<Record<Exclude<DType, 'u32' | 'i32'>, { tensors: number; bytes: number }>>;

export async function uploadWeights(gpu: Gpu, weights: HostWeights, opts: UploadOptions = {}): Promise<WeightArena> {
  const limit = bindingLimit(gpu, opts.maxBindingBytes);
  const pack = Math.min(PACK_BYTES, limit);
  const blocks: Block[] = [];
  const bufferSizes: number[] = [];
  const summary: StorageSummary = {};
  let packing = -1; // the shared buffer small allocations go into
  const place = (bytes: number): { buffer: number; offset: number } => {
    if (bytes > pack) return { buffer: bufferSizes.push(bytes) - 1, offset: 0 };
    let offset = packing < 0 ? 0 : alignUp(bufferSizes[packing], VIEW_ALIGNMENT);
    if (packing < 0 || offset + bytes > pack) {
      packing = bufferSizes.push(0) - 1;
      offset = 0;
    }
    bufferSizes[packing] = offset + bytes;
    return { buffer: packing, offset };
  };
  for (const [weight, data] of weights) {
    const rows = Math.max(weight.shape[0] ?? 1, 1);
    const perRow = data.length / rows;
    if (data.length !== weight.shape.reduce((a, b) => a * b, 1)) throw new Error(`${weight.name}: ${data.length} values for shape [${weight.shape}]`);
    const choice = opts.storage?.(weight, data) ?? { dtype: 'f32' as const };
    const rowBytes = storageBytes(perRow, choice.dtype);
    const bytes = storageBytes(data.length, choice.dtype);
    if (rowBytes > limit) throw new GpuLimitError(`${weight.name}: one row of ${size(rowBytes)} exceeds this adapter's largest binding (${size(limit)})`);
    // Row blocks as large as one binding allows, each starting on an even row (a gated weight's rows come in
    // pairs) and packed on its own.
    const fit = Math.floor(limit / rowBytes);
    const perBlock = bytes > limit ? (fit > 1 ? fit - (fit % 2) : 1) : rows;
    const s = (summary[choice.dtype] ??= { tensors: 0, bytes: 0 });
    s.tensors++;
    for (let r = 0; r < rows; r += perBlock) {
      const n = Math.min(perBlock, rows - r);
      const packed = packRows(choice, data, perRow, r, n);
      const dataBytes = storageBytes(n * perRow, choice.dtype);
      const item: Item = { bytes: dataBytes, words: packed.words, ...place(dataBytes) };
      const scales = packed.scales && { bytes: packed.scales.byteLength, words: packed.scales, ...place(packed.scales.byteLength) };
      s.bytes += dataBytes + (scales?.bytes ?? 0);
      blocks.push({ weight, dtype: choice.dtype, rowBegin: r, rows: n, data: item, scales, group: packed.group });
    }
  }

  const total = blocks.reduce((t, b) => t + b.data.bytes + (b.scales?.bytes ?? 0), 0);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const buffers: GPUBuffer[] = [];
  try {
    for (const [i, bytes] of bufferSizes.entries()) {
      try {
        buffers.push(await createBuffer(gpu, bytes, usage, `weights #${i}`));
      } catch (e) {
        if (!(e instanceof GpuOutOfMemoryError)) throw e;
        const made = bufferSizes.slice(0, i).reduce((a, b) => a + b, 0);
        throw new GpuOutOfMemoryError(`the weights need ${size(total)} on the GPU; this adapter ran out of memory after ${size(made)} (buffer ${i + 1} of ${bufferSizes.length}, ${size(bytes)})`);
      }
    }
    const placed = new Map<Weight, GpuWeight>();
    let uploaded = 0;
    const write = (it: Item) => {
      gpu.device.queue.writeBuffer(buffers[it.buffer], it.offset, it.words.buffer, it.words.byteOffset, it.bytes);
      uploaded += it.bytes;
    };
    for (const b of blocks) {
      write(b.data);
      if (b.scales) write(b.scales);
      opts.onProgress?.({ uploaded, total });
      const entry = placed.get(b.weight) ?? placed.set(b.weight, { shape: b.weight.shape, label: b.weight.name, parts: [] }).get(b.weight)!;
      const shape = [b.rows, ...b.weight.shape.slice(1)];
      const tensor: GpuTensor = { buffer: buffers[b.data.buffer], byteOffset: b.data.offset, shape, dtype: b.dtype, label: b.weight.name };
      if (b.scales) {
        tensor.scales = { buffer: buffers[b.scales.buffer], byteOffset: b.scales.offset, shape: [b.scales.bytes / 4], dtype: 'f32', label: `${b.weight.name} scales` };
        tensor.group = b.group;
      }
      entry.parts.push({ tensor, rowBegin: b.rowBegin, rows: b.rows });
    }
    await gpu.idle();
    return new WeightArena(placed, buffers, bufferSizes.reduce((a, b) => a + b, 0), summary);
  } catch (error) {
    for (const b of buffers) b.destroy();
    throw error;
  }
}
