// What differs between the families' generated checkpoints: the architectures (transformers' head classes)
// each family has, their config.json, and every tensor of each architecture under the names and in the
// state_dict order transformers' save_pretrained writes (backbone prefix on the heads' backbone, pooler
// only where add_pooling_layer stays true, tied decoders left out).

export const FAMILY_ARCHITECTURES = {
  bert: ['BertModel', 'BertForMaskedLM', 'BertForSequenceClassification', 'BertForTokenClassification', 'BertForQuestionAnswering'],
  distilbert: ['DistilBertModel', 'DistilBertForMaskedLM', 'DistilBertForSequenceClassification', 'DistilBertForTokenClassification', 'DistilBertForQuestionAnswering'],
  roberta: ['RobertaModel', 'RobertaForMaskedLM', 'RobertaForSequenceClassification', 'RobertaForTokenClassification', 'RobertaForQuestionAnswering'],
  'xlm-roberta': ['XLMRobertaModel', 'XLMRobertaForMaskedLM', 'XLMRobertaForSequenceClassification', 'XLMRobertaForTokenClassification', 'XLMRobertaForQuestionAnswering'],
  electra: ['ElectraModel', 'ElectraForPreTraining', 'ElectraForMaskedLM', 'ElectraForSequenceClassification', 'ElectraForTokenClassification', 'ElectraForQuestionAnswering'],
  albert: ['AlbertModel', 'AlbertForMaskedLM', 'AlbertForSequenceClassification', 'AlbertForTokenClassification', 'AlbertForQuestionAnswering'],
} as const;

export type GeneratedFamily = keyof typeof FAMILY_ARCHITECTURES;
export type Architecture = (typeof FAMILY_ARCHITECTURES)[GeneratedFamily][number];
export const ARCHITECTURES: readonly Architecture[] = Object.values(FAMILY_ARCHITECTURES).flat();

export function familyOf(a: Architecture): GeneratedFamily {
  return (Object.keys(FAMILY_ARCHITECTURES) as GeneratedFamily[]).find((f) => (FAMILY_ARCHITECTURES[f] as readonly string[]).includes(a))!;
}

/** The backbone's name prefix in the head classes. */
export const FAMILY_PREFIX: Record<GeneratedFamily, string> = { bert: 'bert.', distilbert: 'distilbert.', roberta: 'roberta.', 'xlm-roberta': 'roberta.', electra: 'electra.', albert: 'albert.' };

export type Init = 'weight' | 'bias' | 'gamma';

export interface PlannedTensor {
  name: string; // full name, prefix included
  key: string; // name without the backbone prefix: what seeds its stream
  shape: number[];
  init: Init;
}

/** The sizes a plan needs. */
export interface PlanSizes {
  architecture: Architecture;
  hiddenSize: number;
  numLayers: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  vocabSize: number;
  embeddingSize: number;
  labels: number;
  prefix: string;
}

