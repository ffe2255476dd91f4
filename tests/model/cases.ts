// The whole model against independent PyTorch references (tests/fixtures/: float64 runs of the transformers
// equations, cross-checked with the transformers library; see tests/fixtures/families/README.md): the last
// hidden state, layer-0 attention maps and each head's outputs, for every family and head, F32/F16/BF16
// storage, padded batches; and each fixture once more as a hardware adapter runs it by default. Shared by the
// Node (Dawn) and Chromium runs; `env` says where the fixture files are (a folder in Node, a URL served from
// 127.0.0.1 in the browser).
import { parseConfig } from '../../src/families/index.ts';
import type { Gpu } from '../../src/gpu/device.ts';
import { attentionVariant, variantRefuses } from '../../src/kernels/attention.ts';
import { GPU_SHAPED_CONFIGS } from '../../src/kernels/autotune.ts';
import { GLU_FALLBACK, MATMUL_CONFIGS } from '../../src/kernels/matmul.ts';
import { EncoderModel, type ForwardResult, type ModelOptions } from '../../src/runtime/model.ts';
import { compare, TOLERANCES, type CompareReport } from '../../src/reference/compare.ts';

export interface FixtureEnv {
  /** Where a fixture checkpoint is: a folder path or a URL base. */
  source(fixture: string): string;
  readJson(fixture: string, file: string): Promise<unknown>;
}

interface Reference {
  architecture?: string;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  last_hidden_state: number[][][];
  /** Absent for the long fixtures (S x S maps too large to commit). */
  attentions_layer0?: number[][][][];
  pooler_output?: number[][];
  logits?: unknown[];
  start_logits?: number[][];
  end_logits?: number[][];
}

export interface ModelCase {
  name: string;
  run(gpu: Gpu, env: FixtureEnv): Promise<CompareReport[]>;
}

/** The families' fixtures (tests/fixtures/families/), one per architecture. */
export const FAMILY_FIXTURES = [
  'bert-seqcls', 'bert-tokcls', 'bert-qa',
  'distilbert-base', 'distilbert-mlm', 'distilbert-seqcls', 'distilbert-tokcls', 'distilbert-qa',
  'roberta-base', 'roberta-mlm', 'roberta-seqcls', 'roberta-tokcls', 'roberta-qa', 'xlm-roberta-mlm', 'camembert-seqcls',
  'electra-discriminator', 'electra-generator', 'electra-seqcls', 'electra-tokcls', 'electra-qa',
  // Hidden 768 and head dim 64: the flash-d64 kernel and BERT-base's row width.
  'xlm-roberta-h768',
  'nomic-embed-base', 'nomic-embed-variant', 'nomic-bert-base', 'nomic-bert-mlm', 'nomic-bert-seqcls',
  'mpnet-base', 'mpnet-mlm', 'mpnet-seqcls', 'mpnet-tokcls',
  'modernbert-base', 'modernbert-mlm', 'modernbert-seqcls', 'modernbert-seqcls-cls', 'modernbert-tokcls', 'modernbert-long',
  'albert-base', 'albert-mlm', 'albert-seqcls', 'albert-tokcls', 'albert-qa',
  'jina-bert-v2-base', 'jina-bert-v2-seqcls', 'jina-bert-v2-tokcls', 'gte-v1.5-base', 'gte-v1.5-seqcls',
].map((name) => `families/${name}`);

const flat = (x: unknown): number[] => (x as unknown[]).flat(4) as number[];

/** What transformers' head class calls `logits`, in the engine's result. */
function headLogits(architecture: string, out: ForwardResult): Float32Array | undefined {
  if (architecture.endsWith('ForMaskedLM')) return out.logits;
  if (architecture === 'ElectraForPreTraining') return out.discriminatorLogits;
  return out.classifierLogits;
}

/** Loads `fixture` with `options`, runs its reference inputs, checks the model with `check`, and compares every output PyTorch gave. */
async function runFixture(gpu: Gpu, env: FixtureEnv, fixture: string, options: ModelOptions, check: (model: EncoderModel) => void = () => {}): Promise<CompareReport[]> {
  const ref = (await env.readJson(fixture, 'reference.json')) as Reference;
  const model = await EncoderModel.load(gpu, env.source(fixture), options);
  try {
    const inputs = { inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids };
    const out = await model.forward(inputs, { attentions: Boolean(ref.attentions_layer0), logits: model.hasMlmHead });
    check(model);
    const tol = TOLERANCES.model;
    const reports = [compare(out.lastHiddenState, flat(ref.last_hidden_state), tol, 'last_hidden_state')];
    if (ref.attentions_layer0) reports.push(compare(out.attentions?.[0] ?? [], flat(ref.attentions_layer0), tol, 'attentions[0]'));
    if (ref.pooler_output) reports.push(compare(out.poolerOutput ?? [], flat(ref.pooler_output), tol, 'pooler_output'));
    if (ref.logits) reports.push(compare(headLogits(ref.architecture ?? 'BertForMaskedLM', out) ?? [], flat(ref.logits), tol, 'logits'));
    if (ref.start_logits) reports.push(compare(out.startLogits ?? [], flat(ref.start_logits), tol, 'start_logits'));
    if (ref.end_logits) reports.push(compare(out.endLogits ?? [], flat(ref.end_logits), tol, 'end_logits'));
    return reports;
  } finally {
    model.dispose();
  }
}

