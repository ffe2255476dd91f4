// Plans of one model: which plan a forward runs (its shape class, heads asked, options), building it on a
// miss, and whole-plan tuning (fused or unfused LayerNorm, the attention variant) once per token-count class
// when the model tunes plans. Built plans live in the PlanCache.
import type { Gpu } from '../gpu/device.ts';
import type { DType } from '../gpu/tensor.ts';
import { compileSpent } from '../gpu/pipeline-cache.ts';
import { ATTENTION_VARIANTS, attentionVariant, variantRefuses } from '../kernels/attention.ts';
import { autotuneMatmul, cachedTuning, persistTuning, tuningSpent } from '../kernels/autotune.ts';
import { matmulConfig, type MatmulConfig } from '../kernels/matmul.ts';
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily, HeadRequest } from '../families/family.ts';
import { planGraph, type ForwardPlan } from '../graph/plan.ts';
import type { Weight } from '../graph/weight.ts';
import { tokenClass } from './buckets.ts';
import { buildGraph } from './forward.ts';
import { chooseAttention } from './options.ts';
import { PlanCache, type PlanEntry } from './plan-cache.ts';
import { planTuneKey, tunedPlanChoice, tunePlan, type PlanChoice } from './plan-tune.ts';
import type { WeightArena } from './upload.ts';

export type PlanOptionsOf = { attention: string; attentions: boolean; fuseLayerNorm: boolean };

/** The plan options of the most recent forward, and the whole-plan tuning behind them (per-layer medians). */
export type PlanOptionsReport = { fuseLayerNorm: boolean; attention: string; tuned?: { key: string; medians: Record<string, number>; method: string } } | undefined;

export interface PlannerSetup {
  gpu: Gpu;
  family: AnyFamily;
  config: EncoderConfig;
  weights: unknown;
  arena: WeightArena;
  /** The model's attention variant and LayerNorm fusion. */
  attention: string;
  fuseLayerNorm: boolean;
  /** 'autotune' or one configuration's name; with 'autotune', the candidates when a list was given. */
  matmul: string;
  matmulCandidates: readonly MatmulConfig[] | undefined;
  /** Which plan options whole-plan tuning may change (none: 'fixed'). */
  planTuning: { fuseLayerNorm: boolean; attention: boolean };
  cache: PlanCache;
}

/** Timings of the first plan built: where a cold start's first forward went. */
export interface FirstPlanTimes { planMs: number; tuneMs: number; pipelinesCompiled: number; compileMs: number }

export class Planner {
  plansBuilt = 0;
  lastOptions: PlanOptionsReport;
  firstPlan: FirstPlanTimes | undefined;

  constructor(private readonly s: PlannerSetup) {}

  /** The plan entry for `rows` x `bucket` and this request, built (and tuned) on a miss. */
  async entryFor(rows: number, bucket: number, req: HeadRequest, asked: { attention?: string; attentions?: boolean }): Promise<PlanEntry> {
    const s = this.s;
    let options: PlanOptionsOf = {
      attention: asked.attention ? chooseAttention(asked.attention, s.family, s.config) : s.attention,
      attentions: Boolean(asked.attentions), fuseLayerNorm: s.fuseLayerNorm,
    };
    let tuned: NonNullable<PlanOptionsReport>['tuned'];
    const tunable = { fuseLayerNorm: s.planTuning.fuseLayerNorm, attention: s.planTuning.attention && !asked.attention };
    if (tunable.fuseLayerNorm || tunable.attention) {
      const key = planTuneKey(s.gpu, this.signature(req, options.attentions, tunable), tokenClass(rows, bucket));
      const known = tunedPlanChoice(s.gpu, key);
      if (known) {
        options = { ...options, ...known };
      } else {
        const candidates = this.candidates(options, tunable);
        const { tuning, plan } = await tunePlan(s.gpu, key, candidates, (c) => this.build(rows, bucket, req, { ...options, ...c }));
        options = { ...options, ...tuning.choice };
        s.cache.add(this.key(rows, bucket, req, options), plan);
        await persistTuning(s.gpu);
      }
      const hit = cachedTuning(s.gpu, key);
      tuned = hit && { key, medians: hit.medians, method: hit.method };
    }
    this.lastOptions = { fuseLayerNorm: options.fuseLayerNorm, attention: options.attention, ...(tuned && { tuned }) };
    const key = this.key(rows, bucket, req, options);
    const cached = s.cache.get(key);
    if (cached) return cached;
    const plan = await this.build(rows, bucket, req, options);
    // New tunings outlive the process (a failing store only means tuning again next time).
    if (s.matmul === 'autotune') await persistTuning(s.gpu);
    return s.cache.add(key, plan);
  }

