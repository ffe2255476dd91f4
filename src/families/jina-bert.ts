// Jina-BERT v2 (jina-embeddings-v2-*, jina-reranker-v1-*): the remote code of jinaai/jina-bert-implementation
// (modeling_bert.py), whose configs keep model_type "bert" and say `position_embedding_type: "alibi"`. BERT's
// post-LN layers with two changes:
// - no position table: every layer's scores get ALiBi's symmetric bias -slope[h] * |i - j| (the encoder's
//   rebuild_alibi_tensor), slopes from `_get_alibi_head_slopes` for any head count (kernels' alibiSlopes);
// - `feed_forward_type` "geglu" / "reglu" (the two JinaBertGLUMLP knows; it raises on any other): the MLP is
//     mlp.layernorm(x + mlp.wo(act(g[:, :I]) * g[:, I:])),   g = x mlp.gated_layers (no bias),
//   whose two halves are one matmul with the GLU epilogue; "original" keeps BERT's intermediate / output.
// Heads are BERT's under `bert.`: the tanh pooler, ForSequenceClassification (pooler + classifier, the
// rerankers), ForTokenClassification, ForQuestionAnswering, ForMaskedLM (cls.predictions). The embedding
// models' configs name JinaBertForMaskedLM but their files hold the bare backbone: that name needs no head.
import type { Graph } from '../graph/graph.ts';
import { alibiConstant, attention, denseLayerNorm, embed, linear, type AttentionFeatureValues, type EmbeddingWeights } from '../graph/ops.ts';
import type { Activation } from '../kernels/matmul.ts';
import type { ConfigReader, EncoderConfig } from './config.ts';
import { addHeads, headsOf, type EncoderHeads, type HeadName, type PostLnLayer } from './encoder.ts';
import { bertHeadsToLoad, bertMlmHead } from './bert.ts';
import { arangePositions, defineFamily, type HeadRequest } from './family.ts';
import type { TensorTable } from './weights.ts';

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  JinaBertForMaskedLM: [],
  JinaBertForSequenceClassification: ['pooler', 'sequence'],
  JinaBertForTokenClassification: ['token'],
  JinaBertForQuestionAnswering: ['qa'],
};

/** feed_forward_type → the activated half's activation (nn.GELU is the erf form). */
const GLU: Record<string, Activation> = { geglu: 'gelu', reglu: 'relu' };

export interface JinaBertConfig extends EncoderConfig {
  alibi: boolean;
  /** The GLU's activation; undefined: BERT's ungated MLP ("original"). */
  glu?: Activation;
  feedForwardType: string;
}

interface JinaBertWeights {
  embeddings: EmbeddingWeights;
  layers: PostLnLayer[]; // ffnIn: gated_layers with its halves paired when glu
  heads: EncoderHeads;
}

/** Its configs say "bert": the ALiBi position type, a GLU feed-forward or a JinaBert head class make it this family. */
function claims(c: ConfigReader): boolean {
  const ff = c.json.feed_forward_type;
  return c.json.position_embedding_type === 'alibi' || (typeof ff === 'string' && ff !== 'original')
    || c.strings('architectures').some((a) => a.startsWith('JinaBert'));
}

function parseJinaBert(c: ConfigReader, modelType: string): JinaBertConfig {
  c.encoderOnly();
  const hiddenSize = c.positiveInt('hidden_size', 768);
  const numAttentionHeads = c.positiveInt('num_attention_heads', 12);
  const headDim = c.heads(hiddenSize, numAttentionHeads);
  const position = c.only('position_embedding_type', 'absolute', ['alibi', 'absolute'], ' (relative position embeddings)');
  // The config classes of jina's repositories disagree on its default ("original", "geglu"): a file must say.
  const feedForwardType = c.str('feed_forward_type');
  if (feedForwardType !== 'original' && !Object.hasOwn(GLU, feedForwardType)) c.fail(`unsupported feed_forward_type "${feedForwardType}" (supported: ${[...Object.keys(GLU), 'original'].map((s) => `"${s}"`).join(', ')})`);
  const { act, name } = c.activation('hidden_act', 'gelu');
  const maxPositionEmbeddings = c.positiveInt('max_position_embeddings', 512);
  const alibi = position === 'alibi';
  return {
    modelType, family: 'jina-bert',
    vocabSize: c.positiveInt('vocab_size', 30522), hiddenSize, numHiddenLayers: c.positiveInt('num_hidden_layers', 12), numAttentionHeads, headDim,
    intermediateSize: c.positiveInt('intermediate_size', 3072), hiddenAct: act, hiddenActName: name,
    // ALiBi has no table; the encoder rebuilds its bias for longer inputs, max_position_embeddings is what it was made for.
    maxPositionEmbeddings: alibi ? 0 : maxPositionEmbeddings, maxSequenceLength: maxPositionEmbeddings,
    typeVocabSize: c.positiveInt('type_vocab_size', 2), layerNormEps: c.positiveNumber('layer_norm_eps', 1e-12),
    architectures: c.strings('architectures'), ...c.labels(),
    padTokenId: c.tokenId('pad_token_id', 0), tieWordEmbeddings: c.bool('tie_word_embeddings', true),
    alibi, glu: GLU[feedForwardType], feedForwardType,
  };
}

