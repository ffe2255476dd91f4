// NomicBERT as nomic-embed-text-v1.5 ships it (model_type nomic_bert, nomic's own modeling_hf_nomic_bert.py,
// GPT-2 style config fields n_embd / n_head / n_layer / n_inner): word + token-type embeddings and emb_ln (a
// position table only without rotary), post-LN layers with a fused Wqkv and out_proj, rotary Q and K on the
// first rotary_emb_fraction of each head (rotate-half or interleaved pairs), and a gated MLP
//   fc2(fc11(x) * act(fc12(x)))   (swiglu: SiLU, geglu: erf GELU; fc12 is the activated half)
// whose two inputs are one matmul with the GLU epilogue; the MLP width is n_inner rounded up to 256. Heads:
// the tanh pooler, NomicBertForSequenceClassification (pooler + classifier) and NomicBertForPreTraining's MLM
// head, all under `bert.`.
// transformers' own NomicBert (2026: hidden_size / rope_parameters, `nomic_bert.` prefix) is the same network
// under Llama-style names: self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj (gate activated),
// post_attention_layernorm / post_mlp_layernorm, embeddings.LayerNorm, RoPE on the whole head, no biases; its
// heads are BERT's (ForMaskedLM, ForSequenceClassification with the pooler, ForTokenClassification). The
// config tells the two apart (`n_embd` there, `hidden_size` here).
import type { Activation } from '../kernels/matmul.ts';
import { attention, denseLayerNorm, embed, layerNorm, linear, ropeConstant, type AttentionFeatureValues, type EmbeddingWeights } from '../graph/ops.ts';
import type { Graph } from '../graph/graph.ts';
import { describe, type ConfigReader, type EncoderConfig } from './config.ts';
import { addHeads, headsOf, headsToLoad, takeEither, tiedDecoder, type EncoderHeads, type HeadName } from './encoder.ts';
import { arangePositions, defineFamily, type HeadRequest } from './family.ts';
import type { Linear, Norm, TensorTable } from './weights.ts';

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  NomicBertForSequenceClassification: ['pooler', 'sequence'],
  NomicBertForPreTraining: ['mlm'],
  NomicBertForMaskedLM: ['mlm'],
  NomicBertForTokenClassification: ['token'],
};

/** activation_function → the gate's activation; other names run an ungated MLP (fc1, fc2). */
const GATED: Record<string, Activation> = { swiglu: 'silu', geglu: 'gelu' };
/** The ungated MLP: the block hands it F.gelu (erf) for all of these. */
const UNGATED = ['gelu', 'gelu_new', 'gelu_fast', 'gelu_pytorch_tanh'];

export interface NomicConfig extends EncoderConfig {
  /** nomic's remote-code names, or transformers' port. */
  format: 'nomic' | 'transformers';
  gated: boolean;
  rotaryDim: number; // 0: learned positions
  rotaryBase: number;
  rotaryInterleaved: boolean;
  qkvBias: boolean;
  fc1Bias: boolean;
  fc2Bias: boolean;
  mlmAct: Activation;
}

interface NomicLayer {
  qkv: Linear;
  attnOut: Linear;
  norm1: Norm;
  fcIn: Linear; // gated: [2I, H], rows paired (fc12 activated, fc11 value)
  fc2: Linear;
  norm2: Norm;
}

interface NomicWeights {
  embeddings: EmbeddingWeights;
  /** A second LayerNorm after the embeddings' (one iteration of transformers' port). */
  embeddingsNorm?: Norm;
  layers: NomicLayer[];
  heads: EncoderHeads;
}

