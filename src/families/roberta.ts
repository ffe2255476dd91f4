// RoBERTa, XLM-RoBERTa and CamemBERT (transformers' RobertaModel and its heads; the other two reuse it under
// their own config classes): BERT's post-LN encoder with position ids counted from padding_idx + 1 over
// the non-pad ids (pads get padding_idx), usually one token type, an LM head whose activation is always
// the erf GELU, and a classification head of its own on the first token (dense + tanh + out_proj, no
// pooler). Backbone names carry `roberta.` in every head class and none in a bare RobertaModel.
import { loadBertBackbone, parseBertLike } from './bert.ts';
import type { ConfigReader, EncoderConfig } from './config.ts';
import {
  buildPostLn, headsOf, headsToLoad, takeEither, tiedDecoder,
  type EncoderHeads, type HeadName, type PostLnWeights,
} from './encoder.ts';
import { defineFamily } from './family.ts';
import type { TensorTable, Weight } from './weights.ts';

const CLASSES = ['Roberta', 'XLMRoberta', 'Camembert'];
const head = (suffix: string, heads: HeadName[]) => Object.fromEntries(CLASSES.map((c) => [`${c}${suffix}`, heads]));

/** Heads each architecture cannot run without (RobertaModel's pooler is optional: loaded when present). */
const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  ...head('ForMaskedLM', ['mlm']),
  ...head('ForSequenceClassification', ['sequence']),
  ...head('ForTokenClassification', ['token']),
  ...head('ForQuestionAnswering', ['qa']),
};

const UNSUPPORTED: Record<string, string> = {
  ...Object.fromEntries(CLASSES.map((c) => [`${c}ForMultipleChoice`, 'multiple-choice scoring over [batch, choices, seq] inputs'])),
  ...Object.fromEntries(CLASSES.map((c) => [`${c}ForCausalLM`, 'a causal language model'])),
};

function parseRoberta(c: ConfigReader, modelType: string): EncoderConfig {
  for (const a of c.strings('architectures')) if (Object.hasOwn(UNSUPPORTED, a)) c.fail(`unsupported architecture ${a} (${UNSUPPORTED[a]})`);
  // RobertaConfig's pad_token_id defaults to 1 (BertConfig's to 0); its other defaults are BertConfig's.
  const config = parseBertLike(c, modelType, 'roberta', 1);
  const pad = config.padTokenId;
  if (pad === null) c.fail('pad_token_id must be set: RoBERTa counts positions from padding_idx + 1');
  if (pad + 1 >= config.maxPositionEmbeddings) c.fail(`pad_token_id ${pad} leaves no positions in max_position_embeddings ${config.maxPositionEmbeddings}`);
  return { ...config, maxSequenceLength: config.maxPositionEmbeddings - pad - 1 };
}

/**
 * transformers' create_position_ids_from_input_ids: a non-pad token is padding_idx + its count of non-pad
 * tokens so far; a pad token is padding_idx. From the ids, not the attention mask, as transformers does.
 */
export function robertaPositions(config: EncoderConfig, ids: Uint32Array, batch: number, seqLen: number): Uint32Array {
  const pad = config.padTokenId!;
  const out = new Uint32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let s = 0; s < seqLen; s++) {
      const i = b * seqLen + s;
      if (ids[i] !== pad) count++;
      out[i] = ids[i] === pad ? pad : pad + count;
    }
  }
  return out;
}

/**
 * RoBERTa's heads (MPNet has the same ones under the same names): the optional pooler under the backbone
 * prefix `p`, `classifier.dense` + tanh + `classifier.out_proj` or a token `classifier`, `qa_outputs`, and
 * `lm_head` (dense, erf GELU whatever hidden_act says, layer_norm, decoder tied to `word`, bias).
 */
export function loadRobertaHeads(config: EncoderConfig, t: TensorTable, p: string, word: Weight, needs: Readonly<Record<string, readonly HeadName[]>>): EncoderHeads {
  const H = config.hiddenSize;
  const load = headsToLoad(config, needs, (h) => ({
    pooler: t.has(`${p}pooler.dense.weight`),
    mlm: t.has('lm_head.dense.weight'),
    sequence: t.has('classifier.out_proj.weight'),
    token: t.has('classifier.weight'),
    qa: t.has('qa_outputs.weight'),
    discriminator: false,
  })[h]);
  const L = config.numLabels;
  const heads: EncoderHeads = {};
  if (load.has('pooler')) heads.pooler = t.linear(`${p}pooler.dense.`, H, H);
  if (load.has('sequence')) heads.sequence = { dense: t.linear('classifier.dense.', H, H), act: 'tanh', out: t.linear('classifier.out_proj.', L, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', L, H);
  if (load.has('qa')) heads.qa = t.linear('qa_outputs.', 2, H);
  if (load.has('mlm')) {
    heads.mlm = {
      transform: t.linear('lm_head.dense.', H, H),
      act: 'gelu',
      norm: t.norm('lm_head.layer_norm.', H, config.layerNormEps),
      decoder: {
        weight: tiedDecoder(t, 'lm_head.decoder.weight', word, config.tieWordEmbeddings),
        bias: takeEither(t, ['lm_head.bias', 'lm_head.decoder.bias'], [config.vocabSize]),
      },
    };
  }
  t.ignore(`${p}embeddings.position_ids`, 'lm_head.decoder.bias');
  return heads;
}

function loadRoberta(config: EncoderConfig, t: TensorTable): PostLnWeights {
  const { p, embeddings, layers } = loadBertBackbone(config, t, 'roberta.');
  return { embeddings, layers, heads: loadRobertaHeads(config, t, p, embeddings.word, ARCHITECTURE_HEADS) };
}

export const roberta = defineFamily<EncoderConfig, PostLnWeights>({
  name: 'roberta',
  modelTypes: ['roberta', 'xlm-roberta', 'camembert'],
  architectures: [...CLASSES.map((c) => `${c}Model`), ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseRoberta,
  loadWeights: loadRoberta,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: robertaPositions,
  build: buildPostLn,
});
