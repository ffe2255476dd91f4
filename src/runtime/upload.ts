// Uploads a checkpoint's weights to the GPU once: every weight gets a 256-byte-aligned view in a few large
// buffers (an arena), so kernels bind views and nothing is allocated per forward. Small weights share
// buffers of PACK_BYTES; a weight larger than that gets a buffer of its own; a weight larger than the
// adapter's largest binding (maxStorageBufferBindingSize, maxBufferSize) is split into row blocks, each a
// binding of its own, which the ops that read such tables (the embedding gather, the tied MLM decoder,
// any Linear) take block by block.
//
// Streaming, in two passes: the layout is computed from shapes and storage formats alone and the buffers are
// created; then the weights are read one at a time (file bytes as they are, or one weight converted), written,
// and let go. So the host never holds more than the files plus one weight in conversion, and nothing of the
// weights once this returns. Writes are drained every DRAIN_BYTES so the runtime's staging copies of
// writeBuffer (native memory in Dawn, shared memory in a browser) stay bounded too.
import type { Gpu } from '../gpu/device.ts';
import { GpuLimitError, GpuOutOfMemoryError } from '../gpu/errors.ts';
import { alignUp, createBuffer, storageBytes, VIEW_ALIGNMENT, type GpuTensor } from '../gpu/tensor.ts';
import type { HostWeights } from '../families/weights.ts';
import type { GpuWeight } from '../graph/graph.ts';
import type { PlacedWeights } from '../graph/plan.ts';
import type { Weight } from '../graph/weight.ts';
import { DEFAULT_GROUP, packRows, readStored, type StorageChoice } from './weight-storage.ts';

export interface UploadProgress { uploaded: number; total: number }

export interface UploadOptions {
  /** Largest binding to use, below the adapter's (tests split small tables with it). */
  maxBindingBytes?: number;
  /** Each weight's format on the GPU from its file dtype (weight-storage.ts); default f32. */
  storage?: (w: Weight, fileDtype: string) => StorageChoice;
  onProgress?: (p: UploadProgress) => void;
}

/** Buffers small weights are packed into: kind to allocators, and within every adapter's binding limit. */
const PACK_BYTES = 256 * 2 ** 20;
/** Written bytes after which the upload waits for the queue, releasing the staging copies writeBuffer made. */
const DRAIN_BYTES = 64 * 2 ** 20;