/** Every tensor of the architecture, in transformers' state_dict (module) order. */
export function tensorPlan(o: PlanSizes): PlannedTensor[] {
  const family = familyOf(o.architecture);
  const [H, I, V, L] = [o.hiddenSize, o.intermediateSize, o.vocabSize, o.labels];
  const E = family === 'electra' || family === 'albert' ? o.embeddingSize : H;
  const out: PlannedTensor[] = [];
  const add = (backbone: boolean, key: string, shape: number[], init: Init) => out.push({ name: (backbone ? o.prefix : '') + key, key, shape, init });
  const linear = (backbone: boolean, key: string, outDim: number, inDim: number) => {
    add(backbone, `${key}.weight`, [outDim, inDim], 'weight');
    add(backbone, `${key}.bias`, [outDim], 'bias');
  };
  const norm = (backbone: boolean, key: string, n = H) => {
    add(backbone, `${key}.weight`, [n], 'gamma');
    add(backbone, `${key}.bias`, [n], 'bias');
  };
  const arch = o.architecture;
  const is = (suffix: string) => arch.endsWith(suffix);

  add(true, 'embeddings.word_embeddings.weight', [V, E], 'weight');
  add(true, 'embeddings.position_embeddings.weight', [o.maxPositions, E], 'weight');
  if (family !== 'distilbert') add(true, 'embeddings.token_type_embeddings.weight', [o.typeVocabSize, E], 'weight');
  norm(true, 'embeddings.LayerNorm', E);
  if (family === 'albert') {
    // One layer group (num_hidden_groups 1, inner_group_num 1) that every layer runs, in AlbertLayer's module order.
    linear(true, 'encoder.embedding_hidden_mapping_in', H, E);
    const l = 'encoder.albert_layer_groups.0.albert_layers.0';
    norm(true, `${l}.full_layer_layer_norm`);
    for (const p of ['query', 'key', 'value', 'dense']) linear(true, `${l}.attention.${p}`, H, H);
    norm(true, `${l}.attention.LayerNorm`);
    linear(true, `${l}.ffn`, I, H);
    linear(true, `${l}.ffn_output`, H, I);
  } else if (E !== H) linear(true, 'embeddings_project', H, E);
  const storedLayers = family === 'albert' ? 0 : o.numLayers; // ALBERT's layers all run the group above
  for (let i = 0; i < storedLayers; i++) {
    if (family === 'distilbert') {
      const l = `transformer.layer.${i}`;
      for (const p of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) linear(true, `${l}.attention.${p}`, H, H);
      norm(true, `${l}.sa_layer_norm`);
      linear(true, `${l}.ffn.lin1`, I, H);
      linear(true, `${l}.ffn.lin2`, H, I);
      norm(true, `${l}.output_layer_norm`);
      continue;
    }
    const l = `encoder.layer.${i}`;
    for (const p of ['query', 'key', 'value']) linear(true, `${l}.attention.self.${p}`, H, H);
    linear(true, `${l}.attention.output.dense`, H, H);
    norm(true, `${l}.attention.output.LayerNorm`);
    linear(true, `${l}.intermediate.dense`, I, H);
    linear(true, `${l}.output.dense`, H, I);
    norm(true, `${l}.output.LayerNorm`);
  }
  // transformers builds the pooler where add_pooling_layer stays true: the bare BERT / RoBERTa models and
  // BERT's sequence classifier.
  if ((is('Model') && (family === 'bert' || family === 'roberta' || family === 'xlm-roberta')) || arch === 'BertForSequenceClassification') {
    linear(true, 'pooler.dense', H, H);
  }
  // ALBERT's pooler is a bare Linear, in AlbertModel and its sequence classifier.
  if (arch === 'AlbertModel' || arch === 'AlbertForSequenceClassification') linear(true, 'pooler', H, H);
  if (is('ForSequenceClassification')) {
    if (family === 'bert' || family === 'albert') linear(false, 'classifier', L, H);
    else if (family === 'distilbert') {
      linear(false, 'pre_classifier', H, H);
      linear(false, 'classifier', L, H);
    } else {
      linear(false, 'classifier.dense', H, H);
      linear(false, 'classifier.out_proj', L, H);
    }
  }
  if (is('ForTokenClassification')) linear(false, 'classifier', L, H);
  if (is('ForQuestionAnswering')) linear(false, 'qa_outputs', 2, H);
  if (arch === 'ElectraForPreTraining') {
    linear(false, 'discriminator_predictions.dense', H, H);
    linear(false, 'discriminator_predictions.dense_prediction', 1, H);
  }
  // MLM heads: the decoder is the word-embedding matrix, so only its bias is written.
  if (is('ForMaskedLM')) {
    if (family === 'bert') {
      linear(false, 'cls.predictions.transform.dense', H, H);
      norm(false, 'cls.predictions.transform.LayerNorm');
      add(false, 'cls.predictions.bias', [V], 'bias');
    } else if (family === 'distilbert') {
      linear(false, 'vocab_transform', H, H);
      norm(false, 'vocab_layer_norm');
      add(false, 'vocab_projector.bias', [V], 'bias');
    } else if (family === 'albert') {
      // AlbertMLMHead: its own bias first, then LayerNorm, dense (to embedding_size); the tied decoder is not written.
      add(false, 'predictions.bias', [V], 'bias');
      norm(false, 'predictions.LayerNorm', E);
      linear(false, 'predictions.dense', E, H);
    } else if (family === 'electra') {
      linear(false, 'generator_predictions.dense', E, H);
      norm(false, 'generator_predictions.LayerNorm', E);
      add(false, 'generator_lm_head.bias', [V], 'bias');
    } else {
      linear(false, 'lm_head.dense', H, H);
      norm(false, 'lm_head.layer_norm');
      add(false, 'lm_head.bias', [V], 'bias');
    }
  }
  return out;
}

/** The family's config.json fields (the generator adds labels and dtype). */
export function familyConfig(o: PlanSizes & { numHeads: number; hiddenAct: string; layerNormEps: number; padTokenId: number; initializerRange: number }): Record<string, unknown> {
  const family = familyOf(o.architecture);
  if (family === 'distilbert') {
    return {
      activation: o.hiddenAct, architectures: [o.architecture], attention_dropout: 0.1, dim: o.hiddenSize, dropout: 0.1, hidden_dim: o.intermediateSize,
      initializer_range: o.initializerRange, max_position_embeddings: o.maxPositions, model_type: 'distilbert', n_heads: o.numHeads, n_layers: o.numLayers,
      pad_token_id: o.padTokenId, qa_dropout: 0.1, seq_classif_dropout: 0.2, sinusoidal_pos_embds: false, tie_weights_: true, vocab_size: o.vocabSize,
    };
  }
  const config: Record<string, unknown> = {
    architectures: [o.architecture], attention_probs_dropout_prob: 0.1, classifier_dropout: null, hidden_act: o.hiddenAct, hidden_dropout_prob: 0.1,
    hidden_size: o.hiddenSize, initializer_range: o.initializerRange, intermediate_size: o.intermediateSize, layer_norm_eps: o.layerNormEps,
    max_position_embeddings: o.maxPositions, model_type: family, num_attention_heads: o.numHeads, num_hidden_layers: o.numLayers,
    pad_token_id: o.padTokenId, position_embedding_type: 'absolute', type_vocab_size: o.typeVocabSize, use_cache: true, vocab_size: o.vocabSize,
  };
  if (family === 'roberta' || family === 'xlm-roberta') Object.assign(config, { bos_token_id: 0, eos_token_id: 2 });
  if (family === 'electra') Object.assign(config, { embedding_size: o.embeddingSize, summary_activation: 'gelu', summary_last_dropout: 0.1, summary_type: 'first', summary_use_proj: true });
  if (family === 'albert') {
    // AlbertConfig's own fields; it has no classifier_dropout or use_cache.
    delete config.classifier_dropout;
    delete config.use_cache;
    Object.assign(config, { bos_token_id: 2, classifier_dropout_prob: 0.1, embedding_size: o.embeddingSize, eos_token_id: 3, inner_group_num: 1, num_hidden_groups: 1 });
  }
  return config;
}