function fixtureCase(fixture: string, attention?: string, maxBindingBytes?: number): ModelCase {
  const split = maxBindingBytes ? `, weights over ${maxBindingBytes} bytes in row blocks` : '';
  return {
    name: `${fixture}${attention ? ` with ${attention} attention` : ''}${split} matches PyTorch`,
    run: (gpu, env) => runFixture(gpu, env, fixture, { attention, matmul: 'unrolled4x4', maxBindingBytes }, (model) => {
      if (maxBindingBytes && Object.keys(model.stats().splitWeights).length < 5) throw new Error(`expected split weights, got ${JSON.stringify(model.stats().splitWeights)}`);
    }),
  };
}

/** The attention kernel that splits the keys over workgroups: what fills a GPU at short sequences. */
const SPLIT_ATTENTION = attentionVariant('flash-split');
/**
 * One GPU-shaped matmul, the first a hardware adapter times, rather than the list autotuned: on SwiftShader a
 * GPU-shaped pipeline takes 1-4.5 s to compile (a register one 0.03-0.6 s), and over these fixtures the list
 * compiles twice as many (46 vs 23) and times every shape: 1.7x the CPU time of one configuration in Node.
 * The list itself is held to PyTorch in tests/node/model.test.ts, each GPU-shaped configuration to its float64
 * twin in tests/kernels/matmul-cases.ts; what is left to show is the GPU-shaped kernel wired into every plan.
 */
const GPU_MATMUL = GPU_SHAPED_CONFIGS[0];
const MATMUL_NAMES = new Set(MATMUL_CONFIGS.map((c) => c.name));

/**
 * The fixture as a hardware adapter runs it by default, forced on whatever adapter runs the test (the cases
 * above pin the matmul SwiftShader likes): a GPU-shaped matmul; the split attention where the family's head dim
 * and position features allow it, else the attention variant and the LayerNorm fusion chosen by whole-plan
 * tuning (plan: 'autotune'), as a GPU chooses them.
 */
function hardwareCase(fixture: string): ModelCase {
  return {
    name: `${fixture} with the hardware defaults matches PyTorch`,
    async run(gpu, env) {
      const { family, config } = parseConfig(await env.readJson(fixture, 'config.json'));
      const split = !variantRefuses(SPLIT_ATTENTION, config.headDim, family.attentionFeatures?.(config) ?? []);
      const options: ModelOptions = { matmul: GPU_MATMUL, ...(split ? { attention: SPLIT_ATTENTION.name } : { plan: 'autotune' }) };
      return runFixture(gpu, env, fixture, options, (model) => {
        const { planOptions, occupancy } = model.stats();
        if (split ? planOptions?.attention !== SPLIT_ATTENTION.name : !planOptions?.tuned) throw new Error(`expected ${split ? `${SPLIT_ATTENTION.name} attention` : 'a tuned plan'}, got ${JSON.stringify(planOptions)}`);
        // Each matmul dispatch's label names its configuration; a gated one (GLU) runs the fallback that pairs columns.
        const ran = (occupancy?.dispatches ?? []).flatMap((d) => d.label.split(' ').filter((w) => MATMUL_NAMES.has(w)));
        if (!ran.includes(GPU_MATMUL) || ran.some((n) => n !== GPU_MATMUL && n !== GLU_FALLBACK)) throw new Error(`expected ${GPU_MATMUL} matmuls, ran ${ran.join(', ') || 'none'}`);
      });
    },
  };
}

export const modelCases: ModelCase[] = [
  // The first two fixtures with both attention paths; the families with the default one.
  ...['pytorch-bert-h64', 'pytorch-bert-mlm-h32'].flatMap((f) => ['flash', 'naive'].map((a) => fixtureCase(f, a))),
  ...FAMILY_FIXTURES.map((f) => fixtureCase(f)),
  fixtureCase('families/roberta-mlm', 'naive'),
  // Every weight over 5.5 KiB (the word table, QKV, the FFN; not the position table) in row blocks: the gather, the split
  // matmuls, the unfused LayerNorm path and the tied decoder over every block.
  fixtureCase('families/roberta-mlm', undefined, 5632),
  ...['pytorch-bert-h64', 'pytorch-bert-mlm-h32', ...FAMILY_FIXTURES].map(hardwareCase),
];
