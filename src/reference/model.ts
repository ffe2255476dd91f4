// The float64 reference behind the model's forward() contract: the family builds the same graph, and every
// op runs its CPU twin (graph.ts). Tasks (src/tasks/) run unchanged on the GPU model or on this, and the
// tests compare the two. Slow by design.
import type { EncoderConfig } from '../families/config.ts';
import type { AnyFamily, Heads } from '../families/family.ts';
import type { HostWeights } from '../families/weights.ts';
import {
  assembleResult, buildGraph, graphInputs, headRequest, validateInputs,
  type ForwardInputs, type ForwardOptions, type ForwardResult, type RawOutputs,
} from '../runtime/forward.ts';
import type { Value } from '../graph/graph.ts';
import type { SentenceTransformerConfig } from '../model/sentence.ts';
import type { LoadedCheckpoint } from '../model/source.ts';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.ts';
import { runGraphReference } from './graph.ts';

export class ReferenceModel {
  readonly family: AnyFamily;
  readonly config: EncoderConfig;
  readonly heads: Heads;
  readonly tokenizer: Tokenizer | undefined;
  private readonly weights: unknown;
  private readonly data: HostWeights;

  /** The sentence-transformers pipeline of the folder (modules.json), when it has one. */
  readonly sentence: SentenceTransformerConfig | undefined;

  constructor(ckpt: Pick<LoadedCheckpoint, 'family' | 'config' | 'weights' | 'data' | 'files'> & { sentence?: SentenceTransformerConfig }) {
    this.sentence = ckpt.sentence;
    this.family = ckpt.family;
    this.config = ckpt.config;
    this.weights = ckpt.weights;
    this.data = ckpt.data;
    this.heads = ckpt.family.heads(ckpt.config, ckpt.weights);
    this.tokenizer = loadTokenizer(ckpt.files);
  }

  get classifier(): 'sequence' | 'token' | undefined {
    return this.heads.classifier;
  }

  get hasMlmHead(): boolean {
    return this.heads.mlm;
  }

  get hasQaHead(): boolean {
    return this.heads.qa;
  }

  async forward(inputs: ForwardInputs, opts: ForwardOptions = {}): Promise<ForwardResult> {
    const checked = validateInputs(this.config, inputs);
    const { batch, seqLen } = checked;
    const req = headRequest(this.heads, opts, this.sentence);
    const g = buildGraph(this.family, this.config, this.weights, { batch, seqLen }, req, { fuseLayerNorm: true, attention: 'naive', attentions: Boolean(opts.attentions) });
    const values = runGraphReference(g, this.data, graphInputs(this.family, this.config, checked, seqLen));
    const get = (v: Value | undefined) => (v ? Float32Array.from(values.get(v)!) : undefined);
    const o = g.outputs;
    const raw: RawOutputs = {
      hidden: (opts.hidden ?? true) ? get(o.hidden) : undefined,
      pooled: get(o.pooled), classifier: get(o.classifier), qa: get(o.qa), discriminator: get(o.discriminator), embeddings: get(o.embeddings),
      attentions: o.attentions.map((a) => get(a)!),
    };
    const logits = get(o.logits);
    if (opts.logitsAt) {
      const V = this.config.vocabSize;
      raw.logitsAt = opts.logitsAt.map(([b, s]) => logits!.slice((b * seqLen + s) * V, (b * seqLen + s + 1) * V));
    } else {
      raw.logits = logits;
    }
    return assembleResult(this.config, this.classifier, checked, seqLen, raw);
  }
}