function loadJinaBert(config: JinaBertConfig, t: TensorTable): JinaBertWeights {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const eps = config.layerNormEps;
  const p = t.hasPrefix('bert.') ? 'bert.' : '';
  const embeddings: EmbeddingWeights = {
    word: t.take(`${p}embeddings.word_embeddings.weight`, [config.vocabSize, H]),
    position: config.alibi ? undefined : t.take(`${p}embeddings.position_embeddings.weight`, [config.maxPositionEmbeddings, H]),
    tokenType: t.take(`${p}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, H]),
    norm: t.norm(`${p}embeddings.LayerNorm.`, H, eps),
  };
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i): PostLnLayer => {
    const q = `${p}encoder.layer.${i}.`;
    const [wq, wk, wv] = ['query', 'key', 'value'].map((n) => t.linear(`${q}attention.self.${n}.`, H, H));
    const mlp = config.glu
      ? {
        ffnIn: { weight: t.pairHalves(`${q}mlp.gated_layers.weight (paired)`, t.take(`${q}mlp.gated_layers.weight`, [2 * I, H])) },
        ffnOut: t.linear(`${q}mlp.wo.`, H, I),
        ffnNorm: t.norm(`${q}mlp.layernorm.`, H, eps),
      }
      : { ffnIn: t.linear(`${q}intermediate.dense.`, I, H), ffnOut: t.linear(`${q}output.dense.`, H, I), ffnNorm: t.norm(`${q}output.LayerNorm.`, H, eps) };
    return {
      qkv: {
        weight: t.stack(`${q}attention.self.{query,key,value}.weight (stacked)`, [wq.weight, wk.weight, wv.weight]),
        bias: t.stack(`${q}attention.self.{query,key,value}.bias (stacked)`, [wq.bias!, wk.bias!, wv.bias!]),
      },
      attnOut: t.linear(`${q}attention.output.dense.`, H, H),
      attnNorm: t.norm(`${q}attention.output.LayerNorm.`, H, eps),
      ...mlp,
    };
  });
  const load = bertHeadsToLoad(config, t, ARCHITECTURE_HEADS, { tokenArchitecture: 'JinaBertForTokenClassification', pooler: `${p}pooler.dense.weight`, mlm: 'cls.predictions.' });
  const heads: EncoderHeads = {};
  if (load.has('pooler') || load.has('sequence')) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
  if (load.has('sequence')) heads.sequence = { act: 'none', out: t.linear('classifier.', config.numLabels, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', config.numLabels, H);
  if (load.has('qa')) heads.qa = t.linear('qa_outputs.', 2, H);
  if (load.has('mlm')) heads.mlm = bertMlmHead(config, t, embeddings.word);
  t.ignore(`${p}embeddings.position_ids`, `${p}embeddings.token_type_ids`, 'cls.predictions.decoder.bias');
  return { embeddings, layers, heads };
}

function buildJinaBert(g: Graph, config: JinaBertConfig, w: JinaBertWeights, req: HeadRequest): void {
  const features: AttentionFeatureValues | undefined = config.alibi ? { alibi: { slopes: alibiConstant(g, config.numAttentionHeads) } } : undefined;
  const act = config.glu ?? config.hiddenAct;
  const mlp = config.glu ? `MLP in + ${config.feedForwardType}` : `FFN in + ${config.hiddenActName}`;
  let x = embed(g, w.embeddings);
  w.layers.forEach((l, i) => {
    x = g.layer(i, () => {
      const qkv = linear(g, x, l.qkv, { stage: 'QKV projection' });
      const ctx = attention(g, qkv, { heads: config.numAttentionHeads, headDim: config.headDim, features });
      const x1 = denseLayerNorm(g, ctx, l.attnOut, x, l.attnNorm, { dense: 'attention output', norm: 'attention LayerNorm', fused: 'attention output + LayerNorm' });
      const inter = linear(g, x1, l.ffnIn, { stage: mlp, activation: act, glu: Boolean(config.glu) });
      return denseLayerNorm(g, inter, l.ffnOut, x1, l.ffnNorm, { dense: 'MLP out', norm: 'MLP LayerNorm', fused: 'MLP out + LayerNorm' });
    });
  });
  addHeads(g, x, w.heads, req);
}

export const jinaBert = defineFamily<JinaBertConfig, JinaBertWeights>({
  name: 'jina-bert',
  modelTypes: ['bert'],
  claims,
  architectures: ['JinaBertModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseJinaBert,
  loadWeights: loadJinaBert,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  attentionFeatures: (config) => (config.alibi ? ['alibi'] : []),
  build: buildJinaBert,
});
