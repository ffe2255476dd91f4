// Weights as the families see them: a Weight is a descriptor (name and shape, src/graph/weight.ts) that ops
// refer to; its values stay in the checkpoint's file bytes until something asks for them. A family takes
// tensors out of a checkpoint through a TensorTable, which checks every shape against the config, resolves
// legacy names, and at the end refuses any tensor nobody took or declared harmless, so a checkpoint of another
// architecture never loads half-used.
//
// Why lazy: the upload (src/runtime/upload.ts) reads one weight at a time — straight from the file's bytes when
// the GPU stores what the file stores, else converted for that weight alone — and lets go of it. Nothing here
// keeps a whole-model copy, so after load the only host memory is what the caller still holds (nothing, once the
// file bytes go out of scope). Derived weights (Q/K/V stacked, gated halves paired) are recipes over their parts.
import { CheckpointError } from '../errors.ts';
import type { Quantized } from '../gpu/quantize.ts';
import type { Linear, Norm, Weight } from '../graph/weight.ts';

export type { Linear, Norm, Weight };

/** Float dtypes whose file bytes the GPU can take as they are (little-endian: f32 words, or halves two per word). */
export type RawDtype = 'F32' | 'F16' | 'BF16';

/**
 * A weight's values, produced on demand. Each call reads the file bytes again and returns a fresh array (or
 * a view of the file bytes for `raw`): callers hold the result only while they use it.
 */
export interface WeightValues {
  /** Its safetensors dtype ('F32', 'F16', 'BF16', 'I8', ...); derived weights keep their parts' common one. */
  readonly dtype: string;
  /** Element count. */
  readonly length: number;
  /** I8: the group size of its scales (known before the values are read, so storage can be sized). */
  readonly group?: number;
  /** The values as f32 (int8 ones dequantized). */
  f32(): Float32Array;
  /** The little-endian bytes of a float tensor, as stored (F32, F16, BF16): what the GPU stores when it keeps that format. */
  raw?(): Uint8Array;
  /** An I8 tensor of a quantized checkpoint: its int8 values and scales. */
  quantized?(): Quantized;
}

/** Values of the weights, by descriptor. */
export type HostWeights = Map<Weight, WeightValues>;

export interface LoadedTensor {
  shape: number[];
  values: WeightValues;
  /** The file holding it (a shard), for error messages. */
  file?: string;
  /** The tensors read along with it (its scale tensor), which count as used. */
  companions?: string[];
}
export type GetTensor = (name: string) => LoadedTensor | undefined;

const fmt = (dims: readonly number[]) => `[${dims.join(',')}]`;
const BYTES: Record<RawDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const isRaw = (d: string): d is RawDtype => d === 'F32' || d === 'F16' || d === 'BF16';

/** Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta. */
const legacyName = (name: string) => name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');

/** Values computed by the family (a sinusoidal table): small, held as they are. */
export function computedValues(data: Float32Array): WeightValues {
  return { dtype: 'F32', length: data.length, f32: () => data };
}

/** Parts laid end to end (row blocks of one matrix). */
function concatValues(parts: readonly WeightValues[]): WeightValues {
  const same = parts.every((p) => p.dtype === parts[0].dtype);
  // Parts stored differently meet as f32 (the upload then stores them by the weights option alone).
  const dtype = same ? parts[0].dtype : 'F32';
  const length = parts.reduce((n, p) => n + p.length, 0);
  const join = <T extends Float32Array | Int8Array | Uint8Array>(make: (n: number) => T, arrays: (() => T)[]): T => {
    const got = arrays.map((a) => a());
    const all = make(got.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of got) {
      all.set(a, at);
      at += a.length;
    }
    return all;
  };
  const values: WeightValues = { dtype, length, group: same ? parts[0].group : undefined, f32: () => join((n) => new Float32Array(n), parts.map((p) => () => p.f32())) };
  if (same && isRaw(dtype) && parts.every((p) => p.raw)) {
    return { ...values, raw: () => join((n) => new Uint8Array(n), parts.map((p) => () => p.raw!())) };
  }
  const qs = parts.map((p) => p.quantized);
  if (same && dtype === 'I8' && qs.every(Boolean)) {
    return {
      ...values,
      quantized: () => {
        const got = qs.map((q) => q!());
        if (!got.every((x) => x.group === got[0].group && x.cols === got[0].cols)) {
          throw new CheckpointError('weights', 'the int8 parts of one stacked weight have different groups or widths');
        }
        const q = join((n) => new Int8Array(n), got.map((x) => () => x.q));
        const scales = join((n) => new Float32Array(n), got.map((x) => () => x.scales));
        return { q, scales, rows: got.reduce((n, x) => n + x.rows, 0), cols: got[0].cols, group: got[0].group };
      },
    };
  }
  return values;
}

