// Weights as the families see them: a Weight is a descriptor (name and shape) that ops refer to; its values
// live apart, in a HostWeights map, until they are uploaded (src/graph/weights-gpu.ts) or read by the float64
// reference. A family takes tensors out of a checkpoint through a TensorTable, which checks every shape
// against the config, resolves legacy names, and at the end refuses any tensor nobody took or declared
// harmless, so a checkpoint of another architecture never loads half-used.
import { CheckpointError } from '../errors.ts';
import type { Quantized } from '../gpu/quantize.ts';

export interface Weight {
  /** The Hugging Face tensor name, or a description for derived weights ('layer 0 qkv weight'). */
  readonly name: string;
  readonly shape: readonly number[];
}

/** Values of the weights, by descriptor. */
export type HostWeights = Map<Weight, Float32Array>;

/** How a weight is stored in the checkpoint: its safetensors dtype, and for int8 the values and scales. */
export interface WeightStorage {
  dtype: string;
  quantized?: Quantized;
}

export interface LoadedTensor {
  shape: number[];
  /** The values as f32 (int8 ones dequantized). */
  data: Float32Array;
  /** The file holding it (a shard), for error messages. */
  file?: string;
  /** Its safetensors dtype; default F32. */
  dtype?: string;
  /** An I8 tensor: its int8 values and scales (the `_scale` tensor). */
  quantized?: Quantized;
  /** The tensors read along with it (its scale tensor), which count as used. */
  companions?: string[];
}
export type GetTensor = (name: string) => LoadedTensor | undefined;

/** A Linear layer (PyTorch layout: weight [out, in]). */
export interface Linear { weight: Weight; bias?: Weight }
/** A LayerNorm: gamma and beta [n] (no beta when the checkpoint has no LayerNorm bias). */
export interface Norm { gamma: Weight; beta?: Weight; eps: number }

const fmt = (dims: readonly number[]) => `[${dims.join(',')}]`;

/** Old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta. */
const legacyName = (name: string) => name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');

export class TensorTable {
  readonly data: HostWeights = new Map();
  /** How each weight taken is stored in the file (derived weights: F32, or their parts' common storage). */
  readonly storage = new Map<Weight, WeightStorage>();
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
    this.data.set(w, t.data);
    this.storage.set(w, { dtype: t.dtype ?? 'F32', quantized: t.quantized });
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
   * Row blocks of several weights stacked into one (Q, K and V into [3H, H]); the parts' values are dropped.
   * Parts stored alike keep that storage (int8 parts with the same group stack their values and scales).
   */
  stack(name: string, parts: readonly Weight[]): Weight {
    const cols = parts[0].shape.slice(1);
    const rows = parts.reduce((n, p) => n + p.shape[0], 0);
    const out = new Float32Array(parts.reduce((n, p) => n + this.data.get(p)!.length, 0));
    let at = 0;
    for (const p of parts) {
      const d = this.data.get(p)!;
      out.set(d, at);
      at += d.length;
      this.data.delete(p);
    }
    const stored = parts.map((p) => this.storage.get(p));
    for (const p of parts) this.storage.delete(p);
    const w = this.derived(name, [rows, ...cols], out);
    const same = stored.every((s) => s?.dtype === stored[0]?.dtype);
    const quantized = stored.map((s) => s?.quantized);
    if (same && stored[0]?.dtype !== 'I8') this.storage.set(w, { dtype: stored[0]?.dtype ?? 'F32' });
    else if (same && quantized.every((q) => q && q.group === quantized[0]!.group && q.cols === quantized[0]!.cols)) {
      const qs = quantized as Quantized[];
      const q = new Int8Array(out.length);
      const scales = new Float32Array(qs.reduce((n, x) => n + x.scales.length, 0));
      let [qa, sa] = [0, 0];
      for (const x of qs) {
        q.set(x.q, qa);
        scales.set(x.scales, sa);
        qa += x.q.length;
        sa += x.scales.length;
      }
      this.storage.set(w, { dtype: 'I8', quantized: { q, scales, rows, cols: qs[0].cols, group: qs[0].group } });
    }
    return w;
  }

  /**
   * A gated layer's weight [2n, ...] (or bias [2n]) with its halves paired row by row, as the matmul's GLU
   * epilogue reads them: row 2c is row c (the activated half), row 2c + 1 is row n + c (the gate). The input
   * is dropped; its storage (f16, bf16, int8 with its scales) is kept.
   */
  pairHalves(name: string, w: Weight): Weight {
    const rows = w.shape[0];
    if (rows % 2) throw new CheckpointError(this.file, `${w.name}: a gated layer needs an even number of rows, got ${rows}`);
    const width = w.shape.slice(1).reduce((a, b) => a * b, 1);
    const n = rows / 2;
    const source = (r: number) => (r % 2 === 0 ? r / 2 : n + (r - 1) / 2);
    const permute = <T extends Float32Array | Int8Array>(src: T, rowWidth: number): T => {
      const out = new (src.constructor as new (n: number) => T)(src.length);
      for (let r = 0; r < rows; r++) out.set(src.subarray(source(r) * rowWidth, (source(r) + 1) * rowWidth), r * rowWidth);
      return out;
    };
    const stored = this.storage.get(w);
    const out = this.derived(name, w.shape, permute(this.data.get(w)!, width));
    this.data.delete(w);
    this.storage.delete(w);
    const q = stored?.quantized;
    if (q) this.storage.set(out, { dtype: 'I8', quantized: { ...q, q: permute(q.q, q.cols), scales: permute(q.scales, q.scales.length / q.rows) } });
    else this.storage.set(out, { dtype: stored?.dtype ?? 'F32' });
    return out;
  }

  /** A weight the family computes (a sinusoidal table, a stacked matrix). */
  derived(name: string, shape: readonly number[], data: Float32Array): Weight {
    const w: Weight = { name, shape: [...shape] };
    this.data.set(w, data);
    this.storage.set(w, { dtype: 'F32' });
    return w;
  }

  /** The values of a weight taken earlier (to compare a stored decoder with the embeddings it may tie to). */
  values(w: Weight): Float32Array {
    const d = this.data.get(w);
    if (!d) throw new Error(`no values for weight "${w.name}"`);
    return d;
  }

  /** A matrix taken earlier as a vector of the same values and name: the GPU keeps vectors f32, for kernels
   * other than the matmuls (MPNet's relative bias table, read by the attention). */
  flatten(w: Weight): Weight {
    const v: Weight = { name: w.name, shape: [w.shape.reduce((a, b) => a * b, 1)] };
    this.data.set(v, this.data.get(w)!);
    this.storage.set(v, { dtype: this.storage.get(w)?.dtype ?? 'F32' });
    this.data.delete(w);
    this.storage.delete(w);
    return v;
  }

  /** Forgets a weight taken earlier: its tensor counts as ignored (a decoder equal to the tied embeddings). */
  drop(w: Weight): void {
    this.data.delete(w);
    this.storage.delete(w);
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
}

export function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}
