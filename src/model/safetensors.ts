/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors, format section).
 *
 * Layout: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON, then the byte buffer.
 * The header maps tensor names to `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the
 * byte buffer) plus an optional `__metadata__` object of strings. The reader checks what the Rust crate's
 * `SafeTensors::deserialize` checks — header size limit, UTF-8, leading `{`, JSON shape, byte counts, and
 * that the tensors tile the buffer exactly (no gap, no overlap, nothing left over) — and reports each
 * failure as its own one-line CheckpointError. No alignment is assumed: reads go through DataView.
 */
import { CheckpointError } from '../errors.ts';
import { parseJsonText } from '../tokenizer/json-text.ts';
import { f16ToF32Table, f32BitsToBf16Bits, f32BitsToF16Bits } from '../gpu/float16.ts';

/** Bytes per element of every byte-sized dtype the Rust crate knows. */
export const DTYPE_SIZES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8, C64: 8,
} as const;
export type Dtype = keyof typeof DTYPE_SIZES;

/** The Rust crate's MAX_HEADER_SIZE: a bigger header is refused before it is read. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Absolute byte range in the file's bytes (8 + N + data_offsets), ready to slice. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, TensorInfo>;
  /** Absolute offset of the byte buffer (8 + header length). */
  dataStart: number;
}

const isDtype = (s: string): s is Dtype => Object.hasOwn(DTYPE_SIZES, s);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const show = (v: unknown): string => ((s) => (s.length > 80 ? `${s.slice(0, 80)}…` : s))(JSON.stringify(v) ?? String(v)); // a line, however large the value

export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  if (bytes.byteLength < 8) {
    fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length prefix`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${headerLen64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLen = Number(headerLen64);
  if (8 + headerLen > bytes.byteLength) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    fail('header is not valid UTF-8');
  }
  // Like the Rust crate, insist on a leading '{': it also makes any JSON that parses an object.
  if (!text.startsWith('{')) fail(`header is not a JSON object: it starts with ${show(text.slice(0, 8))}`);
  let header: unknown;
  try {
    header = parseJsonText(text, (detail) => new Error(detail.replace(/^not valid JSON: /, ''))); // nesting checked before any walk
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }

  const dataStart = 8 + headerLen;
  const bufferLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  const relative: { name: string; begin: number; end: number }[] = [];

  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null) continue; // the Rust crate reads it as Option<HashMap>: null is allowed
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        fail(`"__metadata__" must be an object of strings, got ${show(entry)}`);
      }
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__" value ${show(k)} must be a string, got ${show(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const bad = (detail: string): never => fail(`tensor ${show(name)}: ${detail}`);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      bad(`entry must be an object, got ${show(entry)}`);
    }
    const e = entry as Record<string, unknown>;
    for (const key of ['dtype', 'shape', 'data_offsets']) if (!(key in e)) bad(`missing "${key}"`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== 'string') bad(`"dtype" must be a string, got ${show(dtype)}`);
    if (!isDtype(dtype as string)) bad(`unknown dtype ${show(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      bad(`"shape" must be an array of non-negative integers, got ${show(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      bad(`"data_offsets" must be two non-negative integers [begin, end], got ${show(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    const dims = shape as number[];
    const at = `data_offsets [${begin},${end}]`;
    if (end < begin) bad(`${at} end before begin`);
    if (end > bufferLen) bad(`${at} run past the end of the byte buffer (${bufferLen} bytes)`);
    const elements = dims.reduce((a, b) => a * b, 1);
    const needed = elements * DTYPE_SIZES[dtype as Dtype];
    if (!Number.isSafeInteger(needed)) bad(`shape ${show(dims)} has too many elements`);
    if (end - begin !== needed) {
      bad(`${at} hold ${end - begin} bytes, but shape ${show(dims)} of ${dtype} needs ${needed}`);
    }
    tensors.set(name, { name, dtype: dtype as Dtype, shape: dims, begin: dataStart + begin, end: dataStart + end });
    relative.push({ name, begin, end });
  }

  // The tensors must tile the byte buffer exactly, as the Rust crate's validate() requires.
  relative.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: (typeof relative)[number] | undefined;
  for (const t of relative) {
    if (previous && t.begin < cursor) {
      fail(
        `tensor ${show(t.name)} (data_offsets [${t.begin},${t.end}]) overlaps tensor ` +
          `${show(previous.name)} (data_offsets [${previous.begin},${previous.end}])`,
      );
    }
    if (t.begin > cursor) {
      fail(`gap in the byte buffer: bytes [${cursor},${t.begin}) before tensor ${show(t.name)} belong to no tensor`);
    }
    cursor = t.end;
    previous = t;
  }
  if (cursor !== bufferLen) {
    fail(`gap in the byte buffer: bytes [${cursor},${bufferLen}) after the last tensor belong to no tensor`);
  }
  return { metadata, tensors, dataStart };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The tensor's values as a fresh Float32Array. F16 and BF16 widen exactly; F64 rounds to nearest f32.
 * Integer, bool and 8-bit float dtypes are refused: BERT weights are floating point, and the loader never
 * converts the integer buffers it ignores (e.g. `embeddings.position_ids`).
 */
export function tensorToFloat32(bytes: Uint8Array, info: TensorInfo, file: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + info.begin, info.end - info.begin);
  const n = (info.end - info.begin) / DTYPE_SIZES[info.dtype];
  if (info.dtype === 'F32' && LITTLE_ENDIAN) {
    // All hosts that run WebGPU are little-endian: the bytes are the floats. One copy, no per-element loop,
    // which for BERT-base is the difference between a frozen page and none.
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset + info.begin, bytes.byteOffset + info.end));
  }
  const out = new Float32Array(n);
  switch (info.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    case 'F16': {
      const table = f16ToF32Table();
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = table[view.getUint16(2 * i, true)];
      return out;
    }
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    default:
      throw new CheckpointError(
        file,
        `tensor ${show(info.name)} has dtype ${info.dtype}; only F32, F16, BF16 and F64 load as weights`,
      );
  }
}

/** A tensor to write: floats converted to `dtype`, or raw little-endian bytes for any other dtype. */
export type TensorToWrite =
  | { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array }
  | { dtype: Dtype; shape: number[]; bytes: Uint8Array };

/**
 * Serialises tensors the way the Rust crate does: header JSON padded with spaces so the byte buffer
 * starts at a multiple of 8, `__metadata__` first, tensors in name order, laid out back to back.
 * F16/BF16 round to nearest even.
 */
export function writeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const payload = 'data' in t ? encodeFloats(t.data, t.dtype) : t.bytes;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (payload.byteLength !== elements * DTYPE_SIZES[t.dtype]) {
      throw new RangeError(
        `writeSafetensors: tensor ${show(name)} has ${payload.byteLength} bytes of ${t.dtype}, ` +
          `shape ${show(t.shape)} needs ${elements * DTYPE_SIZES[t.dtype]}`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + payload.byteLength] };
    payloads.push(payload);
    offset += payload.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen);
  let at = 8 + headerLen;
  for (const p of payloads) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function encodeFloats(data: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Uint8Array {
  const size = DTYPE_SIZES[dtype];
  const out = new Uint8Array(data.length * size);
  const view = new DataView(out.buffer);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'F32') view.setUint32(4 * i, bits[i], true);
    else if (dtype === 'F16') view.setUint16(2 * i, f32BitsToF16Bits(bits[i]), true);
    else view.setUint16(2 * i, f32BitsToBf16Bits(bits[i]), true);
  }
  return out;
}
