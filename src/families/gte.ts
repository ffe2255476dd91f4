// GTE v1.5 (gte-base-en-v1.5, gte-large-en-v1.5, gte-multilingual-*): the remote code of Alibaba-NLP/new-impl
// (modeling.py, configuration.py), model_type "new". Word (+ token-type when type_vocab_size > 0) embeddings and
// LayerNorm, no position table: rotary Q and K on the whole head (rotate-half) with `rope_theta`; post-LN layers
//   x1 = attn_ln(x + o_proj(attention(qkv_proj(x))))
//   x2 = mlp_ln(x1 + down_proj(up * act(gate))),   [up | gate] = x1 up_gate_proj (no bias)
// with Q, K, V fused in `qkv_proj` (or q_proj / k_proj / v_proj when pack_qkv is false) and up_gate_proj's
// halves paired for the matmul's GLU epilogue (its second half is the activated one).
// `rope_scaling` {"type": "ntk", "factor", "mixed_b"?} is NTKScalingRotaryEmbedding: its cache is built at
// max_position_embeddings * factor, past max_position_embeddings, so the scaled frequencies hold at every length:
//   fixed:  (theta * factor)^(-2i/d) / factor^(2/d)
//   mixed:  theta^(-2i/d) / exp(ln(factor) / (d/2)^b * (i + 1)^b)
// Heads (backbone under `new.`): NewPooler (tanh, first token), NewForSequenceClassification (pooler +
// classifier), NewForTokenClassification, NewForMaskedLM (lm_head: dense, act, norm, decoder tied to the words).
import type { Graph } from '../graph/graph.ts';
import { attention, denseLayerNorm, embed, linear, ropeConstant, scaledRopeConstant, type AttentionFeatureValues, type EmbeddingWeights } from '../graph/ops.ts';
import { ropeFrequencies } from '../kernels/attention-common.ts';
import { describe, type ConfigReader, type EncoderConfig } from './config.ts';
import { addHeads, headsOf, headsToLoad, tiedDecoder, type EncoderHeads, type HeadName, type PostLnLayer } from './encoder.ts';
import { arangePositions, defineFamily, type HeadRequest } from './family.ts';
import type { Linear, TensorTable } from './weights.ts';

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  NewForSequenceClassification: ['pooler', 'sequence'],
  NewForTokenClassification: ['token'],
  NewForMaskedLM: ['mlm'],
};

const UNSUPPORTED: Record<string, string> = {
  NewForMultipleChoice: 'multiple-choice scoring over [batch, choices, seq] inputs',
  NewForQuestionAnswering: 'its QA head is not implemented here',
};

export interface GteConfig extends EncoderConfig {
  rope: boolean;
  ropeTheta: number;
  /** NTK-scaled rotary frequencies (undefined: theta's own). */
  ntk?: { factor: number; mixedB?: number };
  packQkv: boolean;
}

interface GteWeights {
  embeddings: EmbeddingWeights;
  layers: PostLnLayer[]; // ffnIn: up_gate_proj, paired with the gate first
  heads: EncoderHeads;
}