/** Rows reordered: row r of the result is row `source(r)` of `v`. */
function permuteRows(v: WeightValues, rows: number, source: (r: number) => number): WeightValues {
  const permute = <T extends Float32Array | Int8Array | Uint8Array>(src: T, rowWidth: number): T => {
    const out = new (src.constructor as new (n: number) => T)(src.length);
    for (let r = 0; r < rows; r++) out.set(src.subarray(source(r) * rowWidth, (source(r) + 1) * rowWidth), r * rowWidth);
    return out;
  };
  const width = v.length / rows;
  const out: WeightValues = { dtype: v.dtype, length: v.length, group: v.group, f32: () => permute(v.f32(), width) };
  if (v.raw && isRaw(v.dtype)) {
    const rowBytes = width * BYTES[v.dtype];
    return { ...out, raw: () => permute(v.raw!(), rowBytes) };
  }
  if (v.quantized) {
    return {
      ...out,
      quantized: () => {
        const q = v.quantized!();
        return { ...q, q: permute(q.q, q.cols), scales: permute(q.scales, q.scales.length / q.rows) };
      },
    };
  }
  return out;
}

export class TensorTable {
  readonly data: HostWeights = new Map();
  private readonly present: Set<string>;
  private readonly used = new Set<string>();
  private readonly ignored = new Set<string>();

  constructor(readonly names: readonly string[], private readonly get: GetTensor, readonly file: string) {
    this.present = new Set(names);
  }

