// Writers of embedding files, streamed row by row in input order (embed --input … --output FILE):
//   .jsonl  one JSON object per text: {"embedding": [...]} (f32, or f16-rounded values), {"int8": [...],
//           "scale": s} (x ≈ int8 * scale), or {"binary": [...]} (bytes of sign bits);
//   .npy    NumPy's format: [texts, D] <f4 / <f2 / |i1 (scales in FILE.scales.npy, <f4 [texts]) / |u1 [texts, D/8];
//           the header is written with room for the final shape and patched at the end, so stdin works too;
//   .f16    raw little-endian float16 [texts, D].
// Precisions: f32; f16 (round to nearest even); int8 (symmetric per vector: scale = max|x| / 127); binary
// (x > 0 as bits, most significant first per byte, as numpy.packbits and sentence-transformers' "ubinary").
// Each file is written to a temporary file beside it and renamed into place by close() (safe-output.ts): an
// existing output is replaced only by a complete one, and abort() leaves it as it was.
import { f16BitsToNumber, numberToF16Bits } from '../gpu/float16.ts';
import { CliError, UsageError } from './errors.ts';
import { openPending, type PendingFile } from './safe-output.ts';

export const PRECISIONS = ['f32', 'f16', 'int8', 'binary'] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface VectorWriter {
  write(v: Float32Array): Promise<void>;
  /** Completes the files and moves them into place. */
  close(): Promise<{ rows: number; files: string[] }>;
  /** Drops what was written; any file already at the output's name stays as it was. */
  abort(): Promise<void>;
}

const HEADER_BYTES = 128;

/** int8 values and the scale of one vector. */
function int8Of(v: Float32Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  const scale = max / 127;
  return { q: Int8Array.from(v, (x) => (scale > 0 ? Math.round(x / scale) : 0)), scale };
}

function bitsOf(v: Float32Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(v.length / 8));
  v.forEach((x, i) => { if (x > 0) out[i >> 3] |= 0x80 >> (i & 7); });
  return out;
}

function f16Of(v: Float32Array): Uint16Array {
  return Uint16Array.from(v, numberToF16Bits);
}

function npyHeader(descr: string, shape: number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const body = dict.padEnd(HEADER_BYTES - 10 - 1, ' ') + '\n';
  if (body.length + 10 !== HEADER_BYTES) throw new Error('npy header too long');
  const out = new Uint8Array(HEADER_BYTES);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, (HEADER_BYTES - 10) & 0xff, (HEADER_BYTES - 10) >> 8]);
  out.set(new TextEncoder().encode(body), 10);
  return out;
}

async function openOut(file: string): Promise<PendingFile> {
  try {
    return await openPending(file);
  } catch (e) {
    throw new CliError(`--output ${file}: cannot write: ${(e as Error).message}`);
  }
}

/** The second file an output name implies: int8 .npy keeps its scales in FILE.scales.npy. */
export function scalesFileOf(file: string): string {
  return file.replace(/\.npy$/i, '.scales.npy');
}

/** The format of an output name and the precision it holds; a UsageError for a name or pairing it cannot write. */
export function outputFormat(file: string, precision: Precision | undefined): { ext: 'jsonl' | 'npy' | 'f16'; precision: Precision } {
  const ext = /\.(jsonl|npy|f16)$/i.exec(file)?.[1].toLowerCase() as 'jsonl' | 'npy' | 'f16' | undefined;
  if (!ext) throw new UsageError(`--output ${file}: the name must end in .jsonl, .npy or .f16`);
  const p: Precision = precision ?? (ext === 'f16' ? 'f16' : 'f32');
  if (ext === 'f16' && p !== 'f16') throw new UsageError(`--output ${file}: a .f16 file holds float16; --precision ${p} needs .jsonl or .npy`);
  return { ext, precision: p };
}

export async function vectorWriter(file: string, precision: Precision | undefined): Promise<VectorWriter> {
  const { ext, precision: p } = outputFormat(file, precision);
  const pending = await openOut(file);
  const out = pending.handle;
  let rows = 0;
  let width = 0;
  let at = 0;
  const put = async (bytes: Uint8Array) => {
    await out.write(bytes, 0, bytes.length, at);
    at += bytes.length;
  };
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let scalesPending: PendingFile | undefined;
  let scalesAt = HEADER_BYTES;
  const scalesFile = scalesFileOf(file);
  if (ext === 'npy') at = HEADER_BYTES;
  if (ext === 'npy' && p === 'int8') scalesPending = await openOut(scalesFile).catch(async (e) => { await pending.discard(); throw e; });
  const scales = scalesPending?.handle;
  const abort = async () => {
    await Promise.all([pending.discard(), scalesPending?.discard()]);
  };
  const descr = { f32: '<f4', f16: '<f2', int8: '|i1', binary: '|u1' }[p];
  return {
    async write(v) {
      width = v.length;
      rows++;
      if (ext === 'jsonl') {
        let line: unknown;
        if (p === 'f32') line = { embedding: Array.from(v) };
        else if (p === 'f16') line = { embedding: Array.from(f16Of(v), f16BitsToNumber) };
        else if (p === 'int8') { const { q, scale } = int8Of(v); line = { int8: Array.from(q), scale }; }
        else line = { binary: Array.from(bitsOf(v)) };
        await put(new TextEncoder().encode(`${JSON.stringify(line)}\n`));
      } else if (p === 'f32') await put(view(v));
      else if (p === 'f16') await put(view(f16Of(v)));
      else if (p === 'int8') {
        const { q, scale } = int8Of(v);
        await put(view(q));
        const s = new Float32Array([scale]);
        await scales!.write(view(s), 0, 4, scalesAt);
        scalesAt += 4;
      } else await put(bitsOf(v));
    },
    async close() {
      try {
        if (ext === 'npy') {
          const cols = p === 'binary' ? Math.ceil(width / 8) : width;
          await out.write(npyHeader(descr, [rows, cols]), 0, HEADER_BYTES, 0);
          if (scales) await scales.write(npyHeader('<f4', [rows]), 0, HEADER_BYTES, 0);
        }
        // The scales first: a vectors file in place always has its scales beside it.
        await scalesPending?.commit();
        await pending.commit();
      } catch (e) {
        await abort();
        throw new CliError(`--output ${file}: cannot write: ${(e as Error).message}`);
      }
      return { rows, files: scales ? [file, scalesFile] : [file] };
    },
    abort,
  };
}