function parseGte(c: ConfigReader, modelType: string): GteConfig {
  c.encoderOnly();
  const hiddenSize = c.positiveInt('hidden_size', 768);
  const numAttentionHeads = c.positiveInt('num_attention_heads', 12);
  const headDim = c.heads(hiddenSize, numAttentionHeads);
  const architectures = c.strings('architectures');
  for (const a of architectures) if (Object.hasOwn(UNSUPPORTED, a)) c.fail(`unsupported architecture ${a} (${UNSUPPORTED[a]})`);
  c.only('layer_norm_type', 'layer_norm', ['layer_norm'], ' (RMSNorm layers)');
  const position = c.only('position_embedding_type', 'rope', ['rope', 'absolute']);
  c.require('logn_attention_scale', false, false, 'queries scaled by log(length) / log(max_position_embeddings)');
  c.require('logn_attention_clip1', false, false, 'the clipped log-n query scale');
  const { act, name } = c.activation('hidden_act', 'gelu');
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 2048);
  let ntk: GteConfig['ntk'];
  const scaling = c.json.rope_scaling;
  if (scaling !== undefined && scaling !== null && position === 'rope') {
    const s = scaling as Record<string, unknown>;
    if (typeof s !== 'object' || Array.isArray(s)) c.fail(`field "rope_scaling" must be an object, got ${describe(scaling)}`);
    if (s.type !== 'ntk') c.fail(`unsupported rope_scaling.type ${describe(s.type)} (supported: "ntk")`);
    // Below 1 the code's frequencies would change with the input's length (scaled only past max_position_embeddings).
    if (typeof s.factor !== 'number' || !(s.factor >= 1)) c.fail(`unsupported rope_scaling.factor ${describe(s.factor)} (a number of at least 1)`);
    const mixedB = s.mixed_b ?? undefined;
    if (mixedB !== undefined && (typeof mixedB !== 'number' || !Number.isFinite(mixedB))) c.fail(`rope_scaling.mixed_b must be a number or null, got ${describe(mixedB)}`);
    ntk = { factor: s.factor, mixedB: mixedB as number | undefined };
  }
  const rope = position === 'rope';
  return {
    modelType, family: 'gte',
    vocabSize: c.positiveInt('vocab_size', 30528), hiddenSize, numHiddenLayers: c.positiveInt('num_hidden_layers', 12), numAttentionHeads, headDim,
    intermediateSize: c.positiveInt('intermediate_size', 3072), hiddenAct: act, hiddenActName: name,
    maxPositionEmbeddings: rope ? 0 : maxPositionEmbeddings,
    // The scaled rotary's cache spans max_position_embeddings * factor: the length it is meant for.
    maxSequenceLength: Math.floor(maxPositionEmbeddings * (ntk && ntk.factor > 1 ? ntk.factor : 1)),
    typeVocabSize: c.nonNegativeInt('type_vocab_size', 1), layerNormEps: c.positiveNumber('layer_norm_eps', 1e-12),
    architectures, ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', null), tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    rope, ropeTheta: c.positiveNumber('rope_theta', 10000), ntk, packQkv: c.bool('pack_qkv', true),
  };
}

/** NTKScalingRotaryEmbedding's inverse frequencies (the cache it builds is past max_position_embeddings whenever factor > 1). */
export function gteRopeFrequencies(headDim: number, theta: number, ntk: GteConfig['ntk']): number[] {
  if (!ntk || !(ntk.factor > 1)) return ropeFrequencies(headDim, theta);
  const { factor, mixedB } = ntk;
  if (mixedB === undefined) return ropeFrequencies(headDim, theta * factor).map((f) => f / factor ** (2 / headDim));
  const a = Math.log(factor) / (headDim / 2) ** mixedB;
  return ropeFrequencies(headDim, theta).map((f, i) => f / Math.exp(a * (i + 1) ** mixedB));
}