/** Bytes for people: exact below a MiB, MiB above. */
const size = (bytes: number) => (bytes < 2 ** 20 ? `${bytes} bytes` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

/** The weights on the GPU and the buffers holding them (destroy() frees them all). */
export class WeightArena implements PlacedWeights {
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

/** Where one allocation of the arena goes. */
interface Slot { bytes: number; buffer: number; offset: number }
/** A block of a weight's rows, and for int8 its scales. */
interface Block { rowBegin: number; rows: number; data: Slot; scales?: Slot }
interface Planned { weight: Weight; choice: StorageChoice; blocks: Block[] }

/** The largest binding this arena may use on this adapter. */
export function bindingLimit(gpu: Gpu, maxBindingBytes?: number): number {
  return Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize, maxBindingBytes ?? Infinity);
}

/** Tensors and bytes on the GPU per storage format (bytes include int8 scales). */
export type StorageSummary = Partial<Record<StorageChoice['dtype'], { tensors: number; bytes: number }>>;

export async function uploadWeights(gpu: Gpu, weights: HostWeights, opts: UploadOptions = {}): Promise<WeightArena> {
  const limit = bindingLimit(gpu, opts.maxBindingBytes);
  const pack = Math.min(PACK_BYTES, limit);
  const bufferSizes: number[] = [];
  const summary: StorageSummary = {};
  let packing = -1; // the shared buffer small allocations go into
  const place = (bytes: number): Slot => {
    if (bytes > pack) return { bytes, buffer: bufferSizes.push(bytes) - 1, offset: 0 };
    let offset = packing < 0 ? 0 : alignUp(bufferSizes[packing], VIEW_ALIGNMENT);
    if (packing < 0 || offset + bytes > pack) {
      packing = bufferSizes.push(0) - 1;
      offset = 0;
    }
    bufferSizes[packing] = offset + bytes;
    return { bytes, buffer: packing, offset };
  };

  // Pass 1: the layout, from shapes and formats alone (no value is read).
  const planned: Planned[] = [];
  for (const [weight, values] of weights) {
    const rows = Math.max(weight.shape[0] ?? 1, 1);
    if (values.length !== weight.shape.reduce((a, b) => a * b, 1)) throw new Error(`${weight.name}: ${values.length} values for shape [${weight.shape}]`);
    const perRow = values.length / rows;
    const choice = opts.storage?.(weight, values.dtype) ?? { dtype: 'f32' as const };
    const rowBytes = storageBytes(perRow, choice.dtype);
    const bytes = storageBytes(values.length, choice.dtype);
    if (rowBytes > limit) throw new GpuLimitError(`${weight.name}: one row of ${size(rowBytes)} exceeds this adapter's largest binding (${size(limit)})`);
    const groups = choice.dtype === 'i8' ? Math.ceil(perRow / (choice.int8 === 'file' ? values.group ?? DEFAULT_GROUP : DEFAULT_GROUP)) : 0;
    // Row blocks as large as one binding allows, each starting on an even row (a gated weight's rows come in
    // pairs) and packed on its own.
    const fit = Math.floor(limit / rowBytes);
    const perBlock = bytes > limit ? (fit > 1 ? fit - (fit % 2) : 1) : rows;
    const s = (summary[choice.dtype] ??= { tensors: 0, bytes: 0 });
    s.tensors++;
    const blocks: Block[] = [];
    for (let r = 0; r < rows; r += perBlock) {
      const n = Math.min(perBlock, rows - r);
      const data = place(storageBytes(n * perRow, choice.dtype));
      const scales = groups ? place(n * groups * 4) : undefined;
      s.bytes += data.bytes + (scales?.bytes ?? 0);
      blocks.push({ rowBegin: r, rows: n, data, scales });
    }
    planned.push({ weight, choice, blocks });
  }

  const total = bufferSizes.reduce((a, b) => a + b, 0);
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

    // Pass 2: one weight at a time, read, written, let go.
    const placed = new Map<Weight, GpuWeight>();
    let uploaded = 0;
    let undrained = 0;
    const write = (slot: Slot, bytes: Uint8Array) => {
      if (bytes.byteLength !== slot.bytes) throw new Error(`upload: ${bytes.byteLength} bytes for a slot of ${slot.bytes}`);
      gpu.device.queue.writeBuffer(buffers[slot.buffer], slot.offset, bytes.buffer, bytes.byteOffset, bytes.byteLength);
      uploaded += slot.bytes;
      undrained += slot.bytes;
    };
    for (const { weight, choice, blocks } of planned) {
      const stored = readStored(choice, weight, weights.get(weight)!);
      const entry: GpuWeight = { shape: weight.shape, label: weight.name, parts: [] };
      for (const b of blocks) {
        const packed = packRows(stored, b.rowBegin, b.rows);
        write(b.data, packed.bytes);
        if (b.scales) write(b.scales, new Uint8Array(packed.scales!.buffer, packed.scales!.byteOffset, packed.scales!.byteLength));
        const tensor: GpuTensor = { buffer: buffers[b.data.buffer], byteOffset: b.data.offset, shape: [b.rows, ...weight.shape.slice(1)], dtype: choice.dtype, label: weight.name };
        if (b.scales) {
          tensor.scales = { buffer: buffers[b.scales.buffer], byteOffset: b.scales.offset, shape: [b.scales.bytes / 4], dtype: 'f32', label: `${weight.name} scales` };
          tensor.group = packed.group;
        }
        entry.parts.push({ tensor, rowBegin: b.rowBegin, rows: b.rows });
      }
      placed.set(weight, entry);
      opts.onProgress?.({ uploaded, total });
      if (undrained >= DRAIN_BYTES) {
        undrained = 0;
        await gpu.idle();
      }
    }
    await gpu.idle();
    return new WeightArena(placed, buffers, total, summary);
  } catch (error) {
    for (const b of buffers) b.destroy();
    throw error;
  }
}
