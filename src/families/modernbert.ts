// ModernBERT (transformers' ModernBertModel and its heads; answerdotai/ModernBERT-*, gte-modernbert,
// modernbert-embed): token embeddings + LayerNorm (no positions, no token types), pre-LN layers
//   x += Wo(attn(Wqkv(attn_norm(x))))        (layer 0's attn_norm is the identity)
//   x += Wo(act(input) * gate)               ([input | gate] = Wi(mlp_norm(x)): GeGLU in the matmul epilogue)
// with rotary Q and K (theta per layer kind) and, in every layer not divisible by global_attn_every_n_layers,
// a sliding window |i - j| <= local_attention / 2 that the fused kernel skips tile by tile; then final_norm.
// LayerNorms and Linears have biases only where the config says (norm_bias, attention_bias, mlp_bias).
// Heads: ModernBertPredictionHead (dense + classifier_activation + norm) before the decoder (tied, with
// decoder_bias) or the classifier; sequence classification pools the CLS token or the mean first.
import type { Activation } from '../kernels/matmul.ts';
import type { FeatureName } from '../kernels/attention-common.ts';
import { attention, embed, layerNorm, linear, pool, ropeConstant, type AttentionFeatureValues, type EmbeddingWeights } from '../graph/ops.ts';
import type { Graph, Value } from '../graph/graph.ts';
import { describe, type ConfigReader, type EncoderConfig } from './config.ts';
import { headsToLoad, tiedDecoder, type HeadName } from './encoder.ts';
import { arangePositions, defineFamily, type Heads, type HeadRequest } from './family.ts';
import type { Linear, Norm, TensorTable } from './weights.ts';

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  ModernBertForMaskedLM: ['mlm'],
  ModernBertForSequenceClassification: ['sequence'],
  ModernBertForTokenClassification: ['token'],
  ModernBertForQuestionAnswering: ['qa'],
};

const UNSUPPORTED: Record<string, string> = {
  ModernBertForMultipleChoice: 'multiple-choice scoring over [batch, choices, seq] inputs',
};

export interface ModernBertConfig extends EncoderConfig {
  normBias: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
  /** Per layer: full attention, or a sliding window of `window` tokens (|i - j| <= window / 2). */
  layerKinds: ('global' | 'local')[];
  window: number;
  globalTheta: number;
  localTheta: number;
  classifierPooling: 'cls' | 'mean';
  classifierAct: Activation;
  classifierBias: boolean;
  decoderBias: boolean;
}

interface ModernLayer {
  attnNorm?: Norm; // absent in layer 0
  qkv: Linear; // [3H, H]: Q, K, V
  attnOut: Linear;
  mlpNorm: Norm;
  wi: Linear; // [2I, H], rows paired (input, gate) for the GLU epilogue
  wo: Linear; // [H, I]
}

interface ModernWeights {
  embeddings: EmbeddingWeights;
  layers: ModernLayer[];
  finalNorm: Norm;
  /** ModernBertPredictionHead, before the decoder or the classifier. */
  head?: { dense: Linear; norm: Norm };
  decoder?: Linear;
  classifier?: { kind: 'sequence' | 'token' | 'qa'; out: Linear };
}

