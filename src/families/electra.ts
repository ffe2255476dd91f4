// ELECTRA (transformers' ElectraModel and its heads): BERT's embeddings at embedding_size, projected to
// hidden_size by embeddings_project when the two differ, then BERT's post-LN layers. Heads: the
// discriminator of ElectraForPreTraining (one replaced-token logit per token), the generator's MLM head
// (ElectraForMaskedLM: dense to embedding_size, GELU, LayerNorm, decoder tied to the word embeddings), and
// sequence classification on the first token (dense + GELU + out_proj), token classification, QA.
import { loadBertBackbone, parseBertLike } from './bert.ts';
import type { ConfigReader, EncoderConfig } from './config.ts';
import {
  buildPostLn, headsOf, headsToLoad, takeEither, tiedDecoder,
  type EncoderHeads, type HeadName, type PostLnWeights,
} from './encoder.ts';
import { arangePositions, defineFamily } from './family.ts';
import type { TensorTable } from './weights.ts';

const ARCHITECTURE_HEADS: Record<string, HeadName[]> = {
  ElectraForPreTraining: ['discriminator'],
  ElectraForMaskedLM: ['mlm'],
  ElectraForSequenceClassification: ['sequence'],
  ElectraForTokenClassification: ['token'],
  ElectraForQuestionAnswering: ['qa'],
};

interface ElectraConfig extends EncoderConfig {
  /** Width of the embedding tables (ElectraConfig.embedding_size). */
  embeddingSize: number;
}

function parseElectra(c: ConfigReader, modelType: string): ElectraConfig {
  for (const a of c.strings('architectures')) {
    if (a === 'ElectraForMultipleChoice' || a === 'ElectraForCausalLM') c.fail(`unsupported architecture ${a} (${a.endsWith('CausalLM') ? 'a causal language model' : 'multiple-choice scoring over [batch, choices, seq] inputs'})`);
  }
  return { ...parseBertLike(c, modelType, 'electra'), embeddingSize: c.positiveInt('embedding_size', 128) };
}

function loadElectra(config: ElectraConfig, t: TensorTable): PostLnWeights {
  const H = config.hiddenSize;
  const E = config.embeddingSize;
  const eps = config.layerNormEps;
  const { p, embeddings, layers } = loadBertBackbone(config, t, 'electra.', E);
  // transformers builds embeddings_project only when embedding_size != hidden_size.
  const project = E !== H ? t.linear(`${p}embeddings_project.`, H, E) : undefined;
  const load = headsToLoad(config, ARCHITECTURE_HEADS, (h) => ({
    pooler: false,
    mlm: t.has('generator_lm_head.bias'),
    sequence: t.has('classifier.out_proj.weight'),
    token: t.has('classifier.weight'),
    qa: t.has('qa_outputs.weight'),
    discriminator: t.has('discriminator_predictions.dense.weight'),
  })[h]);
  const L = config.numLabels;
  const heads: EncoderHeads = {};
  // ElectraClassificationHead: dense, get_activation("gelu") whatever hidden_act says, out_proj.
  if (load.has('sequence')) heads.sequence = { dense: t.linear('classifier.dense.', H, H), act: 'gelu', out: t.linear('classifier.out_proj.', L, H) };
  else if (load.has('token')) heads.token = t.linear('classifier.', L, H);
  if (load.has('qa')) heads.qa = t.linear('qa_outputs.', 2, H);
  if (load.has('discriminator')) {
    heads.discriminator = {
      dense: t.linear('discriminator_predictions.dense.', H, H),
      act: config.hiddenAct,
      out: t.linear('discriminator_predictions.dense_prediction.', 1, H),
    };
  }
  if (load.has('mlm')) {
    heads.mlm = {
      transform: t.linear('generator_predictions.dense.', E, H),
      // ElectraGeneratorPredictions: get_activation("gelu") whatever hidden_act says.
      act: 'gelu',
      norm: t.norm('generator_predictions.LayerNorm.', E, eps),
      decoder: {
        weight: tiedDecoder(t, 'generator_lm_head.weight', embeddings.word, config.tieWordEmbeddings),
        bias: takeEither(t, ['generator_lm_head.bias'], [config.vocabSize]),
      },
    };
  }
  t.ignore(`${p}embeddings.position_ids`);
  return { embeddings, project, layers, heads };
}

export const electra = defineFamily<ElectraConfig, PostLnWeights>({
  name: 'electra',
  modelTypes: ['electra'],
  architectures: ['ElectraModel', ...Object.keys(ARCHITECTURE_HEADS)],
  parseConfig: parseElectra,
  loadWeights: loadElectra,
  heads: (_config, w) => headsOf(w.heads),
  positionIds: arangePositions,
  build: buildPostLn,
});
