// The whole model against independent PyTorch references (tests/fixtures/: float64 runs of the transformers
// equations, cross-checked with the transformers library; see tests/fixtures/families/README.md): the last
// hidden state, layer-0 attention maps and each head's outputs, for every family and head, F32/F16/BF16
// storage, padded batches. Shared by the Node (Dawn) and Chromium runs; `env` says where the fixture files
// are (a folder in Node, a URL served from 127.0.0.1 in the browser).
import type { Gpu } from '../../src/gpu/device.ts';
import { EncoderModel, type ForwardResult } from '../../src/graph/model.ts';
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

function fixtureCase(fixture: string, attention?: string, maxBindingBytes?: number): ModelCase {
  const split = maxBindingBytes ? `, weights over ${maxBindingBytes} bytes in row blocks` : '';
  return {
    name: `${fixture}${attention ? ` with ${attention} attention` : ''}${split} matches PyTorch`,
    async run(gpu, env) {
      const ref = (await env.readJson(fixture, 'reference.json')) as Reference;
      const model = await EncoderModel.load(gpu, env.source(fixture), { attention, matmul: 'unrolled4x4', maxBindingBytes });
      try {
        const inputs = { inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids };
        const out = await model.forward(inputs, { attentions: Boolean(ref.attentions_layer0) });
        if (maxBindingBytes && Object.keys(model.stats().splitWeights).length < 5) throw new Error(`expected split weights, got ${JSON.stringify(model.stats().splitWeights)}`);
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
];