function parseNomic(c: ConfigReader, modelType: string): NomicConfig {
  if (!c.has('n_embd') && (c.has('hidden_size') || c.has('rope_parameters'))) return parsePort(c, modelType);
  c.require('prenorm', false, false, 'the pre-norm blocks of modeling_hf_nomic_bert drop the residual stream');
  const key = (gpt2: string, hf: string) => c.either(gpt2, hf);
  const hiddenSize = c.positiveInt(key('n_embd', 'hidden_size'), 768);
  const numAttentionHeads = c.positiveInt(key('n_head', 'num_attention_heads'), 12);
  const numHiddenLayers = c.positiveInt(key('n_layer', 'num_hidden_layers'), 12);
  const headDim = c.heads(hiddenSize, numAttentionHeads, ['n_embd', 'n_head']);
  if (c.has('num_heads_kv') && c.json.num_heads_kv !== null && c.json.num_heads_kv !== numAttentionHeads) c.fail(`unsupported num_heads_kv ${describe(c.json.num_heads_kv)} (grouped K/V heads)`);
  if (c.json.norm_mlp === true) c.fail('unsupported norm_mlp true (a LayerNorm inside the MLP)');
  if (c.json.rotary_emb_scale_base !== undefined && c.json.rotary_emb_scale_base !== null) c.fail(`unsupported rotary_emb_scale_base ${describe(c.json.rotary_emb_scale_base)} (xPos scaling)`);
  const actName = c.str('activation_function', 'gelu_new');
  if (actName === 'glu') c.fail('unsupported activation_function "glu" (a sigmoid gate; supported: swiglu, geglu, gelu)');
  const gated = Object.hasOwn(GATED, actName);
  if (!gated && !UNGATED.includes(actName)) c.fail(`unsupported activation_function "${actName}" (supported: swiglu, geglu, ${UNGATED.join(', ')})`);
  const nInner = c.json.n_inner === null ? undefined : c.has('n_inner') ? c.positiveInt('n_inner') : undefined;
  const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
  const intermediateSize = gated ? roundUp(nInner ?? Math.trunc((8 * hiddenSize) / 3), 256) : nInner ?? 4 * hiddenSize;
  const fraction = c.field<number>('rotary_emb_fraction', 0, (v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number in [0, 1]');
  const rotaryDim = Math.trunc(headDim * fraction);
  if (rotaryDim % 2) c.fail(`rotary_emb_fraction ${fraction} gives ${rotaryDim} rotary dims of ${headDim}: they must be even`);
  const nPositions = c.positiveInt(key('n_positions', 'max_position_embeddings'), 1024);
  // Dynamic NTK scaling changes the rotary base past max_trained_positions by the exact length: those are refused.
  const scaled = c.json.rotary_scaling_factor !== undefined && c.json.rotary_scaling_factor !== null && c.json.rotary_scaling_factor !== 0;
  const maxTrained = c.positiveInt('max_trained_positions', 2048);
  const multiple = c.positiveInt('pad_vocab_size_multiple', 1);
  const fc1Bias = c.bool('mlp_fc1_bias', true);
  return {
    modelType, family: 'nomic', format: 'nomic',
    vocabSize: roundUp(c.positiveInt('vocab_size', 50257), multiple), hiddenSize, numHiddenLayers, numAttentionHeads, headDim,
    intermediateSize, hiddenAct: gated ? GATED[actName] : 'gelu', hiddenActName: actName,
    maxPositionEmbeddings: rotaryDim ? 0 : nPositions,
    maxSequenceLength: rotaryDim && scaled ? Math.min(nPositions, maxTrained) : nPositions,
    typeVocabSize: c.nonNegativeInt('type_vocab_size', 2),
    layerNormEps: c.positiveNumber(key('layer_norm_epsilon', 'layer_norm_eps'), 1e-5),
    architectures: c.strings('architectures'), ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', null),
    tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    gated, rotaryDim, rotaryBase: c.positiveNumber('rotary_emb_base', 10000), rotaryInterleaved: c.bool('rotary_emb_interleaved', false),
    qkvBias: c.bool('qkv_proj_bias', true), fc1Bias, fc2Bias: c.bool('mlp_fc2_bias', true),
    mlmAct: actName === 'swiglu' ? 'silu' : ['gelu_new', 'gelu_fast', 'gelu_pytorch_tanh'].includes(actName) ? 'gelu_tanh' : 'gelu',
  };
}

/** transformers' NomicBertConfig: BERT's field names, rope_parameters (theta 1000), SiLU, no biases. */
function parsePort(c: ConfigReader, modelType: string): NomicConfig {
  c.encoderOnly();
  const hiddenSize = c.positiveInt('hidden_size', 768);
  const numAttentionHeads = c.positiveInt('num_attention_heads', 12);
  const headDim = c.heads(hiddenSize, numAttentionHeads);
  if (c.has('head_dim') && c.json.head_dim !== null && c.json.head_dim !== headDim) c.fail(`unsupported head_dim ${describe(c.json.head_dim)} (hidden_size / num_attention_heads is ${headDim})`);
  const rope = (c.json.rope_parameters ?? {}) as Record<string, unknown>;
  if (rope.rope_type !== undefined && rope.rope_type !== 'default') c.fail(`unsupported rope_parameters.rope_type ${describe(rope.rope_type)} (supported: "default")`);
  const theta = rope.rope_theta ?? 1000;
  if (typeof theta !== 'number' || !(theta > 0)) c.fail(`rope_parameters.rope_theta must be a positive number, got ${describe(theta)}`);
  const { act, name } = c.activation('hidden_act', 'silu');
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 2048);
  return {
    modelType, family: 'nomic', format: 'transformers',
    vocabSize: c.positiveInt('vocab_size', 30528), hiddenSize, numHiddenLayers: c.positiveInt('num_hidden_layers', 12), numAttentionHeads, headDim,
    intermediateSize: c.positiveInt('intermediate_size', 3072), hiddenAct: act, hiddenActName: name,
    maxPositionEmbeddings: 0, maxSequenceLength: maxPositionEmbeddings,
    typeVocabSize: c.nonNegativeInt('type_vocab_size', 2), layerNormEps: c.positiveNumber('layer_norm_eps', 1e-12),
    architectures: c.strings('architectures'), ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', 0), tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    gated: true, rotaryDim: headDim, rotaryBase: theta, rotaryInterleaved: false,
    qkvBias: false, fc1Bias: false, fc2Bias: false, mlmAct: act,
  };
}

function loadPort(config: NomicConfig, t: TensorTable): NomicWeights {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('nomic_bert.') ? 'nomic_bert.' : '';
  const embeddings: EmbeddingWeights = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, H]),
    tokenType: config.typeVocabSize ? t.take(`${p}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, H]) : undefined,
    norm: t.norm(`${p}embeddings.LayerNorm.`, H, eps),
  };
  const embeddingsNorm = t.has(`${p}embeddings_layernorm.weight`) ? t.norm(`${p}embeddings_layernorm.`, H, eps) : undefined;
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i): NomicLayer => {
    const q = `${p}layers.${i}.`;
    const [wq, wk, wv] = ['q', 'k', 'v'].map((n) => t.take(`${q}self_attn.${n}_proj.weight`, [H, H]));
    const [gate, up] = ['gate', 'up'].map((n) => t.take(`${q}mlp.${n}_proj.weight`, [I, H]));
    return {
      qkv: { weight: t.stack(`${q}self_attn.{q,k,v}_proj.weight (stacked)`, [wq, wk, wv]) },
      attnOut: t.linear(`${q}self_attn.o_proj.`, H, H, false),
      norm1: t.norm(`${q}post_attention_layernorm.`, H, eps),
      fcIn: { weight: t.pairHalves(`${q}mlp.{gate,up}_proj.weight (paired)`, t.stack(`${q}mlp.{gate,up}_proj.weight`, [gate, up])) },
      fc2: t.linear(`${q}mlp.down_proj.`, H, I, false),
      norm2: t.norm(`${q}post_mlp_layernorm.`, H, eps),
    };
  });
  const tokenArch = config.architectures.includes('NomicBertForTokenClassification');
  const hasPooler = t.has(`${p}pooler.dense.weight`);
  const load = headsToLoad(config, ARCHITECTURE_HEADS, (h) => ({
    pooler: hasPooler,
    mlm: t.has('cls.predictions.transform.dense.weight'),
    sequence: t.has('classifier.weight') && !tokenArch,
    token: t.has('classifier.weight') && tokenArch,
    qa: false, discriminator: false,
  })[h]);
  const heads: EncoderHeads = {};
  if (load.has('pooler') || load.has('sequence')) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
  if (load.has('sequence')) heads.sequence = { act: 'none', out: t.linear('classifier.', config.numLabels, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', config.numLabels, H);
  if (load.has('mlm')) {
    const norm = t.has('cls.predictions.transform.layernorm.weight') ? 'cls.predictions.transform.layernorm.' : 'cls.predictions.transform.layer_norm.';
    heads.mlm = {
      transform: t.linear('cls.predictions.transform.dense.', H, H),
      act: config.mlmAct,
      norm: t.norm(norm, H, eps),
      decoder: {
        weight: tiedDecoder(t, 'cls.predictions.decoder.weight', embeddings.word, config.tieWordEmbeddings),
        bias: takeEither(t, ['cls.predictions.bias', 'cls.predictions.decoder.bias'], [config.vocabSize]),
      },
    };
  }
  t.ignore('cls.predictions.decoder.bias', `${p}embeddings.position_ids`, `${p}embeddings.token_type_ids`);
  return { embeddings, embeddingsNorm, layers, heads };
}

function loadNomic(config: NomicConfig, t: TensorTable): NomicWeights {
  if (config.format === 'transformers') return loadPort(config, t);
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('bert.') ? 'bert.' : '';
  const embeddings: EmbeddingWeights = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, H]),
    tokenType: config.typeVocabSize ? t.take(`${p}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, H]) : undefined,
    position: config.rotaryDim ? undefined : t.take(`${p}embeddings.position_embeddings.weight`, [config.maxPositionEmbeddings, H]),
    norm: t.norm(`${p}emb_ln.`, H, eps),
  };
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i): NomicLayer => {
    const q = `${p}encoder.layers.${i}.`;
    let fcIn: Linear;
    if (config.gated) {
      const [fc11, fc12] = ['fc11', 'fc12'].map((n) => t.linear(`${q}mlp.${n}.`, I, H, config.fc1Bias));
      const stacked = (part: 'weight' | 'bias') => t.pairHalves(`${q}mlp.{fc12,fc11}.${part} (paired)`, t.stack(`${q}mlp.{fc12,fc11}.${part}`, [fc12[part]!, fc11[part]!]));
      fcIn = { weight: stacked('weight'), bias: config.fc1Bias ? stacked('bias') : undefined };
    } else {
      fcIn = t.linear(`${q}mlp.fc1.`, I, H, config.fc1Bias);
    }
    return {
      qkv: t.linear(`${q}attn.Wqkv.`, 3 * H, H, config.qkvBias),
      attnOut: t.linear(`${q}attn.out_proj.`, H, H, config.qkvBias),
      norm1: t.norm(`${q}norm1.`, H, eps),
      fcIn,
      fc2: t.linear(`${q}mlp.fc2.`, H, I, config.fc2Bias),
      norm2: t.norm(`${q}norm2.`, H, eps),
    };
  });
  const load = headsToLoad(config, ARCHITECTURE_HEADS, (h) => ({
    pooler: t.has(`${p}pooler.dense.weight`),
    mlm: t.has('cls.predictions.transform.dense.weight'),
    sequence: t.has('classifier.weight'),
    token: false, qa: false, discriminator: false,
  })[h]);
  const heads: EncoderHeads = {};
  if (load.has('pooler')) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
  if (load.has('sequence')) {
    if (!heads.pooler) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
    heads.sequence = { act: 'none', out: t.linear('classifier.', config.numLabels, H) };
  }
  if (load.has('mlm')) {
    heads.mlm = {
      transform: t.linear('cls.predictions.transform.dense.', H, H, config.fc1Bias),
      act: config.mlmAct,
      norm: t.norm('cls.predictions.transform.layer_norm.', H, eps),
      decoder: {
        weight: tiedDecoder(t, 'cls.predictions.decoder.weight', embeddings.word, config.tieWordEmbeddings),
        bias: config.fc1Bias ? t.take('cls.predictions.decoder.bias', [config.vocabSize]) : undefined,
      },
    };
  }
  return { embeddings, layers, heads };
}

