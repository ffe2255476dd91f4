// Whole-plan autotuning: the options that change a plan's shape rather than one kernel's tiles (dense +
// residual + LayerNorm fused into one dispatch or run as two, and the attention variant) chosen by timing,
// per adapter, model shape and token-count class (runtime/buckets.ts). Each candidate is planned for real (its matmuls
// tuned as usual), then its layer-0 dispatches are timed (every layer repeats them; embeddings and heads are
// the same for every candidate), and the fastest plan is kept. Results live with the matmul tunings (same
// cache, same store, `|plan|` in the key).
import type { Gpu } from '../gpu/device.ts';
import { timeSteps, type TimingMethod } from '../kernels/timer.ts';
import { ATTENTION_VARIANTS } from '../kernels/attention.ts';
import { adapterKey, cachedTuning, registerTuningKind, rememberTuning, type TuneResult } from '../kernels/autotune.ts';
import type { ForwardPlan } from '../graph/plan.ts';

export interface PlanChoice { fuseLayerNorm: boolean; attention: string }

/** Once spent, the remaining candidates are not timed (the best so far wins). */
export const PLAN_TUNE_BUDGET_MS = 4000;

export const planChoiceName = (c: PlanChoice) => `${c.fuseLayerNorm ? 'fused' : 'unfused'}+${c.attention}`;

export function parsePlanChoice(name: string): PlanChoice | undefined {
  const m = /^(fused|unfused)\+(.+)$/.exec(name);
  if (!m || !ATTENTION_VARIANTS.some((v) => v.name === m[2])) return undefined;
  return { fuseLayerNorm: m[1] === 'fused', attention: m[2] };
}

registerTuningKind('plan', (config) => parsePlanChoice(config) !== undefined);

/** Key of a plan tuning: the adapter, what shapes the plan (family, widths, storage, heads asked), and the
 * token-count class (runtime/buckets.ts) of the shapes it serves. */
export function planTuneKey(gpu: Gpu, model: string, tokens: number): string {
  return `${adapterKey(gpu)}|plan|${model}|t${tokens}`;
}

export interface PlanTuning extends TuneResult {
  choice: PlanChoice;
}

/** The stored choice for `key`, if this adapter tuned it before (in this process or a restored store). */
export function tunedPlanChoice(gpu: Gpu, key: string): PlanChoice | undefined {
  const hit = cachedTuning(gpu, key);
  return hit && parsePlanChoice(hit.config);
}

/**
 * Times each candidate's layer-0 dispatches (runs 3 after a warm-up; GPU timestamps where the adapter has
 * them) and returns the fastest with its plan; the other plans are destroyed as soon as they lose.
 */
export async function tunePlan(gpu: Gpu, key: string, candidates: readonly PlanChoice[], build: (c: PlanChoice) => Promise<ForwardPlan>, opts: { budgetMs?: number; onProgress?: (line: string) => void } = {}): Promise<{ tuning: PlanTuning; plan: ForwardPlan }> {
  const started = performance.now();
  const budget = opts.budgetMs ?? PLAN_TUNE_BUDGET_MS;
  const medians: Record<string, number> = {};
  let method: TimingMethod = 'wall-clock';
  let best: { choice: PlanChoice; plan: ForwardPlan; ms: number } | undefined;
  for (const choice of candidates) {
    if (best && performance.now() - started > budget) {
      opts.onProgress?.(`plan tuning: budget of ${budget} ms spent, ${planChoiceName(choice)} and later skipped`);
      break;
    }
    const plan = await build(choice);
    const layer = plan.steps.filter((s, i) => plan.info[i].layer === 0 && s.workgroups.every((n) => n > 0));
    const timing = await timeSteps(gpu, layer.length ? layer : plan.steps, { runs: 3, warmup: 1, label: `plan tuning ${planChoiceName(choice)}` });
    medians[planChoiceName(choice)] = timing.median;
    method = timing.method;
    opts.onProgress?.(`plan tuning: ${planChoiceName(choice)} ${timing.median.toFixed(3)} ms per layer`);
    if (!best || timing.median < best.ms) {
      best?.plan.destroy();
      best = { choice, plan, ms: timing.median };
    } else {
      plan.destroy();
    }
  }
  if (!best) throw new Error('plan tuning: no candidate');
  const tuning: PlanTuning = { key, config: planChoiceName(best.choice), medians, method, choice: best.choice };
  rememberTuning(gpu, { key, config: tuning.config, medians, method });
  return { tuning, plan: best.plan };
}