function parseModernBert(c: ConfigReader, modelType: string): ModernBertConfig {
  const architectures = c.strings('architectures');
  for (const a of architectures) if (Object.hasOwn(UNSUPPORTED, a)) c.fail(`unsupported architecture ${a} (${UNSUPPORTED[a]})`);
  c.encoderOnly();
  // ModernBertConfig's defaults (ModernBERT-base).
  const hiddenSize = c.positiveInt('hidden_size', 768);
  const numHiddenLayers = c.positiveInt('num_hidden_layers', 22);
  const numAttentionHeads = c.positiveInt('num_attention_heads', 12);
  const headDim = c.heads(hiddenSize, numAttentionHeads);
  const { act, name } = c.activation('hidden_activation', 'gelu');
  const every = c.positiveInt('global_attn_every_n_layers', 3);
  const window = c.positiveInt('local_attention', 128);
  // transformers 5 writes layer_types and rope_parameters; earlier configs global/local_rope_theta.
  const layerKinds = c.has('layer_types')
    ? c.strings('layer_types').map((k, i) => (k === 'full_attention' ? 'global' : k === 'sliding_attention' ? 'local' : c.fail(`layer_types[${i}] must be "full_attention" or "sliding_attention", got ${describe(k)}`)))
    : Array.from({ length: numHiddenLayers }, (_, i) => (i % every === 0 ? 'global' as const : 'local' as const));
  if (layerKinds.length !== numHiddenLayers) c.fail(`layer_types has ${layerKinds.length} entries for ${numHiddenLayers} layers`);
  const theta = (kind: string, legacy: string, fallback: number, ifNull: number): number => {
    const params = c.json.rope_parameters as Record<string, Record<string, unknown> | undefined> | undefined;
    const p = params?.[kind];
    if (p) {
      if (p.rope_type !== undefined && p.rope_type !== 'default') c.fail(`unsupported rope_parameters.${kind}.rope_type ${describe(p.rope_type)} (supported: "default")`);
      if (typeof p.rope_theta !== 'number' || !(p.rope_theta > 0)) c.fail(`rope_parameters.${kind}.rope_theta must be a positive number, got ${describe(p.rope_theta)}`);
      return p.rope_theta;
    }
    if (c.json[legacy] === null) return ifNull; // local_rope_theta null: local layers use the global theta
    return c.positiveNumber(legacy, fallback);
  };
  const globalTheta = theta('full_attention', 'global_rope_theta', 160000, 160000);
  const pooling = c.only('classifier_pooling', 'cls', ['cls', 'mean']) as 'cls' | 'mean';
  const classifierAct = c.activation('classifier_activation', 'gelu').act;
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 8192);
  return {
    modelType, family: 'modernbert',
    vocabSize: c.positiveInt('vocab_size', 50368), hiddenSize, numHiddenLayers, numAttentionHeads, headDim,
    intermediateSize: c.positiveInt('intermediate_size', 1152), hiddenAct: act, hiddenActName: name,
    // Rotary positions have no table: the limit is the one the checkpoint was trained to.
    maxPositionEmbeddings, maxSequenceLength: maxPositionEmbeddings, typeVocabSize: 0,
    layerNormEps: c.positiveNumber('norm_eps', 1e-5),
    architectures, ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', 50283),
    tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    normBias: c.bool('norm_bias', false), attentionBias: c.bool('attention_bias', false), mlpBias: c.bool('mlp_bias', false),
    layerKinds, window, globalTheta, localTheta: theta('sliding_attention', 'local_rope_theta', 10000, globalTheta),
    classifierPooling: pooling, classifierAct, classifierBias: c.bool('classifier_bias', false), decoderBias: c.bool('decoder_bias', true),
  };
}

function loadModernBert(config: ModernBertConfig, t: TensorTable): ModernWeights {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('model.') ? 'model.' : '';
  const norm = (name: string) => t.norm(name, H, eps, config.normBias);
  const embeddings: EmbeddingWeights = { word: t.take(`${p}embeddings.tok_embeddings.weight`, [config.vocabSize, H]), norm: norm(`${p}embeddings.norm.`) };
  const layers = config.layerKinds.map((_, i): ModernLayer => {
    const q = `${p}layers.${i}.`;
    const wi = t.linear(`${q}mlp.Wi.`, 2 * I, H, config.mlpBias);
    return {
      attnNorm: i === 0 ? undefined : norm(`${q}attn_norm.`),
      qkv: t.linear(`${q}attn.Wqkv.`, 3 * H, H, config.attentionBias),
      attnOut: t.linear(`${q}attn.Wo.`, H, H, config.attentionBias),
      mlpNorm: norm(`${q}mlp_norm.`),
      wi: { weight: t.pairHalves(`${q}mlp.Wi.weight (input, gate paired)`, wi.weight), bias: wi.bias && t.pairHalves(`${q}mlp.Wi.bias (paired)`, wi.bias) },
      wo: t.linear(`${q}mlp.Wo.`, H, I, config.mlpBias),
    };
  });
  const w: ModernWeights = { embeddings, layers, finalNorm: norm(`${p}final_norm.`) };
  const classifierKind = config.architectures.includes('ModernBertForTokenClassification') ? 'token' as const
    : config.architectures.includes('ModernBertForQuestionAnswering') ? 'qa' as const : 'sequence' as const;
  const load = headsToLoad(config, ARCHITECTURE_HEADS, (h) => ({
    pooler: false, discriminator: false,
    mlm: t.has('decoder.bias') || t.has('decoder.weight'),
    sequence: classifierKind === 'sequence' && t.has('classifier.weight'),
    token: classifierKind === 'token' && t.has('classifier.weight'),
    qa: classifierKind === 'qa' && t.has('classifier.weight'),
  })[h]);
  if (load.size) w.head = { dense: t.linear('head.dense.', H, H, config.classifierBias), norm: norm('head.norm.') };
  if (load.has('mlm')) {
    w.decoder = { weight: tiedDecoder(t, 'decoder.weight', embeddings.word, config.tieWordEmbeddings), bias: config.decoderBias ? t.take('decoder.bias', [config.vocabSize]) : undefined };
  }
  const kind = (['sequence', 'token', 'qa'] as const).find((k) => load.has(k));
  if (kind) w.classifier = { kind, out: t.linear('classifier.', kind === 'qa' ? 2 : config.numLabels, H) };
  return w;
}

