// MPNet (transformers' MPNetModel and its heads; sentence-transformers' all-mpnet-base-v2): RoBERTa's
// embeddings without token types (positions counted from padding_idx + 1 over the non-pad ids), BERT's
// post-LN layers under the names attention.attn.{q,k,v,o} and attention.LayerNorm, and one learned relative
// position bias, encoder.relative_attention_bias [buckets, heads], added to every layer's scores at T5's
// bidirectional bucket of j - i. The fused attention computes the bias per score (no S x S tensor).
import { parseBertLike } from './bert.ts';
import type { ConfigReader, EncoderConfig } from './config.ts';
import { addHeads, headsOf, loadPostLnLayer, postLnEncoder, type EncoderHeads, type HeadName, type LayerNames, type PostLnLayer } from './encoder.ts';
import { defineFamily } from './family.ts';
import { loadRobertaHeads, robertaPositions } from './roberta.ts';
import type { TensorTable, Weight } from './weights.ts';
import { embed, relativeBucketsConstant, type EmbeddingWeights } from '../graph/ops.ts';

/** transformers' MPNetEncoder.compute_position_bias buckets with its defaults (32 buckets, max distance
 * 128) whatever relative_attention_num_buckets says; the table has relative_attention_num_buckets rows. */
export const MPNET_BUCKETS = 32;
export const MPNET_MAX_DISTANCE = 128;

const NAMES: LayerNames = {
  query: 'attention.attn.q.',
  key: 'attention.attn.k.',
  value: 'attention.attn.v.',
  attnOut: 'attention.attn.o.',
  attnNorm: 'attention.LayerNorm.',
  ffnIn: 'intermediate.dense.',
  ffnOut: 'output.dense.',
  ffnNorm: 'output.LayerNorm.',
};

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  MPNetForMaskedLM: ['mlm'],
  MPNetForSequenceClassification: ['sequence'],
  MPNetForTokenClassification: ['token'],
  MPNetForQuestionAnswering: ['qa'],
};

const UNSUPPORTED: Record<string, string> = {
  MPNetForMultipleChoice: 'multiple-choice scoring over [batch, choices, seq] inputs',
};

interface MpnetConfig extends EncoderConfig {
  relativeBuckets: number;
}

interface MpnetWeights {
  embeddings: EmbeddingWeights;
  relativeBias: Weight; // [relative_attention_num_buckets * heads], bucket-major, f32
  layers: PostLnLayer[];
  heads: EncoderHeads;
}

function parseMpnet(c: ConfigReader, modelType: string): MpnetConfig {
  for (const a of c.strings('architectures')) if (Object.hasOwn(UNSUPPORTED, a)) c.fail(`unsupported architecture ${a} (${UNSUPPORTED[a]})`);
  // MPNetConfig: pad 1, max_position_embeddings 514, layer_norm_eps 1e-12, 32 buckets; no token types.
  const base = parseBertLike(c, modelType, 'mpnet', 1);
  const relativeBuckets = c.positiveInt('relative_attention_num_buckets', 32);
  if (relativeBuckets < MPNET_BUCKETS) c.fail(`relative_attention_num_buckets ${relativeBuckets} is below the ${MPNET_BUCKETS} buckets transformers' MPNet indexes`);
  const pad = base.padTokenId;
  if (pad === null) c.fail('pad_token_id must be set: MPNet counts positions from padding_idx + 1');
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 514);
  if (pad + 1 >= maxPositionEmbeddings) c.fail(`pad_token_id ${pad} leaves no positions in max_position_embeddings ${maxPositionEmbeddings}`);
  return { ...base, typeVocabSize: 0, maxPositionEmbeddings, maxSequenceLength: maxPositionEmbeddings - pad - 1, relativeBuckets };
}

function loadMpnet(config: MpnetConfig, t: TensorTable): MpnetWeights {
  const H = config.hiddenSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('mpnet.') ? 'mpnet.' : '';
  const embeddings: EmbeddingWeights = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, H]),
    position: t.take(`${p}embeddings.position_embeddings.weight`, [config.maxPositionEmbeddings, H]),
    norm: t.norm(`${p}embeddings.LayerNorm.`, H, eps),
  };
  const relativeBias = t.flatten(t.take(`${p}encoder.relative_attention_bias.weight`, [config.relativeBuckets, config.numAttentionHeads]));
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i) =>
    loadPostLnLayer(t, `${p}encoder.layer.${i}.`, NAMES, { hidden: H, intermediate: config.intermediateSize, eps }));
  const heads = loadRobertaHeads(config, t, p, embeddings.word, ARCHITECTURE_HEADS);
  return { embeddings, relativeBias, layers, heads };
}

export const mpnet = defineFamily<MpnetConfig, MpnetWeights>({
  name: 'mpnet',
  modelTypes: ['mpnet'],
  architectures: ['MPNetModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseMpnet,
  loadWeights: loadMpnet,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: robertaPositions,
  attentionFeatures: () => ['relative-bias'],
  build(g, config, w, req) {
    const x = embed(g, w.embeddings);
    // The buckets are of raw indices 0..S-1 (not the position ids), as compute_position_bias makes them.
    const relativeBias = { buckets: relativeBucketsConstant(g, MPNET_BUCKETS, MPNET_MAX_DISTANCE), weight: w.relativeBias };
    const h = postLnEncoder(g, x, w.layers, { heads: config.numAttentionHeads, headDim: config.headDim, act: config.hiddenAct, features: { relativeBias } });
    addHeads(g, h, w.heads, req);
  },
});
