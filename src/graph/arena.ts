// Activation memory: every intermediate tensor of a forward gets a buffer, and tensors whose lifetimes
// (first producer step .. last consumer step) do not overlap share one. Why buffers and not offsets in a
// single arena: WebGPU tracks storage usage per buffer, so a dispatch may not read one range of a buffer
// while writing another range of it; two tensors alive at the same step are therefore always in different
// buffers here. Greedy by size (largest first, first buffer whose tenants are all dead by then), as in
// ratchet and ONNX Runtime's buffer reuse: not optimal, but close on transformer graphs and simple to check.
import { alignUp, BYTES_PER_ELEMENT } from '../gpu/tensor.ts';

export interface Interval {
  name: string;
  bytes: number;
  /** Index of the step that writes it first / reads it last (inclusive). */
  first: number;
  last: number;
}

export interface BufferPlan {
  /** Tensor name -> index into `sizes`. */
  assignment: Map<string, number>;
  /** Bytes of each shared buffer: the size of its largest tenant. */
  sizes: number[];
  /** Total bytes of activation buffers (what a forward keeps allocated). */
  peakBytes: number;
  /** Bytes without any reuse, for comparison. */
  naiveBytes: number;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function planBuffers(intervals: readonly Interval[]): BufferPlan {
  const order = [...intervals].sort((a, b) => b.bytes - a.bytes || a.first - b.first);
  const tenants: Interval[][] = [];
  const sizes: number[] = [];
  const assignment = new Map<string, number>();
  for (const iv of order) {
    if (assignment.has(iv.name)) throw new Error(`activation "${iv.name}" planned twice`);
    const size = alignUp(Math.max(iv.bytes, BYTES_PER_ELEMENT), 16);
    let slot = tenants.findIndex((ts) => ts.every((t) => !overlaps(t, iv)));
    if (slot < 0) {
      slot = tenants.length;
      tenants.push([]);
      sizes.push(size);
    }
    tenants[slot].push(iv);
    assignment.set(iv.name, slot);
  }
  const naiveBytes = intervals.reduce((s, iv) => s + alignUp(Math.max(iv.bytes, BYTES_PER_ELEMENT), 16), 0);
  return { assignment, sizes, peakBytes: sizes.reduce((a, b) => a + b, 0), naiveBytes };
}