/** The rotary table and window of layer i. */
function layerFeatures(g: Graph, config: ModernBertConfig, i: number): AttentionFeatureValues {
  const local = config.layerKinds[i] === 'local';
  const table = ropeConstant(g, config.headDim, local ? config.localTheta : config.globalTheta);
  return { rope: { table, rotaryDim: config.headDim }, window: local ? config.window : undefined };
}

function buildModernBert(g: Graph, config: ModernBertConfig, w: ModernWeights, req: HeadRequest): void {
  const o = { heads: config.numAttentionHeads, headDim: config.headDim };
  const actName = config.hiddenActName.toUpperCase();
  let x = embed(g, w.embeddings, 'embeddings + norm');
  w.layers.forEach((l, i) => {
    x = g.layer(i, () => {
      const a = l.attnNorm ? layerNorm(g, x, l.attnNorm, 'attention norm') : x;
      const qkv = linear(g, a, l.qkv, { stage: 'QKV projection' });
      const ctx = attention(g, qkv, { ...o, features: layerFeatures(g, config, i), stage: config.layerKinds[i] === 'local' ? 'local attention' : 'attention' });
      const h = linear(g, ctx, l.attnOut, { stage: 'attention output + residual', residual: x });
      const m = layerNorm(g, h, l.mlpNorm, 'MLP norm');
      const inter = linear(g, m, l.wi, { stage: `MLP in + ${actName} gate`, activation: config.hiddenAct, glu: true });
      return linear(g, inter, l.wo, { stage: 'MLP out + residual', residual: h });
    });
  });
  const hidden = layerNorm(g, x, w.finalNorm, 'final norm');
  g.output('hidden', hidden);
  const head = (v: Value, rows?: number, lda?: number) => {
    const d = linear(g, v, w.head!.dense, { stage: 'prediction head dense', activation: config.classifierAct, rows, lda });
    return layerNorm(g, d, w.head!.norm, 'prediction head norm');
  };
  const c = w.classifier;
  if (c && ((c.kind === 'qa' && req.qa) || (c.kind !== 'qa' && req.classifier))) {
    let features: Value;
    if (c.kind !== 'sequence') features = head(hidden);
    else if (config.classifierPooling === 'cls') features = head(hidden, g.batch, g.seqLen * config.hiddenSize);
    else features = head(pool(g, hidden, 'mean', false));
    g.output(c.kind === 'qa' ? 'qa' : 'classifier', linear(g, features, c.out, { stage: c.kind === 'qa' ? 'QA head' : 'classifier' }));
  }
  if (req.logits && w.decoder) g.output('logits', linear(g, head(hidden), w.decoder, { stage: 'MLM decoder' }));
}

export const modernbert = defineFamily<ModernBertConfig, ModernWeights>({
  name: 'modernbert',
  modelTypes: ['modernbert'],
  architectures: ['ModernBertModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseModernBert,
  loadWeights: loadModernBert,
  heads: (_config, w): Heads => ({
    pooler: false, discriminator: false, mlm: Boolean(w.decoder), qa: w.classifier?.kind === 'qa',
    classifier: w.classifier && w.classifier.kind !== 'qa' ? w.classifier.kind : undefined,
  }),
  positionIds: arangePositions,
  attentionFeatures: (config): FeatureName[] => (config.layerKinds.includes('local') ? ['rope', 'window'] : ['rope']),
  build: buildModernBert,
});
