// DistilBERT (transformers' DistilBertModel and its heads): word + position embeddings (no token types),
// LayerNorm with eps 1e-12 everywhere (hard-coded in transformers), post-LN layers under its own names
// (q_lin/k_lin/v_lin/out_lin, sa_layer_norm, ffn.lin1/lin2, output_layer_norm), and heads that read the
// first token without a pooler: pre_classifier + ReLU + classifier for sequences. Sinusoidal position
// tables are part of the state dict, so a checkpoint carries them; one without gets transformers' table.
import type { ConfigReader, EncoderConfig } from './config.ts';
import {
  buildPostLn, headsOf, headsToLoad, loadPostLnLayer, takeEither, tiedDecoder,
  type EncoderHeads, type HeadName, type LayerNames, type PostLnWeights,
} from './encoder.ts';
import { arangePositions, defineFamily } from './family.ts';
import type { TensorTable } from './weights.ts';

/** transformers' DistilBERT modules build every LayerNorm with eps=1e-12; no config field sets it. */
const EPS = 1e-12;

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  DistilBertForMaskedLM: ['mlm'],
  DistilBertForSequenceClassification: ['sequence'],
  DistilBertForTokenClassification: ['token'],
  DistilBertForQuestionAnswering: ['qa'],
};

const LAYER_NAMES: LayerNames = {
  query: 'attention.q_lin.', key: 'attention.k_lin.', value: 'attention.v_lin.', attnOut: 'attention.out_lin.',
  attnNorm: 'sa_layer_norm.', ffnIn: 'ffn.lin1.', ffnOut: 'ffn.lin2.', ffnNorm: 'output_layer_norm.',
};

interface DistilBertConfig extends EncoderConfig {
  sinusoidalPositions: boolean;
}

function parseDistilBert(c: ConfigReader, modelType: string): DistilBertConfig {
  if (c.strings('architectures').includes('DistilBertForMultipleChoice')) c.fail('unsupported architecture DistilBertForMultipleChoice (multiple-choice scoring over [batch, choices, seq] inputs)');
  // DistilBertConfig's attribute_map: hidden_size -> dim, num_attention_heads -> n_heads, num_hidden_layers -> n_layers.
  const [dimKey, headsKey] = [c.either('dim', 'hidden_size'), c.either('n_heads', 'num_attention_heads')];
  const dim = c.positiveInt(dimKey, 768);
  const heads = c.positiveInt(headsKey, 12);
  const { act, name } = c.activation('activation', 'gelu');
  c.encoderOnly();
  const max = c.positiveInt('max_position_embeddings', 512);
  return {
    modelType, family: 'distilbert',
    vocabSize: c.positiveInt('vocab_size', 30522),
    hiddenSize: dim,
    numHiddenLayers: c.positiveInt(c.either('n_layers', 'num_hidden_layers'), 6),
    numAttentionHeads: heads,
    headDim: c.heads(dim, heads, [dimKey, headsKey]),
    intermediateSize: c.positiveInt('hidden_dim', 3072),
    hiddenAct: act, hiddenActName: name,
    maxPositionEmbeddings: max, maxSequenceLength: max,
    typeVocabSize: 0,
    layerNormEps: EPS,
    architectures: c.strings('architectures'), ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', 0),
    tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    sinusoidalPositions: c.bool('sinusoidal_pos_embds', false),
  };
}

/**
 * transformers' create_sinusoidal_embeddings: angle pos / 10000^(2 * (j // 2) / dim) in float64, sin in the
 * even columns and cos in the odd ones, stored as float32.
 */
export function sinusoidalTable(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < dim; j++) {
      const angle = p / 10000 ** ((2 * Math.floor(j / 2)) / dim);
      out[p * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

function loadDistilBert(config: DistilBertConfig, t: TensorTable): PostLnWeights {
  const H = config.hiddenSize;
  const p = t.hasPrefix('distilbert.') ? 'distilbert.' : '';
  const positionName = `${p}embeddings.position_embeddings.weight`;
  const positionShape = [config.maxPositionEmbeddings, H];
  const embeddings = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, H]),
    position: config.sinusoidalPositions && !t.has(positionName)
      ? t.derived(`${positionName} (sinusoidal)`, positionShape, sinusoidalTable(config.maxPositionEmbeddings, H))
      : t.take(positionName, positionShape),
    norm: t.norm(`${p}embeddings.LayerNorm.`, H, EPS),
  };
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i) =>
    loadPostLnLayer(t, `${p}transformer.layer.${i}.`, LAYER_NAMES, { hidden: H, intermediate: config.intermediateSize, eps: EPS }));
  const load = headsToLoad(config, ARCHITECTURE_HEADS, (h) => ({
    pooler: false,
    mlm: t.has('vocab_transform.weight'),
    sequence: t.has('pre_classifier.weight'),
    token: t.has('classifier.weight') && !t.has('pre_classifier.weight'),
    qa: t.has('qa_outputs.weight'),
    discriminator: false,
  })[h]);
  const L = config.numLabels;
  const heads: EncoderHeads = {};
  if (load.has('sequence')) heads.sequence = { dense: t.linear('pre_classifier.', H, H), act: 'relu', out: t.linear('classifier.', L, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', L, H);
  if (load.has('qa')) heads.qa = t.linear('qa_outputs.', 2, H);
  if (load.has('mlm')) {
    heads.mlm = {
      transform: t.linear('vocab_transform.', H, H),
      act: config.hiddenAct,
      norm: t.norm('vocab_layer_norm.', H, EPS),
      decoder: {
        weight: tiedDecoder(t, 'vocab_projector.weight', embeddings.word, config.tieWordEmbeddings),
        bias: takeEither(t, ['vocab_projector.bias'], [config.vocabSize]),
      },
    };
  }
  t.ignore(`${p}embeddings.position_ids`);
  return { embeddings, layers, heads };
}

export const distilbert = defineFamily<DistilBertConfig, PostLnWeights>({
  name: 'distilbert',
  modelTypes: ['distilbert'],
  architectures: ['DistilBertModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseDistilBert,
  loadWeights: loadDistilBert,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  build: buildPostLn,
});
