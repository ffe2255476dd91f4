// The plans of one model, by shape class and request, most recently used last. A plan is GPU memory
// (activations, attention scratch, its input and readback buffers), so the cache is bounded by count and by
// bytes, and a plan it lets go of is destroyed at once. Each entry also owns what a forward on it needs on
// the host side: the input bytes it writes with one writeBuffer (views per input) and the readback buffer.
import type { ForwardPlan } from '../graph/plan.ts';
import type { GraphInputs } from './forward.ts';

/** Plans kept at most, and their GPU bytes at most (the plan in use is always kept). */
export const MAX_PLANS = 32;
export const MAX_PLAN_BYTES = 512 * 2 ** 20;

export interface PlanEntry {
  plan: ForwardPlan;
  /** The input bytes, laid out as the plan's input buffer, and typed views of each input in it. */
  inputHost: ArrayBuffer;
  inputViews: GraphInputs;
  /** MAP_READ buffer the outputs are copied into, grown on demand; timestamp queries when profiling. */
  staging?: GPUBuffer;
  querySet?: GPUQuerySet;
  resolved?: GPUBuffer;
}

export const planBytes = (e: PlanEntry) => e.plan.activationBytes + e.plan.attentionBytes + e.plan.inputBytes + (e.staging?.size ?? 0) + (e.resolved?.size ?? 0);

export function destroyEntry(e: PlanEntry): void {
  e.plan.destroy();
  e.staging?.destroy();
  e.querySet?.destroy();
  e.resolved?.destroy();
}

/** A plan's entry: host views of its input buffer, at the offsets the planner gave each input. */
export function planEntry(plan: ForwardPlan): PlanEntry {
  const inputHost = new ArrayBuffer(plan.inputBytes);
  const u32 = (t: ForwardPlan['inputs'][keyof ForwardPlan['inputs']]) => new Uint32Array(inputHost, t.byteOffset, t.shape.reduce((a, b) => a * b, 1));
  const f32 = (t: ForwardPlan['inputs'][keyof ForwardPlan['inputs']]) => new Float32Array(inputHost, t.byteOffset, t.shape.reduce((a, b) => a * b, 1));
  const i = plan.inputs;
  return { plan, inputHost, inputViews: { ids: u32(i.ids), tokenTypes: u32(i.tokenTypes), positions: u32(i.positions), mask: f32(i.mask), poolMask: f32(i.poolMask) } };
}

export class PlanCache {
  private readonly entries = new Map<string, PlanEntry>();

  constructor(private readonly limits: { plans: number; bytes: number } = { plans: MAX_PLANS, bytes: MAX_PLAN_BYTES }) {}

  get size(): number {
    return this.entries.size;
  }

  /** GPU bytes of the plans held. */
  get bytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += planBytes(e);
    return n;
  }

  /** Host bytes the plans keep: their input bytes. */
  get hostBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.inputHost.byteLength;
    return n;
  }

  /** The entry for `key`, now the most recently used. */
  get(key: string): PlanEntry | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  add(key: string, plan: ForwardPlan): PlanEntry {
    const old = this.entries.get(key);
    if (old) destroyEntry(old);
    this.entries.delete(key);
    const e = planEntry(plan);
    this.entries.set(key, e);
    this.evict();
    return e;
  }

  /** Drops the least recently used plans past the limits, keeping the newest one whatever its size. */
  evict(): void {
    while (this.entries.size > 1 && (this.entries.size > this.limits.plans || this.bytes > this.limits.bytes)) {
      const [key, e] = this.entries.entries().next().value!;
      this.entries.delete(key);
      destroyEntry(e);
    }
  }

  clear(): void {
    for (const e of this.entries.values()) destroyEntry(e);
    this.entries.clear();
  }
}
