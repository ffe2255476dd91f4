// ALBERT (transformers' AlbertModel and its heads): BERT's embeddings at embedding_size, always projected to
// hidden_size by encoder.embedding_hidden_mapping_in, then post-LN layers whose weights are shared: layer i
// runs layer group floor(i / (num_hidden_layers / num_hidden_groups)), and a group is inner_group_num layers
// in a row. A shared layer is one set of Weight descriptors reused by every layer that runs it, so the GPU
// arena holds it once however many layers read it. Heads: the tanh pooler (`pooler`, a bare Linear), the MLM
// head `predictions` (dense to embedding_size, hidden_act, LayerNorm, decoder tied to the word embeddings),
// sequence classification on the pooler, token classification, QA.
import type { ConfigReader, EncoderConfig } from './config.ts';
import {
  buildPostLn, headsOf, loadPostLnLayer, takeEither, tiedDecoder,
  type EncoderHeads, type HeadName, type LayerNames, type PostLnLayer, type PostLnWeights,
} from './encoder.ts';
import { bertHeadsToLoad } from './bert.ts';
import { arangePositions, defineFamily } from './family.ts';
import type { TensorTable } from './weights.ts';

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  AlbertForMaskedLM: ['mlm'],
  AlbertForPreTraining: ['mlm'],
  AlbertForSequenceClassification: ['pooler', 'sequence'],
  AlbertForTokenClassification: ['token'],
  AlbertForQuestionAnswering: ['qa'],
};

/** AlbertLayer's names under albert_layer_groups.G.albert_layers.J. */
const ALBERT_LAYER_NAMES: LayerNames = {
  query: 'attention.query.',
  key: 'attention.key.',
  value: 'attention.value.',
  attnOut: 'attention.dense.',
  attnNorm: 'attention.LayerNorm.',
  ffnIn: 'ffn.',
  ffnOut: 'ffn_output.',
  ffnNorm: 'full_layer_layer_norm.',
};

interface AlbertConfig extends EncoderConfig {
  /** Width of the embedding tables (AlbertConfig.embedding_size). */
  embeddingSize: number;
  /** Layer groups stored (num_hidden_groups) and layers per group (inner_group_num). */
  numHiddenGroups: number;
  innerGroupNum: number;
  /** num_hidden_layers as the config says it: how many times a group runs (numHiddenLayers counts every layer run). */
  groupCalls: number;
}

/** AlbertConfig's fields with its defaults (ALBERT-xxlarge's; a config transformers writes states them all). */
function parseAlbert(c: ConfigReader, modelType: string): AlbertConfig {
  for (const a of c.strings('architectures')) {
    if (a === 'AlbertForMultipleChoice') c.fail(`unsupported architecture ${a} (multiple-choice scoring over [batch, choices, seq] inputs)`);
  }
  const hiddenSize = c.positiveInt('hidden_size', 4096);
  const numAttentionHeads = c.positiveInt('num_attention_heads', 64);
  const headDim = c.heads(hiddenSize, numAttentionHeads);
  const { act, name } = c.activation('hidden_act', 'gelu_new');
  c.only('position_embedding_type', 'absolute', ['absolute'], ' (relative position embeddings)');
  c.encoderOnly();
  const groupCalls = c.positiveInt('num_hidden_layers', 12);
  const innerGroupNum = c.positiveInt('inner_group_num', 1);
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 512);
  return {
    modelType, family: 'albert', vocabSize: c.positiveInt('vocab_size', 30000), hiddenSize, numAttentionHeads, headDim,
    intermediateSize: c.positiveInt('intermediate_size', 16384), hiddenAct: act, hiddenActName: name,
    maxPositionEmbeddings, maxSequenceLength: maxPositionEmbeddings,
    typeVocabSize: c.positiveInt('type_vocab_size', 2), layerNormEps: c.positiveNumber('layer_norm_eps', 1e-12),
    architectures: c.strings('architectures'), ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', 0), tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    embeddingSize: c.positiveInt('embedding_size', 128), numHiddenGroups: c.positiveInt('num_hidden_groups', 1),
    innerGroupNum, groupCalls,
    // Every layer run counts (a group of inner_group_num layers runs num_hidden_layers times): attention maps are per run.
    numHiddenLayers: groupCalls * innerGroupNum,
  };
}

