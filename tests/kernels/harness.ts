// What every GPU kernel case gets: the device, a uniform arena, and tensors that are freed after the case.
import type { Gpu } from '../../src/gpu/device.ts';
import { createTensor, fillTensor, readTensor, uploadTensor, type DType, type GpuTensor } from '../../src/gpu/tensor.ts';
import { UniformArena } from '../../src/gpu/uniforms.ts';
import { uploadPacked, type PackedData } from '../../src/gpu/packed.ts';
import { runSteps, type Step } from '../../src/kernels/kernel.ts';
import type { CompareReport } from '../../src/reference/compare.ts';

export class CaseContext {
  private owned: GpuTensor[] = [];

  constructor(readonly gpu: Gpu, readonly uniforms: UniformArena) {}

  async input(data: Float32Array | Uint32Array, shape: readonly number[], label: string): Promise<GpuTensor> {
    const t = await uploadTensor(this.gpu, data, shape, label);
    this.owned.push(t);
    return t;
  }

  /** A weight in a packed storage format (f16, bf16, i8 with its scales). */
  async packed(p: PackedData, shape: readonly number[], label: string): Promise<GpuTensor> {
    const t = await uploadPacked(this.gpu, p, shape, label);
    this.owned.push(t);
    if (t.scales) this.owned.push(t.scales);
    return t;
  }

  /** An output tensor filled with NaN, so an element the kernel forgets to write fails the comparison. */
  async output(shape: readonly number[], label: string, dtype: DType = 'f32'): Promise<GpuTensor> {
    const t = await createTensor(this.gpu, shape, dtype, label);
    fillTensor(this.gpu, t, NaN);
    this.owned.push(t);
    return t;
  }

  async run(steps: Step[]): Promise<void> {
    await runSteps(this.gpu, steps, steps.map((s) => s.label).join(', '));
  }

  read(t: GpuTensor): Promise<Float32Array | Uint32Array | Int32Array> {
    return readTensor(this.gpu, t);
  }

  dispose(): void {
    for (const t of this.owned) t.buffer.destroy();
    this.owned = [];
  }
}

export interface KernelCase {
  name: string;
  /** Seed of the inputs: printed with every failure so it can be replayed. */
  seed: number;
  run(ctx: CaseContext): Promise<CompareReport[]>;
}

/** Runs one case with its own tensors and returns a failure message ('' when every output passed). */
export async function runCase(gpu: Gpu, uniforms: UniformArena, c: KernelCase): Promise<{ ok: boolean; message: string }> {
  const ctx = new CaseContext(gpu, uniforms);
  try {
    const reports = await c.run(ctx);
    const failed = reports.filter((r) => !r.pass);
    const text = (failed.length ? failed : reports).map((r) => r.message).join('; ');
    return { ok: failed.length === 0 && reports.length > 0, message: `${c.name} (seed ${c.seed}): ${text || 'no outputs compared'}` };
  } finally {
    ctx.dispose();
  }
}