function buildNomic(g: Graph, config: NomicConfig, w: NomicWeights, req: HeadRequest): void {
  const features: AttentionFeatureValues | undefined = config.rotaryDim
    ? { rope: { table: ropeConstant(g, config.rotaryDim, config.rotaryBase), rotaryDim: config.rotaryDim, interleaved: config.rotaryInterleaved } }
    : undefined;
  const mlp = config.gated ? `MLP in + ${config.hiddenActName}` : 'MLP in + GELU';
  let x = embed(g, w.embeddings);
  if (w.embeddingsNorm) x = layerNorm(g, x, w.embeddingsNorm, 'embeddings LayerNorm 2');
  w.layers.forEach((l, i) => {
    x = g.layer(i, () => {
      const qkv = linear(g, x, l.qkv, { stage: 'QKV projection' });
      const ctx = attention(g, qkv, { heads: config.numAttentionHeads, headDim: config.headDim, features });
      const x1 = denseLayerNorm(g, ctx, l.attnOut, x, l.norm1, { dense: 'attention output', norm: 'attention LayerNorm', fused: 'attention output + LayerNorm' });
      const inter = linear(g, x1, l.fcIn, { stage: mlp, activation: config.hiddenAct, glu: config.gated });
      return denseLayerNorm(g, inter, l.fc2, x1, l.norm2, { dense: 'MLP out', norm: 'MLP LayerNorm', fused: 'MLP out + LayerNorm' });
    });
  });
  addHeads(g, x, w.heads, req);
}

export const nomic = defineFamily<NomicConfig, NomicWeights>({
  name: 'nomic',
  modelTypes: ['nomic_bert'],
  architectures: ['NomicBertModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseNomic,
  loadWeights: loadNomic,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  attentionFeatures: (config) => (config.rotaryDim ? ['rope'] : []),
  build: buildNomic,
});