  /** The name as stored: itself or its legacy LayerNorm spelling, undefined when absent. */
  resolve(name: string): string | undefined {
    if (this.present.has(name)) return name;
    const legacy = legacyName(name);
    return this.present.has(legacy) ? legacy : undefined;
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  /** Whether any tensor name starts with `prefix`. */
  hasPrefix(prefix: string): boolean {
    return this.names.some((n) => n.startsWith(prefix));
  }

  /** A tensor that must be there with this shape. */
  take(name: string, shape: readonly number[]): Weight {
    const found = this.resolve(name);
    const t = found === undefined ? undefined : this.get(found);
    if (!t) throw new CheckpointError(this.file, `missing tensor "${name}"`);
    if (fmt(t.shape) !== fmt(shape)) {
      throw new CheckpointError(t.file ?? this.file, `tensor "${found}" has shape ${fmt(t.shape)}, config expects ${fmt(shape)}`);
    }
    this.used.add(found!);
    for (const c of t.companions ?? []) this.used.add(c);
    const w: Weight = { name: found!, shape: [...shape] };
    this.data.set(w, t.values);
    return w;
  }

  optional(name: string, shape: readonly number[]): Weight | undefined {
    return this.has(name) ? this.take(name, shape) : undefined;
  }

  /** `prefix + weight` and `prefix + bias` ([out, in] and [out]); the bias may be absent when `bias` is false. */
  linear(prefix: string, out: number, inDim: number, bias = true): Linear {
    const weight = this.take(`${prefix}weight`, [out, inDim]);
    return { weight, bias: bias ? this.take(`${prefix}bias`, [out]) : this.optional(`${prefix}bias`, [out]) };
  }

  norm(prefix: string, n: number, eps: number, bias = true): Norm {
    const gamma = this.take(`${prefix}weight`, [n]);
    return { gamma, beta: bias ? this.take(`${prefix}bias`, [n]) : this.optional(`${prefix}bias`, [n]), eps };
  }

  /**
   * Row blocks of several weights stacked into one (Q, K and V into [3H, H]); the parts are forgotten. Parts
   * stored alike keep that storage (int8 parts with the same group stack their values and scales).
   */
  stack(name: string, parts: readonly Weight[]): Weight {
    const cols = parts[0].shape.slice(1);
    const rows = parts.reduce((n, p) => n + p.shape[0], 0);
    const values = concatValues(parts.map((p) => this.valuesOf(p)));
    for (const p of parts) this.data.delete(p);
    return this.put(name, [rows, ...cols], values);
  }

  /**
   * A gated layer's weight [2n, ...] (or bias [2n]) with its halves paired row by row, as the matmul's GLU
   * epilogue reads them: row 2c is row c (the activated half), row 2c + 1 is row n + c (the gate). The input
   * is forgotten; its storage (f16, bf16, int8 with its scales) is kept. `activated: 'second'` reads a
   * weight stored [gate | activated] (GTE's up_gate_proj) the same way.
   */
  pairHalves(name: string, w: Weight, activated: 'first' | 'second' = 'first'): Weight {
    const rows = w.shape[0];
    if (rows % 2) throw new CheckpointError(this.file, `${w.name}: a gated layer needs an even number of rows, got ${rows}`);
    const n = rows / 2;
    const [a, b] = activated === 'first' ? [0, n] : [n, 0];
    const values = permuteRows(this.valuesOf(w), rows, (r) => (r % 2 === 0 ? a + r / 2 : b + (r - 1) / 2));
    this.data.delete(w);
    return this.put(name, w.shape, values);
  }

  /** A weight the family computes (a sinusoidal table). */
  derived(name: string, shape: readonly number[], data: Float32Array): Weight {
    return this.put(name, shape, computedValues(data));
  }

  /** Whether two weights taken earlier hold the same values (a stored decoder and the embeddings it may tie
   * to): byte for byte when both are stored alike, which reads no more than the file already holds. */
  sameValues(a: Weight, b: Weight): boolean {
    const [x, y] = [this.valuesOf(a), this.valuesOf(b)];
    if (x.length !== y.length) return false;
    if (x.dtype === y.dtype && x.raw && y.raw) return sameBytes(x.raw(), y.raw());
    return sameValues(x.f32(), y.f32());
  }

  /** A matrix taken earlier as a vector of the same values and name: the GPU keeps vectors f32, for kernels
   * other than the matmuls (MPNet's relative bias table, read by the attention). */
  flatten(w: Weight): Weight {
    const values = this.valuesOf(w);
    this.data.delete(w);
    return this.put(w.name, [values.length], values);
  }

  /** Forgets a weight taken earlier: its tensor counts as ignored (a decoder equal to the tied embeddings). */
  drop(w: Weight): void {
    this.data.delete(w);
    this.used.delete(w.name);
    this.ignored.add(w.name);
  }

  /** Known tensors the engine does not need (position_ids buffers, pretraining heads no task uses). */
  ignore(...names: string[]): void {
    for (const n of names) if (this.present.has(n) && !this.used.has(n)) this.ignored.add(n);
  }

  /** Tensors present in the file and deliberately not used. */
  get ignoredTensors(): string[] {
    return [...this.ignored].sort();
  }

  /** Refuses tensors that no part of the model took: they belong to another architecture or config. */
  finish(what: string): void {
    const unexpected = this.names.filter((n) => !this.used.has(n) && !this.ignored.has(n));
    if (unexpected.length === 0) return;
    const shown = unexpected.slice(0, 3).map((n) => `"${n}"`).join(', ');
    const more = unexpected.length > 3 ? ` and ${unexpected.length - 3} more` : '';
    throw new CheckpointError(this.file, `unexpected tensor${unexpected.length > 1 ? 's' : ''} ${shown}${more} (not part of ${what})`);
  }

  private valuesOf(w: Weight): WeightValues {
    const v = this.data.get(w);
    if (!v) throw new Error(`no values for weight "${w.name}"`);
    return v;
  }

  private put(name: string, shape: readonly number[], values: WeightValues): Weight {
    const w: Weight = { name, shape: [...shape] };
    this.data.set(w, values);
    return w;
  }
}

export function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
