// BERT (transformers' BertModel and its heads): word + position + token-type embeddings and LayerNorm,
// post-LN layers, a tanh pooler on the first token, and the heads of BertForMaskedLM / ForPreTraining /
// ForSequenceClassification / ForTokenClassification / ForQuestionAnswering. The backbone may carry a
// `bert.` prefix (the heads) or none (BertModel); head tensors never do.
import type { ConfigReader, EncoderConfig } from './config.ts';
import {
  BERT_LAYER_NAMES, buildPostLn, headsOf, headsToLoad, loadPostLnLayer, takeEither, tiedDecoder,
  type EncoderHeads, type HeadName, type PostLnWeights,
} from './encoder.ts';
import { arangePositions, defineFamily } from './family.ts';
import type { TensorTable, Weight } from './weights.ts';

/** Heads each architecture cannot run without (BertModel's pooler is optional: loaded when present). */
const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  BertForMaskedLM: ['mlm'],
  BertForPreTraining: ['mlm'],
  BertForSequenceClassification: ['pooler', 'sequence'],
  BertForTokenClassification: ['token'],
  BertForQuestionAnswering: ['qa'],
};

/** Head classes whose output this engine does not compute: refused rather than run as something else. */
const UNSUPPORTED: Record<string, string> = {
  BertForMultipleChoice: 'multiple-choice scoring over [batch, choices, seq] inputs',
  BertLMHeadModel: 'a causal language model',
};

/** BertConfig's fields, which RoBERTa's config classes keep; `padTokenId` is the class's default pad id. */
export function parseBertLike(c: ConfigReader, modelType: string, family: string, padTokenId = 0): EncoderConfig {
  const vocabSize = c.positiveInt('vocab_size');
  const hiddenSize = c.positiveInt('hidden_size');
  const numHiddenLayers = c.positiveInt('num_hidden_layers');
  const numAttentionHeads = c.positiveInt('num_attention_heads');
  const intermediateSize = c.positiveInt('intermediate_size');
  const headDim = c.heads(hiddenSize, numAttentionHeads);
  const { act, name } = c.activation('hidden_act', 'gelu');
  c.only('position_embedding_type', 'absolute', ['absolute'], ' (relative position embeddings)');
  c.encoderOnly();
  const architectures = c.strings('architectures');
  for (const a of architectures) if (Object.hasOwn(UNSUPPORTED, a)) c.fail(`unsupported architecture ${a} (${UNSUPPORTED[a]})`);
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 512);
  return {
    modelType, family, vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, headDim, intermediateSize,
    hiddenAct: act, hiddenActName: name, maxPositionEmbeddings, maxSequenceLength: maxPositionEmbeddings,
    typeVocabSize: c.positiveInt('type_vocab_size', 2),
    layerNormEps: c.positiveNumber('layer_norm_eps', 1e-12),
    architectures, ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', padTokenId),
    tieWordEmbeddings: c.bool('tie_word_embeddings', true),
  };
}

/**
 * BERT's embeddings and encoder layers under `prefix` (when the file has it: head checkpoints do, bare
 * models do not), the backbone RoBERTa and ELECTRA share; `width` is the embeddings' (ELECTRA's narrower).
 */
export function loadBertBackbone(config: EncoderConfig, t: TensorTable, prefix: string, width = config.hiddenSize) {
  const p = t.hasPrefix(prefix) ? prefix : '';
  const eps = config.layerNormEps;
  const embeddings = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, width]),
    position: t.take(`${p}embeddings.position_embeddings.weight`, [config.maxPositionEmbeddings, width]),
    tokenType: t.take(`${p}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, width]),
    norm: t.norm(`${p}embeddings.LayerNorm.`, width, eps),
  };
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i) =>
    loadPostLnLayer(t, `${p}encoder.layer.${i}.`, BERT_LAYER_NAMES, { hidden: config.hiddenSize, intermediate: config.intermediateSize, eps }));
  return { p, embeddings, layers };
}

/**
 * Which heads to load from BERT's head layout, which ALBERT and Jina-BERT keep: one `classifier.` for both
 * classifiers (the token-classification architecture decides, else a pooler means a sequence classifier),
 * `qa_outputs.`, and an MLM head whose bias is stored as `<mlm>bias` or `<mlm>decoder.bias`.
 */
export function bertHeadsToLoad(
  config: EncoderConfig, t: TensorTable, needs: Readonly<Record<string, readonly HeadName[]>>,
  names: { tokenArchitecture: string; pooler: string; mlm: string },
): Set<HeadName> {
  const tokenArch = config.architectures.includes(names.tokenArchitecture);
  const hasPooler = t.has(names.pooler);
  const classifier = t.has('classifier.weight');
  return headsToLoad(config, needs, (h) => ({
    pooler: hasPooler,
    mlm: t.has(`${names.mlm}bias`) || t.has(`${names.mlm}decoder.bias`),
    sequence: classifier && !tokenArch && hasPooler,
    token: classifier && (tokenArch || !hasPooler),
    qa: t.has('qa_outputs.weight'),
    discriminator: false,
  })[h]);
}

/** BERT's MLM head `cls.predictions.` (dense, activation, LayerNorm, decoder tied to the word embeddings), which Jina-BERT keeps. */
export function bertMlmHead(config: EncoderConfig, t: TensorTable, word: Weight): NonNullable<EncoderHeads['mlm']> {
  const H = config.hiddenSize;
  return {
    transform: t.linear('cls.predictions.transform.dense.', H, H),
    act: config.hiddenAct,
    norm: t.norm('cls.predictions.transform.LayerNorm.', H, config.layerNormEps),
    decoder: {
      weight: tiedDecoder(t, 'cls.predictions.decoder.weight', word, config.tieWordEmbeddings),
      bias: takeEither(t, ['cls.predictions.bias', 'cls.predictions.decoder.bias'], [config.vocabSize]),
    },
  };
}

function loadBert(config: EncoderConfig, t: TensorTable): PostLnWeights {
  const H = config.hiddenSize;
  const { p, embeddings, layers } = loadBertBackbone(config, t, 'bert.');

  const load = bertHeadsToLoad(config, t, ARCHITECTURE_HEADS, { tokenArchitecture: 'BertForTokenClassification', pooler: `${p}pooler.dense.weight`, mlm: 'cls.predictions.' });
  const L = config.numLabels;
  const heads: EncoderHeads = {};
  if (load.has('pooler')) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
  if (load.has('sequence')) heads.sequence = { act: 'none', out: t.linear('classifier.', L, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', L, H);
  if (load.has('qa')) heads.qa = t.linear('qa_outputs.', 2, H);
  if (load.has('mlm')) heads.mlm = bertMlmHead(config, t, embeddings.word);
  t.ignore(
    `${p}embeddings.position_ids`, // an int64 buffer 0..P-1, not a weight
    'cls.predictions.decoder.bias', // tied to cls.predictions.bias (whichever of the two is stored)
    'cls.seq_relationship.weight', 'cls.seq_relationship.bias', // next-sentence head of BertForPreTraining: no task uses it
  );
  return { embeddings, layers, heads };
}

export const bert = defineFamily<EncoderConfig, PostLnWeights>({
  name: 'bert',
  modelTypes: ['bert'],
  architectures: ['BertModel', ...Object.keys(ARCHITECTURE_HEADS), 'BertForNextSentencePrediction'],
  parseConfig: (c, modelType) => parseBertLike(c, modelType, 'bert'),
  loadWeights: loadBert,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  build: buildPostLn,
});
