// The only place that creates compute pipelines. Pipelines are cached per device under a key derived from
// the kernel name, its override constants and its preprocessor defines: nothing is typed by hand, so a new
// constant can never be forgotten in the key. Compiles go through createComputePipelineAsync, so a planner
// that asks for many pipelines at once has them compiled in parallel where the implementation can.
import type { Gpu } from './device.ts';
import { GpuValidationError } from './errors.ts';
import { buildShader, type Defines } from './shaders.ts';

export type Access = 'read' | 'write' | 'uniform';
export interface BindingSpec { name: string; access: Access; binding: number }

export interface PipelineRequest {
  name: string;
  files: readonly string[];
  bindings: readonly BindingSpec[];
  constants: Record<string, number>;
  defines: Defines;
}

export interface CompiledPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  key: string;
}

const caches = new WeakMap<GPUDevice, Map<string, Promise<CompiledPipeline>>>();
const compiled = new WeakMap<GPUDevice, { count: number; ms: number }>();
const now = () => (globalThis.performance ?? Date).now();

export function pipelineKey(r: Pick<PipelineRequest, 'name' | 'constants' | 'defines'>): string {
  const sorted = (o: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  return `${r.name}|${sorted(r.constants)}|${sorted(r.defines)}`;
}

function layoutEntry(b: BindingSpec): GPUBindGroupLayoutEntry {
  const type: GPUBufferBindingType = b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage';
  return { binding: b.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } };
}

async function compile(gpu: Gpu, r: PipelineRequest, key: string): Promise<CompiledPipeline> {
  const started = now();
  const code = buildShader(r.files, r.defines);
  const { device } = gpu;
  let module: GPUShaderModule | undefined;
  try {
    const { layout, pipelineLayout } = await gpu.scoped(`compile ${key}`, () => {
      module = device.createShaderModule({ code, label: r.name });
      // Explicit layouts (not 'auto') so one bind group fits every variant of a kernel with the same bindings.
      const layout = device.createBindGroupLayout({ entries: r.bindings.map(layoutEntry), label: r.name });
      return { layout, pipelineLayout: device.createPipelineLayout({ bindGroupLayouts: [layout] }) };
    });
    // The async form reports its errors by rejecting (a GPUPipelineError), not through error scopes.
    const pipeline = await gpu.guard(device.createComputePipelineAsync({
      label: key,
      layout: pipelineLayout,
      compute: { module: module!, entryPoint: 'main', constants: r.constants },
    }));
    const c = compiled.get(device) ?? { count: 0, ms: 0 };
    compiled.set(device, { count: c.count + 1, ms: c.ms + now() - started });
    return { pipeline, layout, key };
  } catch (error) {
    // A WGSL compile error reads best from the module's own compilation log, with its line number.
    const info = await module?.getCompilationInfo();
    const first = info?.messages.find((m) => m.type === 'error');
    if (first) throw new GpuValidationError(`compile ${key}: line ${first.lineNum}: ${first.message.split('\n')[0]}`);
    if (error instanceof Error && error.name === 'GPUPipelineError') throw new GpuValidationError(`compile ${key}: ${error.message.split('\n')[0]}`);
    throw error;
  }
}

/** The pipeline for a kernel variant, compiled once per device. */
export function getPipeline(gpu: Gpu, r: PipelineRequest): Promise<CompiledPipeline> {
  let cache = caches.get(gpu.device);
  if (!cache) caches.set(gpu.device, (cache = new Map()));
  const key = pipelineKey(r);
  let entry = cache.get(key);
  if (!entry) {
    entry = compile(gpu, r, key);
    // A failed compile is not cached: the next call reports the error again instead of a stale promise.
    entry.catch(() => cache!.delete(key));
    cache.set(key, entry);
  }
  return entry;
}

export function cachedPipelineCount(gpu: Gpu): number {
  return caches.get(gpu.device)?.size ?? 0;
}

/** Pipelines compiled on this device so far, and the sum of their compile times (they may overlap). */
export function compileSpent(gpu: Gpu): { count: number; ms: number } {
  return compiled.get(gpu.device) ?? { count: 0, ms: 0 };
}