function loadGte(config: GteConfig, t: TensorTable): GteWeights {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('new.') ? 'new.' : '';
  const embeddings: EmbeddingWeights = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, H]),
    position: config.rope ? undefined : t.take(`${p}embeddings.position_embeddings.weight`, [config.maxPositionEmbeddings, H]),
    tokenType: config.typeVocabSize ? t.take(`${p}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, H]) : undefined,
    norm: t.norm(`${p}embeddings.LayerNorm.`, H, eps),
  };
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i): PostLnLayer => {
    const q = `${p}encoder.layer.${i}.`;
    let qkv: Linear;
    if (config.packQkv) {
      qkv = t.linear(`${q}attention.qkv_proj.`, 3 * H, H);
    } else {
      const [wq, wk, wv] = ['q', 'k', 'v'].map((n) => t.linear(`${q}attention.${n}_proj.`, H, H));
      qkv = {
        weight: t.stack(`${q}attention.{q,k,v}_proj.weight (stacked)`, [wq.weight, wk.weight, wv.weight]),
        bias: t.stack(`${q}attention.{q,k,v}_proj.bias (stacked)`, [wq.bias!, wk.bias!, wv.bias!]),
      };
    }
    return {
      qkv,
      attnOut: t.linear(`${q}attention.o_proj.`, H, H),
      attnNorm: t.norm(`${q}attn_ln.`, H, eps),
      ffnIn: { weight: t.pairHalves(`${q}mlp.up_gate_proj.weight (paired)`, t.take(`${q}mlp.up_gate_proj.weight`, [2 * I, H]), 'second') },
      ffnOut: t.linear(`${q}mlp.down_proj.`, H, I),
      ffnNorm: t.norm(`${q}mlp_ln.`, H, eps),
    };
  });
  const tokenArch = config.architectures.includes('NewForTokenClassification');
  const hasPooler = t.has(`${p}pooler.dense.weight`);
  const classifier = t.has('classifier.weight');
  const load = headsToLoad(config, ARCHITECTURE_HEADS, (h) => ({
    pooler: hasPooler,
    mlm: t.has('lm_head.dense.weight'),
    sequence: classifier && !tokenArch && hasPooler,
    token: classifier && (tokenArch || !hasPooler),
    qa: false, discriminator: false,
  })[h]);
  const heads: EncoderHeads = {};
  if (load.has('pooler') || load.has('sequence')) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
  if (load.has('sequence')) heads.sequence = { act: 'none', out: t.linear('classifier.', config.numLabels, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', config.numLabels, H);
  if (load.has('mlm')) {
    heads.mlm = {
      transform: t.linear('lm_head.dense.', H, H),
      act: config.hiddenAct,
      norm: t.norm('lm_head.norm.', H, eps),
      decoder: {
        weight: tiedDecoder(t, 'lm_head.decoder.weight', embeddings.word, config.tieWordEmbeddings),
        bias: t.take('lm_head.decoder.bias', [config.vocabSize]),
      },
    };
  }
  t.ignore(`${p}embeddings.position_ids`);
  return { embeddings, layers, heads };
}

function buildGte(g: Graph, config: GteConfig, w: GteWeights, req: HeadRequest): void {
  const d = config.headDim;
  let features: AttentionFeatureValues | undefined;
  if (config.rope) {
    const table = config.ntk && config.ntk.factor > 1
      ? scaledRopeConstant(g, `${d} dims, theta ${config.ropeTheta}, NTK ${config.ntk.factor}${config.ntk.mixedB === undefined ? '' : ` mixed ${config.ntk.mixedB}`}`, gteRopeFrequencies(d, config.ropeTheta, config.ntk))
      : ropeConstant(g, d, config.ropeTheta);
    features = { rope: { table, rotaryDim: d } };
  }
  let x = embed(g, w.embeddings);
  w.layers.forEach((l, i) => {
    x = g.layer(i, () => {
      const qkv = linear(g, x, l.qkv, { stage: 'QKV projection' });
      const ctx = attention(g, qkv, { heads: config.numAttentionHeads, headDim: d, features });
      const x1 = denseLayerNorm(g, ctx, l.attnOut, x, l.attnNorm, { dense: 'attention output', norm: 'attention LayerNorm', fused: 'attention output + LayerNorm' });
      const inter = linear(g, x1, l.ffnIn, { stage: `MLP in + gated ${config.hiddenActName}`, activation: config.hiddenAct, glu: true });
      return denseLayerNorm(g, inter, l.ffnOut, x1, l.ffnNorm, { dense: 'MLP out', norm: 'MLP LayerNorm', fused: 'MLP out + LayerNorm' });
    });
  });
  addHeads(g, x, w.heads, req);
}

export const gte = defineFamily<GteConfig, GteWeights>({
  name: 'gte',
  modelTypes: ['new'],
  architectures: ['NewModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseGte,
  loadWeights: loadGte,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  attentionFeatures: (config) => (config.rope ? ['rope'] : []),
  build: buildGte,
});
