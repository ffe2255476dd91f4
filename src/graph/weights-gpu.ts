// Uploads a checkpoint's weights to the GPU once: every weight gets a 256-byte-aligned view in a few large
// buffers (an arena), so kernels bind views and nothing is allocated per forward. Small weights share
// buffers of PACK_BYTES; a weight larger than that gets a buffer of its own; a weight larger than the
// adapter's largest binding (maxStorageBufferBindingSize, maxBufferSize) is split into row blocks, each a
// binding of its own, which the ops that read such tables (the embedding gather, the tied MLM decoder,
// any Linear) take block by block.
import type { Gpu } from '../gpu/device.ts';
import { GpuLimitError, GpuOutOfMemoryError } from '../gpu/errors.ts';
import { alignUp, BYTES_PER_ELEMENT, createBuffer, VIEW_ALIGNMENT } from '../gpu/tensor.ts';
import type { HostWeights, Weight } from '../families/weights.ts';
import type { GpuWeight } from './graph.ts';

export interface UploadProgress { uploaded: number; total: number }

export interface UploadOptions {
  /** Largest binding to use, below the adapter's (tests split small tables with it). */
  maxBindingBytes?: number;
  onProgress?: (p: UploadProgress) => void;
}

/** Buffers small weights are packed into: kind to allocators, and within every adapter's binding limit. */
const PACK_BYTES = 256 * 2 ** 20;

/** Bytes for people: exact below a MiB, MiB above. */
const size = (bytes: number) => (bytes < 2 ** 20 ? `${bytes} bytes` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

/** The weights on the GPU and the buffers holding them (destroy() frees them all). */
export class WeightArena {
  constructor(private readonly placed: Map<Weight, GpuWeight>, readonly buffers: GPUBuffer[], readonly bytes: number) {}

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

interface Block { weight: Weight; data: Float32Array; rowBegin: number; rows: number; buffer: number; offset: number }

/** The largest binding this arena may use on this adapter. */
export function bindingLimit(gpu: Gpu, maxBindingBytes?: number): number {
  return Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize, maxBindingBytes ?? Infinity);
}

export async function uploadWeights(gpu: Gpu, weights: HostWeights, opts: UploadOptions = {}): Promise<WeightArena> {
  const limit = bindingLimit(gpu, opts.maxBindingBytes);
  const pack = Math.min(PACK_BYTES, limit);
  const blocks: Block[] = [];
  const bufferSizes: number[] = [];
  let packing = -1; // the shared buffer small weights go into
  for (const [weight, data] of weights) {
    const rows = Math.max(weight.shape[0] ?? 1, 1);
    const perRow = data.length / rows;
    if (data.length !== weight.shape.reduce((a, b) => a * b, 1)) throw new Error(`${weight.name}: ${data.length} values for shape [${weight.shape}]`);
    const rowBytes = perRow * BYTES_PER_ELEMENT;
    const bytes = data.byteLength;
    if (rowBytes > limit) throw new GpuLimitError(`${weight.name}: one row of ${size(rowBytes)} exceeds this adapter's largest binding (${size(limit)})`);
    // Row blocks as large as one binding allows, each starting on a row.
    const perBlock = bytes > limit ? Math.floor(limit / rowBytes) : rows;
    for (let r = 0; r < rows; r += perBlock) {
      const n = Math.min(perBlock, rows - r);
      const slice = perBlock === rows ? data : data.subarray(r * perRow, (r + n) * perRow);
      const bytes = slice.byteLength;
      let buffer: number;
      let offset = 0;
      if (bytes > pack) {
        buffer = bufferSizes.push(bytes) - 1;
      } else {
        offset = packing < 0 ? 0 : alignUp(bufferSizes[packing], VIEW_ALIGNMENT);
        if (packing < 0 || offset + bytes > pack) {
          packing = bufferSizes.push(0) - 1;
          offset = 0;
        }
        buffer = packing;
        bufferSizes[buffer] = offset + bytes;
      }
      blocks.push({ weight, data: slice, rowBegin: r, rows: n, buffer, offset });
    }
  }

  const total = blocks.reduce((s, b) => s + b.data.byteLength, 0);
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
    for (const b of blocks) {
      gpu.device.queue.writeBuffer(buffers[b.buffer], b.offset, b.data.buffer, b.data.byteOffset, b.data.byteLength);
      uploaded += b.data.byteLength;
      opts.onProgress?.({ uploaded, total });
      const entry = placed.get(b.weight) ?? placed.set(b.weight, { shape: b.weight.shape, label: b.weight.name, parts: [] }).get(b.weight)!;
      const shape = [b.rows, ...b.weight.shape.slice(1)];
      entry.parts.push({ tensor: { buffer: buffers[b.buffer], byteOffset: b.offset, shape, dtype: 'f32', label: b.weight.name }, rowBegin: b.rowBegin, rows: b.rows });
    }
    await gpu.idle();
    return new WeightArena(placed, buffers, bufferSizes.reduce((a, b) => a + b, 0));
  } catch (error) {
    for (const b of buffers) b.destroy();
    throw error;
  }
}
