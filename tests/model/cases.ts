// The whole model against the independent PyTorch references in tests/fixtures/ (float64 runs of Hugging
// Face's BertModel / BertForMaskedLM): last_hidden_state, pooler_output, MLM logits and layer-0 attention
// maps, with each attention variant. Shared by the Node (Dawn) and Chromium runs; `env` says where the
// fixture files are (a folder in Node, a URL served from 127.0.0.1 in the browser).
import type { Gpu } from '../../src/gpu/device.ts';
import { EncoderModel } from '../../src/graph/model.ts';
import { compare, TOLERANCES, type CompareReport } from '../../src/reference/compare.ts';

export interface FixtureEnv {
  /** Where a fixture checkpoint is: a folder path or a URL base. */
  source(fixture: string): string;
  readJson(fixture: string, file: string): Promise<unknown>;
}

interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  last_hidden_state: number[][][];
  pooler_output?: number[][];
  logits?: number[][][];
  attentions_layer0: number[][][][];
}

export interface ModelCase {
  name: string;
  run(gpu: Gpu, env: FixtureEnv): Promise<CompareReport[]>;
}

const FIXTURES = ['pytorch-bert-h64', 'pytorch-bert-mlm-h32'];
const VARIANTS = ['flash', 'naive'];

const flat = (x: unknown): number[] => (x as unknown[]).flat(4) as number[];

export const modelCases: ModelCase[] = FIXTURES.flatMap((fixture) => VARIANTS.map((attention): ModelCase => ({
  name: `${fixture} with ${attention} attention matches PyTorch`,
  async run(gpu, env) {
    const ref = (await env.readJson(fixture, 'reference.json')) as Reference;
    const model = await EncoderModel.load(gpu, env.source(fixture), { attention });
    try {
      const out = await model.forward({ inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids }, { attentions: true });
      const tol = TOLERANCES.model;
      const reports = [
        compare(out.lastHiddenState, flat(ref.last_hidden_state), tol, 'last_hidden_state'),
        compare(out.attentions?.[0] ?? [], flat(ref.attentions_layer0), tol, 'attentions[0]'),
      ];
      if (ref.pooler_output) reports.push(compare(out.poolerOutput ?? [], flat(ref.pooler_output), tol, 'pooler_output'));
      if (ref.logits) reports.push(compare(out.logits ?? [], flat(ref.logits), tol, 'logits'));
      return reports;
    } finally {
      model.dispose();
    }
  },
})));
