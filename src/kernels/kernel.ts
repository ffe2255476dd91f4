// A kernel is one .wgsl file (plus shared snippets) and this small description of it: its bindings, its
// uniform params, its override constants and its preprocessor defines. `prepare` turns a kernel, a variant
// and concrete tensors into a Step: pipeline, bind group and workgroup counts, ready to record any number
// of times. The dispatch math lives in each kernel's own module.
import type { Gpu } from '../gpu/device.ts';
import { getPipeline, type Access, type BindingSpec, type CompiledPipeline } from '../gpu/pipeline-cache.ts';
import { buildShader, type Defines } from '../gpu/shaders.ts';
import { byteSize, VIEW_ALIGNMENT, type GpuTensor } from '../gpu/tensor.ts';
import { packParams, parseParamFields, UniformArena, type ParamField } from '../gpu/uniforms.ts';

/**
 * Invocations per row for the one-workgroup-per-row kernels (LayerNorm, softmax, embeddings). 64 fills a
 * wave on AMD and two warps on NVIDIA, and a row of 768 is 12 loads each. Measured on SwiftShader
 * (128 x 768 LayerNorm): 256 invocations 56 ms, 64: 12 ms, 32: 6 ms, because every barrier of the tree
 * reduction switches every invocation's coroutine; 32 would halve occupancy on GPUs, so 64.
 */
export const ROW_WORKGROUP = 64;

/**
 * Workgroups a dispatch needs to fill a 100+-unit GPU a couple of times over (H100/H200: 132 SMs): what
 * split kernels aim for, and the threshold of the occupancy report (graph/occupancy.ts).
 */
export const OCCUPANCY_WORKGROUPS = 256;

/** Devices whose row reductions were told not to use subgroup operations (tests and benches compare both). */
const subgroupsOff = new WeakSet<GPUDevice>();

/**
 * Whether the row kernels' reductions (reduce.wgsl: LayerNorm, softmax, embeddings, pooling) use subgroup
 * operations: where the device has the `subgroups` feature, unless turned off with setRowSubgroups.
 */
export function rowSubgroups(gpu: Gpu): boolean {
  return gpu.adapter.subgroups && !subgroupsOff.has(gpu.device);
}

export function setRowSubgroups(gpu: Gpu, on: boolean): void {
  if (on) subgroupsOff.delete(gpu.device);
  else subgroupsOff.add(gpu.device);
}

export interface KernelSpec<C extends Record<string, number>, D extends Defines> {
  name: string;
  /** Shared snippets first, the kernel's own file last. */
  shaders: readonly string[];
  /** `'name: read' | 'name: write' | 'name: uniform'`, optionally `' if DEFINE'`; binding number = position. */
  bindings: readonly string[];
  /** The fields of the WGSL `struct Params`, in order: `'m: u32'`. Bound as the binding named `params`. */
  params: readonly string[];
  /** Override constants with their defaults (tile and workgroup sizes). */
  constants: C;
  /** Preprocessor values with their defaults (fused epilogues, layouts). */
  defines: D;
}

/** `{ X: true }` in a spec means "a boolean defaulting to true", not the literal type `true`. */
type Widen<T> = { [K in keyof T]: T[K] extends boolean ? boolean : T[K] extends number ? number : T[K] };

export interface Variant<C, D> {
  constants?: Partial<Widen<C>>;
  defines?: Partial<Widen<D>>;
}

/** Everything needed to record one dispatch, built once. */
export interface Step {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  /** Invocations per workgroup (the shader's @workgroup_size with this variant's constants). */
  invocations: number;
  /** Bytes of the tensors bound for reading and for writing (each counted once, however often it is read). */
  bytesRead: number;
  bytesWritten: number;
  /** How the workgroup count follows from the shape ("T rows, one workgroup each"): the occupancy report's why. */
  grid: string;
}

