// What the post-LN encoders (BERT, DistilBERT, RoBERTa, ELECTRA) share: the layer, loading a layer's tensors
// under a family's names with Q, K and V stacked into one matmul, and the heads, each a few ops on the
// last hidden state. A family file names its tensors and says which of these it has.
import type { Graph, Value } from '../graph/graph.ts';
import { attention, denseLayerNorm, embed, layerNorm, linear, type AttentionFeatureValues, type EmbeddingWeights } from '../graph/ops.ts';
import type { Activation } from '../kernels/matmul.ts';
import type { EncoderConfig } from './config.ts';
import type { Heads, HeadRequest } from './family.ts';
import type { Linear, Norm, TensorTable, Weight } from './weights.ts';

/** One post-LN layer: x1 = LN(x + attn(x) Wo), x2 = LN(x1 + act(x1 Wi) Wout). */
export interface PostLnLayer {
  qkv: Linear; // [3H, H], Q, K, V rows stacked
  attnOut: Linear; // [H, H]
  attnNorm: Norm;
  ffnIn: Linear; // [I, H]
  ffnOut: Linear; // [H, I]
  ffnNorm: Norm;
}

/** A family's tensor names for the parts of a layer, each a prefix that `weight` / `bias` complete. */
export interface LayerNames {
  query: string;
  key: string;
  value: string;
  attnOut: string;
  attnNorm: string;
  ffnIn: string;
  ffnOut: string;
  ffnNorm: string;
}

/** BERT's names, which RoBERTa and ELECTRA keep. */
export const BERT_LAYER_NAMES: LayerNames = {
  query: 'attention.self.query.',
  key: 'attention.self.key.',
  value: 'attention.self.value.',
  attnOut: 'attention.output.dense.',
  attnNorm: 'attention.output.LayerNorm.',
  ffnIn: 'intermediate.dense.',
  ffnOut: 'output.dense.',
  ffnNorm: 'output.LayerNorm.',
};

export function loadPostLnLayer(t: TensorTable, prefix: string, names: LayerNames, size: { hidden: number; intermediate: number; eps: number }): PostLnLayer {
  const { hidden: H, intermediate: I, eps } = size;
  const [q, k, v] = [names.query, names.key, names.value].map((n) => t.linear(prefix + n, H, H));
  return {
    qkv: {
      weight: t.stack(`${prefix}{query,key,value}.weight (stacked)`, [q.weight, k.weight, v.weight]),
      bias: t.stack(`${prefix}{query,key,value}.bias (stacked)`, [q.bias!, k.bias!, v.bias!]),
    },
    attnOut: t.linear(prefix + names.attnOut, H, H),
    attnNorm: t.norm(prefix + names.attnNorm, H, eps),
    ffnIn: t.linear(prefix + names.ffnIn, I, H),
    ffnOut: t.linear(prefix + names.ffnOut, H, I),
    ffnNorm: t.norm(prefix + names.ffnNorm, H, eps),
  };
}

/** The post-LN layers over x: 5 dispatches each (QKV, attention, out + LN, FFN in + act, FFN out + LN), 7 unfused. */
export function postLnEncoder(g: Graph, x: Value, layers: readonly PostLnLayer[], o: { heads: number; headDim: number; act: Activation; features?: AttentionFeatureValues }): Value {
  const actName = o.act === 'gelu' || o.act === 'gelu_tanh' ? 'GELU' : o.act.toUpperCase();
  layers.forEach((l, i) => {
    x = g.layer(i, () => {
      const qkv = linear(g, x, l.qkv, { stage: 'QKV projection' });
      const ctx = attention(g, qkv, { heads: o.heads, headDim: o.headDim, features: o.features });
      const x1 = denseLayerNorm(g, ctx, l.attnOut, x, l.attnNorm, { dense: 'attention output', norm: 'attention LayerNorm', fused: 'attention output + LayerNorm' });
      const inter = linear(g, x1, l.ffnIn, { stage: `FFN in + ${actName}`, activation: o.act });
      return denseLayerNorm(g, inter, l.ffnOut, x1, l.ffnNorm, { dense: 'FFN out', norm: 'FFN LayerNorm', fused: 'FFN out + LayerNorm' });
    });
  });
  return x;
}

/** transform (dense + act + LayerNorm) then the decoder over the vocabulary (often the word embeddings). */
export interface MlmHead {
  transform: Linear; // [E, H]
  act: Activation;
  norm: Norm; // [E]
  decoder: Linear; // [V, E]
}

/** A dense layer with an activation on each sequence's first token, then the output layer. */
export interface FirstTokenHead {
  /** Absent: the head reads the pooler's output (BERT's classifier). */
  dense?: Linear;
  act: Activation;
  out: Linear; // [labels, H]
}

/** The heads a post-LN encoder family can have; each family fills the ones its checkpoint carries. */
export interface EncoderHeads {
  /** tanh(h[:, 0] W + b): BERT's pooler. */
  pooler?: Linear;
  mlm?: MlmHead;
  sequence?: FirstTokenHead;
  token?: Linear; // [labels, H] on every token
  qa?: Linear; // [2, H]: start, end
  /** act(h W1 + b1) W2 + b2 per token, [1] each: ELECTRA's replaced-token detection. */
  discriminator?: { dense: Linear; act: Activation; out: Linear };
}