  /** Builds one plan for `rows` x `bucket` (its caller caches it); the first one built times the cold start. */
  private async build(rows: number, bucket: number, req: HeadRequest, options: PlanOptionsOf): Promise<ForwardPlan> {
    const s = this.s;
    const blocks = (w: Weight) => s.arena.blocks(w);
    const graph = buildGraph(s.family, s.config, s.weights, { batch: rows, seqLen: bucket }, req, { ...options, blocks });
    const [started, tuned, compiled] = [now(), tuningSpent(s.gpu), compileSpent(s.gpu)];
    const plan = await planGraph(s.gpu, graph, s.arena, { matmulConfig: (m, n, k, transB, bDtype, glu) => this.matmulConfig(m, n, k, transB, bDtype, glu) });
    if (this.plansBuilt === 0) {
      const [t, c] = [tuningSpent(s.gpu), compileSpent(s.gpu)];
      this.firstPlan = { planMs: now() - started, tuneMs: t.ms - tuned.ms, pipelinesCompiled: c.count - compiled.count, compileMs: c.ms - compiled.ms };
    }
    this.plansBuilt++;
    return plan;
  }

  /** Short and exact: every field that changes the plan, in a fixed order. */
  private key(rows: number, bucket: number, req: HeadRequest, o: PlanOptionsOf): string {
    return `${rows}x${bucket}|${requestKey(req)}|${o.attention}|${o.attentions ? 1 : 0}|${o.fuseLayerNorm ? 1 : 0}`;
  }

  /** What a plan's timing depends on besides the adapter and the shape: the model's widths and storage, the heads asked. */
  private signature(req: HeadRequest, attentions: boolean, tunable: { fuseLayerNorm: boolean; attention: boolean }): string {
    const { config: c, family, arena, fuseLayerNorm, attention, matmulCandidates } = this.s;
    const storage = Object.keys(arena.storage).sort().join('+');
    return [family.name, `h${c.hiddenSize}`, `l${c.numHiddenLayers}`, `a${c.numAttentionHeads}`, `i${c.intermediateSize}`, storage,
      (family.attentionFeatures?.(c) ?? []).join('+') || 'plain', attentions ? 'maps' : '', requestKey(req),
      tunable.fuseLayerNorm ? '' : `ln${fuseLayerNorm ? 1 : 0}`, tunable.attention ? '' : attention,
      matmulCandidates ? `only=${matmulCandidates.map((m) => m.name).join('+')}` : ''].join(',');
  }

  /** Fused and unfused LayerNorm x every attention variant that takes this model (the defaults first). */
  private candidates(options: PlanOptionsOf, tunable: { fuseLayerNorm: boolean; attention: boolean }): PlanChoice[] {
    const { config, family, fuseLayerNorm } = this.s;
    const fuse = tunable.fuseLayerNorm ? [fuseLayerNorm, !fuseLayerNorm] : [options.fuseLayerNorm];
    const features = family.attentionFeatures?.(config) ?? [];
    const variants = tunable.attention
      ? [options.attention, ...ATTENTION_VARIANTS.map((v) => v.name).filter((n) => n !== options.attention && !variantRefuses(attentionVariant(n), config.headDim, features))]
      : [options.attention];
    return variants.flatMap((attention) => fuse.map((fuseLayerNorm) => ({ fuseLayerNorm, attention })));
  }

  private matmulConfig(m: number, n: number, k: number, transB = true, bDtype?: DType, glu?: boolean): Promise<MatmulConfig> {
    const { gpu, matmul, matmulCandidates } = this.s;
    if (matmul !== 'autotune') return Promise.resolve(matmulConfig(matmul));
    return autotuneMatmul(gpu, { m, n, k, transB, bDtype, glu }, { configs: matmulCandidates });
  }
}

/** The heads a request asks for, as a key: the sentence pipeline is the model's own, so only its switch and normalize count. */
function requestKey(r: HeadRequest): string {
  const flags = [r.pooler, r.logits, r.classifier, r.qa, r.discriminator].map((b) => (b ? 1 : 0)).join('');
  const pooling = r.pooling ? `${r.pooling.mode}${r.pooling.normalize ? 'n' : ''}` : '-';
  const sentence = r.sentence ? `st${r.sentence.normalize ? 'n' : ''}` : '-';
  return `${flags}${pooling}${sentence}`;
}

const now = () => (globalThis.performance ?? Date).now();