/** AlbertTransformer's group of call i: int(i / (num_hidden_layers / num_hidden_groups)), in doubles as Python divides. */
const groupOf = (config: AlbertConfig, i: number) => Math.floor(i / (config.groupCalls / config.numHiddenGroups));

function loadAlbert(config: AlbertConfig, t: TensorTable): PostLnWeights {
  const H = config.hiddenSize;
  const E = config.embeddingSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('albert.') ? 'albert.' : '';
  const embeddings = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, E]),
    position: t.take(`${p}embeddings.position_embeddings.weight`, [config.maxPositionEmbeddings, E]),
    tokenType: t.take(`${p}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, E]),
    norm: t.norm(`${p}embeddings.LayerNorm.`, E, eps),
  };
  // transformers builds embedding_hidden_mapping_in whatever the two widths are.
  const project = t.linear(`${p}encoder.embedding_hidden_mapping_in.`, H, E);
  const size = { hidden: H, intermediate: config.intermediateSize, eps };
  const groups = new Map<number, PostLnLayer[]>();
  const layers: PostLnLayer[] = [];
  for (let i = 0; i < config.groupCalls; i++) {
    const g = groupOf(config, i);
    if (!groups.has(g)) {
      groups.set(g, Array.from({ length: config.innerGroupNum }, (_, j) =>
        loadPostLnLayer(t, `${p}encoder.albert_layer_groups.${g}.albert_layers.${j}.`, ALBERT_LAYER_NAMES, size)));
    }
    layers.push(...groups.get(g)!);
  }
  // Groups no layer runs (num_hidden_groups > num_hidden_layers) are in transformers' files but never used.
  const unused = (n: string) => n.startsWith(`${p}encoder.albert_layer_groups.`) && !groups.has(Number(n.split('.')[p ? 3 : 2]));
  t.ignore(...t.names.filter(unused));

  const load = bertHeadsToLoad(config, t, ARCHITECTURE_HEADS, { tokenArchitecture: 'AlbertForTokenClassification', pooler: `${p}pooler.weight`, mlm: 'predictions.' });
  const L = config.numLabels;
  const heads: EncoderHeads = {};
  if (load.has('pooler')) heads.pooler = t.linear(`${p}pooler.`, H, H);
  if (load.has('sequence')) heads.sequence = { act: 'none', out: t.linear('classifier.', L, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', L, H);
  if (load.has('qa')) heads.qa = t.linear('qa_outputs.', 2, H);
  if (load.has('mlm')) {
    heads.mlm = {
      transform: t.linear('predictions.dense.', E, H),
      // AlbertMLMHead: ACT2FN[config.hidden_act].
      act: config.hiddenAct,
      norm: t.norm('predictions.LayerNorm.', E, eps),
      decoder: {
        weight: tiedDecoder(t, 'predictions.decoder.weight', embeddings.word, config.tieWordEmbeddings),
        bias: takeEither(t, ['predictions.bias', 'predictions.decoder.bias'], [config.vocabSize]),
      },
    };
  }
  t.ignore(
    `${p}embeddings.position_ids`, `${p}embeddings.token_type_ids`, // int64 buffers, not weights
    'predictions.decoder.bias', // tied to predictions.bias (whichever of the two is stored)
    'sop_classifier.classifier.weight', 'sop_classifier.classifier.bias', // sentence-order head of AlbertForPreTraining: no task uses it
  );
  return { embeddings, project, layers, heads };
}

export const albert = defineFamily<AlbertConfig, PostLnWeights>({
  name: 'albert',
  modelTypes: ['albert'],
  architectures: ['AlbertModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseAlbert,
  loadWeights: loadAlbert,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  build: buildPostLn,
});