export function headsOf(h: EncoderHeads): Heads {
  return {
    pooler: Boolean(h.pooler), mlm: Boolean(h.mlm), qa: Boolean(h.qa), discriminator: Boolean(h.discriminator),
    classifier: h.sequence ? 'sequence' : h.token ? 'token' : undefined,
  };
}

/** Row b of the first-token matmul is token 0 of sequence b: a row stride of seqLen * width. */
function firstTokens(g: Graph, x: Value, lin: Linear, act: Activation, stage: string): Value {
  return linear(g, x, lin, { stage, activation: act, rows: g.batch, lda: g.seqLen * x.shape[1] });
}

/** Adds the heads asked for that the weights have, and sets the graph's outputs. */
export function addHeads(g: Graph, hidden: Value, h: EncoderHeads, req: HeadRequest): void {
  g.output('hidden', hidden);
  const sequence = req.classifier ? h.sequence : undefined;
  let pooled: Value | undefined;
  if (h.pooler && (req.pooler || (sequence && !sequence.dense))) {
    pooled = firstTokens(g, hidden, h.pooler, 'tanh', 'pooler');
    if (req.pooler) g.output('pooled', pooled);
  }
  if (sequence) {
    const features = sequence.dense ? firstTokens(g, hidden, sequence.dense, sequence.act, 'classifier dense') : pooled;
    if (!features) throw new Error('a sequence classifier without its own dense layer needs the pooler');
    g.output('classifier', linear(g, features, sequence.out, { stage: 'classifier' }));
  } else if (req.classifier && h.token) {
    g.output('classifier', linear(g, hidden, h.token, { stage: 'classifier' }));
  }
  if (req.qa && h.qa) g.output('qa', linear(g, hidden, h.qa, { stage: 'QA head' }));
  if (req.discriminator && h.discriminator) {
    const d = h.discriminator;
    const dense = linear(g, hidden, d.dense, { stage: 'discriminator dense', activation: d.act });
    g.output('discriminator', linear(g, dense, d.out, { stage: 'discriminator' }));
  }
  if (req.logits && h.mlm) {
    const m = h.mlm;
    const t = layerNorm(g, linear(g, hidden, m.transform, { stage: 'MLM transform', activation: m.act }), m.norm, 'MLM LayerNorm');
    g.output('logits', linear(g, t, m.decoder, { stage: 'MLM decoder' }));
  }
}

/** Everything a post-LN encoder checkpoint holds, whatever the family's names. */
export interface PostLnWeights {
  embeddings: EmbeddingWeights;
  /** ELECTRA: embeddings narrower than the hidden size, projected up before the first layer. */
  project?: Linear;
  layers: PostLnLayer[];
  heads: EncoderHeads;
}

/** The whole forward of a post-LN family: embeddings, (projection), layers, heads. */
export function buildPostLn(g: Graph, config: EncoderConfig, w: PostLnWeights, req: HeadRequest): void {
  let x = embed(g, w.embeddings);
  if (w.project) x = linear(g, x, w.project, { stage: 'embeddings projection' });
  x = postLnEncoder(g, x, w.layers, { heads: config.numAttentionHeads, headDim: config.headDim, act: config.hiddenAct });
  addHeads(g, x, w.heads, req);
}

/**
 * An MLM decoder matrix that `tie_word_embeddings` ties to the word embeddings. transformers leaves a tied
 * decoder out of the files it writes, so absent means the embeddings; present, it is used, as transformers 5
 * loads it (an equal copy is dropped, so the table is on the GPU once). Untied, the file must have its own.
 */
export function tiedDecoder(t: TensorTable, name: string, word: Weight, tie: boolean): Weight {
  if (tie && !t.has(name)) return word;
  const stored = t.take(name, word.shape);
  if (tie && t.sameValues(stored, word)) {
    t.drop(stored);
    return word;
  }
  return stored;
}

/** Which heads an architecture (a transformers head class) needs; unknown names need none. */
export type HeadName = 'pooler' | 'mlm' | 'sequence' | 'token' | 'qa' | 'discriminator';

/**
 * The heads to load: those the architectures need, and any whose tensors are in the file (a head that
 * is there half is a CheckpointError from take). `present` says whether a head's first tensor is there.
 */
export function headsToLoad(config: EncoderConfig, needs: Readonly<Record<string, readonly HeadName[]>>, present: (h: HeadName) => boolean): Set<HeadName> {
  const out = new Set<HeadName>(config.architectures.flatMap((a) => needs[a] ?? []));
  for (const h of ['pooler', 'mlm', 'sequence', 'token', 'qa', 'discriminator'] as const) if (present(h)) out.add(h);
  return out;
}

/** A tensor stored under one of several names (a tied bias saved under either of its two keys). */
export function takeEither(t: TensorTable, names: readonly string[], shape: readonly number[]): Weight {
  const found = names.find((n) => t.has(n));
  return t.take(found ?? names[0], shape);
}