/**
 * Invocations per workgroup: the `@workgroup_size(...)` of a kernel's specialised source, each term resolved
 * against the pipeline's override constants, then the source's own `override` / `const` declarations
 * (`override WG_X: u32 = BN / TN;`), evaluated as u32 arithmetic (+ - * / and parentheses).
 */
export function workgroupSizeOf(kernel: string, source: string, constants: Record<string, number>): number {
  const m = /@workgroup_size\(([^)]*)\)/.exec(source);
  if (!m) throw new Error(`${kernel}: no @workgroup_size in its shader`);
  const decls = new Map<string, string>();
  for (const d of source.matchAll(/\b(?:override|const)\s+(\w+)\s*:\s*u32\s*=\s*([^;]+);/g)) decls.set(d[1], d[2]);
  const value = (name: string, depth: number): number => {
    if (name in constants) return constants[name];
    const expr = decls.get(name);
    if (expr === undefined || depth > 8) throw new Error(`${kernel}: @workgroup_size refers to "${name}", which is neither a constant nor declared`);
    return evaluate(expr, depth + 1);
  };
  const evaluate = (expr: string, depth: number): number => {
    const tokens = expr.match(/\d+u?|\w+|[-+*/()]/g) ?? [];
    let i = 0;
    const atom = (): number => {
      const t = tokens[i++];
      if (t === '(') { const v = sum(); i++; return v; }
      if (t === undefined) throw new Error(`${kernel}: cannot read "${expr}" in @workgroup_size`);
      return /^\d/.test(t) ? parseInt(t, 10) : value(t, depth);
    };
    const product = (): number => {
      let v = atom();
      while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * atom() : Math.floor(v / atom());
      return v;
    };
    const sum = (): number => {
      let v = product();
      while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
      return v;
    };
    return sum();
  };
  return m[1].split(',').map((t) => t.trim()).filter(Boolean).reduce((p, t) => p * evaluate(t, 0), 1);
}

export interface BindingDecl extends BindingSpec { when?: string }

export function parseBindings(kernel: string, decls: readonly string[]): BindingDecl[] {
  return decls.map((d, binding) => {
    const m = /^(\w+):\s*(read|write|uniform)(?:\s+if\s+(\w+))?$/.exec(d.trim());
    if (!m) throw new Error(`${kernel}: binding "${d}" is not "name: read|write|uniform [if DEFINE]"`);
    return { name: m[1], access: m[2] as Access, binding, when: m[3] };
  });
}

export class Kernel<C extends Record<string, number>, D extends Defines> {
  readonly bindings: BindingDecl[];
  readonly paramFields: ParamField[];

  constructor(readonly spec: KernelSpec<C, D>) {
    this.bindings = parseBindings(spec.name, spec.bindings);
    this.paramFields = parseParamFields(spec.params);
  }

  get name(): string {
    return this.spec.name;
  }

  /** The variant with defaults filled in: what the cache key and the dispatch math both read. */
  resolve(variant: Variant<C, D> = {}): { constants: C; defines: D } {
    for (const k of Object.keys(variant.constants ?? {})) if (!(k in this.spec.constants)) throw new Error(`${this.name}: unknown constant ${k}`);
    for (const k of Object.keys(variant.defines ?? {})) if (!(k in this.spec.defines)) throw new Error(`${this.name}: unknown define ${k}`);
    return {
      constants: { ...this.spec.constants, ...variant.constants } as C,
      defines: { ...this.spec.defines, ...variant.defines } as D,
    };
  }

  private sizes = new Map<string, number>();

  /** Invocations per workgroup of one specialisation (cached by its pipeline key). */
  private invocations(key: string, constants: C, defines: D): number {
    let n = this.sizes.get(key);
    if (n === undefined) {
      n = workgroupSizeOf(this.name, buildShader(this.spec.shaders, defines), constants);
      this.sizes.set(key, n);
    }
    return n;
  }

  activeBindings(defines: D): BindingDecl[] {
    return this.bindings.filter((b) => !b.when || defines[b.when]);
  }

