// Uniform parameters of every step live in a few shared buffers, written once when a step is prepared
// (plan once, run many). A slot is 256 bytes apart because minUniformBufferOffsetAlignment can be 256.
import type { Gpu } from './device.ts';
import { alignUp, createBuffer } from './tensor.ts';

export type ParamType = 'u32' | 'i32' | 'f32';
export interface ParamField { name: string; type: ParamType }

const SLOT_ALIGNMENT = 256;
const CHUNK_BYTES = 64 * 1024;

export interface UniformSlot { buffer: GPUBuffer; offset: number; size: number }

export class UniformArena {
  private chunks: GPUBuffer[] = [];
  private used = CHUNK_BYTES;
  bytes = 0;

  constructor(private gpu: Gpu, private label = 'uniforms') {}

  async alloc(size: number): Promise<UniformSlot> {
    const padded = alignUp(size, 16);
    if (this.used + padded > CHUNK_BYTES) {
      const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
      this.chunks.push(await createBuffer(this.gpu, CHUNK_BYTES, usage, `${this.label} #${this.chunks.length}`));
      this.used = 0;
      this.bytes += CHUNK_BYTES;
    }
    const slot = { buffer: this.chunks[this.chunks.length - 1], offset: this.used, size: padded };
    this.used = alignUp(this.used + padded, SLOT_ALIGNMENT);
    return slot;
  }

  destroy(): void {
    for (const b of this.chunks) b.destroy();
    this.chunks = [];
    this.used = CHUNK_BYTES;
  }
}

/** Parses `'m: u32'` field declarations (the same text as the WGSL `struct Params`). */
export function parseParamFields(fields: readonly string[]): ParamField[] {
  return fields.map((f) => {
    const [name, type] = f.split(':').map((s) => s.trim());
    if (type !== 'u32' && type !== 'i32' && type !== 'f32') throw new Error(`param "${f}": type must be u32, i32 or f32`);
    return { name, type };
  });
}

/** Packs named values into the byte layout of a WGSL struct of 4-byte scalars. Every field must be given. */
export function packParams(kernel: string, fields: readonly ParamField[], values: Record<string, number>): ArrayBuffer {
  const bytes = new ArrayBuffer(alignUp(Math.max(fields.length, 1) * 4, 16));
  const view = new DataView(bytes);
  for (const name of Object.keys(values)) {
    if (!fields.some((f) => f.name === name)) throw new Error(`${kernel}: unknown param "${name}"`);
  }
  fields.forEach((f, i) => {
    const v = values[f.name];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${kernel}: param "${f.name}" is missing or not a number`);
    if (f.type === 'f32') view.setFloat32(i * 4, v, true);
    else if (!Number.isInteger(v) || (f.type === 'u32' ? v < 0 || v > 0xffffffff : v < -(2 ** 31) || v >= 2 ** 31)) {
      throw new Error(`${kernel}: param "${f.name}" = ${v} does not fit ${f.type}`);
    } else if (f.type === 'u32') view.setUint32(i * 4, v, true);
    else view.setInt32(i * 4, v, true);
  });
  return bytes;
}
