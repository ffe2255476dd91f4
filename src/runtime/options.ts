// What a caller may ask of a model at load (ModelOptions), checked once with one-line errors, and the choices
// that follow from it: the attention variant, the matmul configuration or candidates, plan tuning.
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily } from '../families/family.ts';
import { attentionVariant, defaultAttentionVariant, variantRefuses } from '../kernels/attention.ts';
import { MATMUL_CONFIGS, type MatmulConfig } from '../kernels/matmul.ts';
import type { HubOptions } from '../model/hub.ts';
import { InputError } from './forward.ts';
import { WEIGHT_OPTIONS, type WeightsOption } from './weight-storage.ts';

export interface LoadProgress {
  stage: 'download' | 'upload';
  file?: string;
  loaded: number;
  total?: number;
}

export interface ModelOptions {
  /** Attention variant by name (see ATTENTION_VARIANTS); default: the best that takes the head dim (DEFAULT_ATTENTION_ORDER). */
  attention?: string;
  /**
   * 'autotune' (default: time each matmul configuration once per shape on this adapter), a configuration name,
   * or a list of names: autotune among those only (tuned and stored apart from the full tuning).
   */
  matmul?: string | readonly string[];
  /**
   * Dense + residual + LayerNorm as one dispatch (5 dispatches per layer instead of 7); default true. Off, or
   * for hidden sizes over 960, a matmul and a LayerNorm dispatch each: benchmarks compare the two.
   */
  fuseLayerNorm?: boolean;
  /**
   * 'autotune': choose fuseLayerNorm and the attention variant per token-count class (runtime/buckets.ts) by
   * timing one layer of each candidate plan (runtime/plan-tune.ts), cached and stored with the matmul tunings;
   * options given explicitly stay fixed. 'fixed': the defaults. Default: 'autotune' on a hardware adapter when
   * matmul is autotuned, 'fixed' on a software one (the defaults were measured there).
   */
  plan?: 'autotune' | 'fixed';
  /** Bounds of the plan cache: plans kept and their GPU bytes (runtime/plan-cache.ts has the defaults). */
  planCache?: { maxPlans?: number; maxBytes?: number };
  /** Largest binding the weights may use, below the adapter's own limit: tables above it are split into row blocks. */
  maxBindingBytes?: number;
  /**
   * How weights are stored on the GPU (runtime/weight-storage.ts): 'auto' (default) keeps the checkpoint's own
   * storage (F16 -> f16, BF16 -> bf16, int8 -> int8, F32 -> f32); 'f32'; 'f16'; 'int8' quantizes Linear
   * weights on load. Arithmetic is f32 in every case.
   */
  weights?: WeightsOption;
  /** Hub model ids: the branch, tag or commit (default 'main'); the same as hub.revision. */
  revision?: string;
  /** Hub model ids: endpoint, token, offline, cache folder (see HubOptions). */
  hub?: HubOptions;
  onProgress?: (p: LoadProgress) => void;
}

/** The options checked, before anything is read. */
export function checkOptions(opts: ModelOptions): { matmul: string; matmulCandidates: readonly MatmulConfig[] | undefined; weights: WeightsOption } {
  if (opts.attention) attentionVariant(opts.attention);
  const [matmul, matmulCandidates] = matmulOption(opts.matmul);
  const weights = opts.weights ?? 'auto';
  if (!(WEIGHT_OPTIONS as readonly string[]).includes(weights)) {
    throw new InputError(`weights must be one of ${WEIGHT_OPTIONS.join(', ')}, got ${JSON.stringify(weights)}`);
  }
  if (opts.plan !== undefined && opts.plan !== 'autotune' && opts.plan !== 'fixed') throw new InputError(`plan must be 'autotune' or 'fixed', got ${JSON.stringify(opts.plan)}`);
  for (const [k, v] of Object.entries(opts.planCache ?? {})) {
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw new InputError(`planCache.${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return { matmul, matmulCandidates, weights };
}

/**
 * The attention variant for a config: the one asked for (an error if it cannot run this head size or the
 * family's position features), or by default the first of DEFAULT_ATTENTION_ORDER that takes both.
 */
export function chooseAttention(asked: string | undefined, family: AnyFamily, config: EncoderConfig): string {
  const features = family.attentionFeatures?.(config) ?? [];
  if (!asked) return defaultAttentionVariant(config.headDim, features);
  const why = variantRefuses(attentionVariant(asked), config.headDim, features);
  if (why) throw new InputError(`attention variant "${asked}" cannot run this model: ${why}`);
  return asked;
}

/** ModelOptions.matmul as ['autotune' or a name, the candidates of a list]; unknown names are refused by name. */
function matmulOption(option: ModelOptions['matmul']): [string, readonly MatmulConfig[] | undefined] {
  const known = () => `known: autotune, ${MATMUL_CONFIGS.map((c) => c.name).join(', ')}`;
  const config = (name: unknown) => {
    const c = MATMUL_CONFIGS.find((x) => x.name === name);
    if (!c) throw new InputError(`matmul: unknown configuration ${JSON.stringify(name)} (${known()})`);
    return c;
  };
  if (option === undefined || option === 'autotune') return ['autotune', undefined];
  if (typeof option === 'string') return [config(option).name, undefined];
  if (!Array.isArray(option) || option.length === 0) throw new InputError(`matmul must be 'autotune', a configuration name or a non-empty list of names, got ${JSON.stringify(option)}`);
  const list = [...new Set(option)].map(config);
  return list.length === 1 ? [list[0].name, undefined] : ['autotune', list];
}