  pipeline(gpu: Gpu, variant: Variant<C, D> = {}): Promise<CompiledPipeline> {
    const { constants, defines } = this.resolve(variant);
    return getPipeline(gpu, {
      name: this.name, files: this.spec.shaders, bindings: this.activeBindings(defines), constants, defines,
    });
  }

  /** Builds a Step: uniforms written now, pipeline and bind group made (or taken from the cache) now. */
  async prepare(gpu: Gpu, args: {
    variant?: Variant<C, D>;
    tensors: Record<string, GpuTensor | undefined>;
    params: Record<string, number>;
    workgroups: [number, number, number];
    uniforms: UniformArena;
    label?: string;
    /** How the workgroup count follows from the shape (default: the counts themselves). */
    grid?: string;
  }): Promise<Step> {
    const { constants, defines } = this.resolve(args.variant);
    const { pipeline, layout, key } = await this.pipeline(gpu, args.variant);
    const label = args.label ?? this.name;
    const data = packParams(this.name, this.paramFields, args.params);
    const slot = await args.uniforms.alloc(data.byteLength);
    gpu.device.queue.writeBuffer(slot.buffer, slot.offset, data);
    let bytesRead = 0;
    let bytesWritten = 0;
    const entries: GPUBindGroupEntry[] = this.activeBindings(defines).map((b) => {
      if (b.access === 'uniform') return { binding: b.binding, resource: { buffer: slot.buffer, offset: slot.offset, size: slot.size } };
      const t = args.tensors[b.name];
      if (!t) throw new Error(`${label}: tensor "${b.name}" is required by ${key}`);
      if (b.access === 'read') bytesRead += byteSize(t);
      else bytesWritten += byteSize(t);
      if (t.byteOffset % VIEW_ALIGNMENT) throw new Error(`${label}: "${b.name}" starts at byte ${t.byteOffset}, not a multiple of ${VIEW_ALIGNMENT}`);
      return { binding: b.binding, resource: { buffer: t.buffer, offset: t.byteOffset, size: Math.max(byteSize(t), 4) } };
    });
    const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
    if (args.workgroups.some((n) => n > limit)) throw new Error(`${label}: ${args.workgroups} workgroups exceed the limit of ${limit} per dimension`);
    const bindGroup = await gpu.scoped(`bind group for ${label}`, () =>
      gpu.device.createBindGroup({ layout, entries, label }));
    const invocations = this.invocations(key, constants, defines);
    return { label, pipeline, bindGroup, workgroups: args.workgroups, invocations, bytesRead, bytesWritten, grid: args.grid ?? args.workgroups.join(' x ') };
  }
}

export function defineKernel<C extends Record<string, number>, D extends Defines>(spec: KernelSpec<C, D>): Kernel<C, D> {
  return new Kernel(spec);
}

/** Records steps into one compute pass (no allocation, no validation: the steps are ready). */
export function recordSteps(pass: GPUComputePassEncoder, steps: readonly Step[]): void {
  for (const s of steps) {
    if (s.workgroups.some((n) => n === 0)) continue;
    pass.setPipeline(s.pipeline);
    pass.setBindGroup(0, s.bindGroup);
    pass.dispatchWorkgroups(...s.workgroups);
  }
}

/** One command encoder, one compute pass, one submit. Resolves once the submit is validated (not finished). */
export async function runSteps(gpu: Gpu, steps: readonly Step[], label = 'steps'): Promise<void> {
  await gpu.scoped(`run ${label}`, () => {
    const encoder = gpu.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    recordSteps(pass, steps);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
  });
}

/** Splits a 1-D count of workgroups over x and y when it passes the per-dimension limit (65535). */
export function grid1d(workgroups: number, limit = 65535): [number, number, number] {
  if (workgroups <= limit) return [workgroups, 1, 1];
  const y = Math.ceil(workgroups / limit);
  return [Math.ceil(workgroups / y), y, 1];
}
