import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/families/index.ts';

const parseBertConfig = (json: unknown, file?: string) => parseConfig(json, file).config;

// Independent PyTorch reference checkpoints (see tests/fixtures/README.md).
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const fixtureConfig = (name: string) => JSON.parse(readFileSync(`${FIXTURES}/${name}/config.json`, 'utf8'));

const MINIMAL = { vocab_size: 100, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 64 };

function assertFails(json: unknown, message: string | RegExp, file = 'config.json'): void {
  assert.throws(() => parseBertConfig(json, file), { name: 'CheckpointError', message: typeof message === 'string' ? `${file}: ${message}` : message });
}

describe('parseBertConfig', () => {
  test('reads the h64 fixture', () => {
    assert.deepEqual(parseBertConfig(fixtureConfig('pytorch-bert-h64')), {
      vocabSize: 1636,
      hiddenSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      headDim: 16,
      intermediateSize: 256,
      hiddenAct: 'gelu',
      hiddenActName: 'gelu',
      maxPositionEmbeddings: 64,
      maxSequenceLength: 64,
      typeVocabSize: 2,
      layerNormEps: 1e-12,
      architectures: ['BertModel'],
      modelType: 'bert',
      family: 'bert',
      id2label: ['LABEL_0', 'LABEL_1'],
      label2id: { LABEL_0: 0, LABEL_1: 1 },
      numLabels: 2,
      padTokenId: 0,
      tieWordEmbeddings: true,
    });
  });

  test('reads the MLM fixture', () => {
    const c = parseBertConfig(fixtureConfig('pytorch-bert-mlm-h32'));
    assert.deepEqual([c.architectures, c.hiddenSize, c.numAttentionHeads, c.headDim, c.vocabSize], [['BertForMaskedLM'], 32, 2, 16, 536]);
  });

  test("optional fields default as transformers' BertConfig", () => {
    const c = parseBertConfig(MINIMAL);
    assert.equal(c.maxPositionEmbeddings, 512);
    assert.equal(c.typeVocabSize, 2);
    assert.equal(c.layerNormEps, 1e-12);
    assert.equal(c.hiddenAct, 'gelu');
    assert.equal(c.padTokenId, 0);
    assert.equal(c.numLabels, 2);
    assert.deepEqual(c.architectures, []);
    assert.equal(c.tieWordEmbeddings, true);
    assert.equal(parseBertConfig({ ...MINIMAL, pad_token_id: null }).padTokenId, null);
  });

  test('every required size must be present', () => {
    for (const key of Object.keys(MINIMAL)) {
      const json: Record<string, unknown> = { ...MINIMAL };
      delete json[key];
      assertFails(json, `missing field "${key}"`);
    }
  });

  test('wrong types say what was expected and what came', () => {
    assertFails({ ...MINIMAL, hidden_size: '32' }, 'field "hidden_size" must be a positive integer, got "32" (string)');
    assertFails({ ...MINIMAL, num_hidden_layers: 0 }, 'field "num_hidden_layers" must be a positive integer, got 0 (number)');
    assertFails({ ...MINIMAL, vocab_size: 10.5 }, 'field "vocab_size" must be a positive integer, got 10.5 (number)');
    assertFails({ ...MINIMAL, intermediate_size: null }, 'field "intermediate_size" must be a positive integer, got null (null)');
    assertFails({ ...MINIMAL, layer_norm_eps: '1e-12' }, 'field "layer_norm_eps" must be a positive number, got "1e-12" (string)');
    assertFails({ ...MINIMAL, hidden_act: 3 }, 'field "hidden_act" must be a string, got 3 (number)');
    assertFails({ ...MINIMAL, architectures: 'BertModel' }, 'field "architectures" must be an array of strings, got "BertModel" (string)');
    assertFails({ ...MINIMAL, pad_token_id: -1 }, 'field "pad_token_id" must be a non-negative integer or null, got -1 (number)');
    assertFails({ ...MINIMAL, tie_word_embeddings: 'yes' }, 'field "tie_word_embeddings" must be true or false, got "yes" (string)');
    assertFails([MINIMAL], `expected a JSON object, got ${JSON.stringify([MINIMAL])} (array)`);
    assertFails(null, 'expected a JSON object, got null (null)', 'other/config.json');
  });

  test('hidden_size must split evenly into heads', () => {
    assertFails({ ...MINIMAL, num_attention_heads: 5 }, 'hidden_size 32 is not divisible by num_attention_heads 5');
  });

  test('activation spellings map to the kernels\' forms; others are refused', () => {
    const act = (hidden_act: string) => parseBertConfig({ ...MINIMAL, hidden_act }).hiddenAct;
    assert.deepEqual(['gelu', 'gelu_python'].map(act), ['gelu', 'gelu']);
    assert.deepEqual(['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'gelu_accurate'].map(act), Array(4).fill('gelu_tanh'));
    assert.deepEqual(['relu', 'silu', 'swish'].map(act), ['relu', 'silu', 'silu']);
    assertFails(
      { ...MINIMAL, hidden_act: 'mish' },
      'unsupported hidden_act "mish" (supported: gelu, gelu_python, gelu_new, gelu_pytorch_tanh, gelu_fast, gelu_accurate, relu, silu, swish)',
    );
  });

  test('settings that change the math are refused, not ignored', () => {
    assertFails({ ...MINIMAL, position_embedding_type: 'relative_key' }, 'unsupported position_embedding_type "relative_key" (relative position embeddings) (supported: "absolute")');
    assertFails({ ...MINIMAL, model_type: 'xlnet' }, /^config\.json: unsupported model_type "xlnet" \(supported: "bert"/);
    assertFails({ ...MINIMAL, is_decoder: true }, 'unsupported is_decoder true (causal attention; this engine runs encoders)');
    assertFails({ ...MINIMAL, add_cross_attention: true }, 'unsupported add_cross_attention true (cross-attention needs an encoder-decoder)');
    assertFails({ ...MINIMAL, architectures: ['BertForMultipleChoice'] }, 'unsupported architecture BertForMultipleChoice (multiple-choice scoring over [batch, choices, seq] inputs)');
    assertFails({ ...MINIMAL, pruned_heads: { 0: [1] } }, 'unsupported pruned_heads (layers of different widths)');
  });

  test('labels: id2label sets num_labels, num_labels alone makes LABEL_i, label2id defaults to the inverse', () => {
    const c = parseBertConfig({ ...MINIMAL, id2label: { 1: 'POS', 0: 'NEG', 2: 'NEU' }, num_labels: 7 });
    assert.deepEqual([c.id2label, c.numLabels, c.label2id], [['NEG', 'POS', 'NEU'], 3, { NEG: 0, POS: 1, NEU: 2 }]);
    const n = parseBertConfig({ ...MINIMAL, num_labels: 3 });
    assert.deepEqual([n.id2label, n.numLabels], [['LABEL_0', 'LABEL_1', 'LABEL_2'], 3]);
    const l = parseBertConfig({ ...MINIMAL, id2label: { 0: 'a', 1: 'b' }, label2id: { A: 0, B: 1 } });
    assert.deepEqual(l.label2id, { A: 0, B: 1 });
    assertFails({ ...MINIMAL, id2label: { 0: 'a', 2: 'b' } }, 'field "id2label" must have keys "0".."1", got key "2"');
    assertFails({ ...MINIMAL, id2label: { 0: 5 } }, 'field "id2label" entry "0" must be a string, got 5 (number)');
    assertFails({ ...MINIMAL, id2label: ['a'] }, 'field "id2label" must be an object, got ["a"] (array)');
    assertFails({ ...MINIMAL, num_labels: 0 }, 'field "num_labels" must be a positive integer, got 0 (number)');
    assertFails({ ...MINIMAL, label2id: { a: 'x' } }, 'field "label2id" must be an object of integers, got {"a":"x"} (object)');
  });
});

describe('MPNet, ModernBERT and NomicBERT configs', () => {
  const config = (name: string) => parseConfig(fixtureConfig(`families/${name}`)).config as unknown as Record<string, unknown>;

  test('ModernBERT: layer kinds from global_attn_every_n_layers or layer_types, thetas from either format', () => {
    const base = config('modernbert-base');
    assert.deepEqual([base.layerKinds, base.window, base.globalTheta, base.localTheta, base.typeVocabSize], [['global', 'local', 'global'], 4, 160000, 10000, 0]);
    const tok = config('modernbert-tokcls');
    assert.deepEqual([tok.layerKinds, tok.globalTheta, tok.localTheta], [['global', 'local', 'global'], 80000, 20000]);
    const legacy = { ...fixtureConfig('families/modernbert-base'), local_rope_theta: null };
    assert.equal((parseConfig(legacy).config as unknown as Record<string, unknown>).localTheta, 160000, 'a null local theta is the global one');
    const yarn = { ...fixtureConfig('families/modernbert-tokcls') };
    yarn.rope_parameters = { ...yarn.rope_parameters, sliding_attention: { rope_type: 'yarn', rope_theta: 10000 } };
    assertFails(yarn, 'unsupported rope_parameters.sliding_attention.rope_type "yarn" (string) (supported: "default")');
    assertFails({ ...fixtureConfig('families/modernbert-base'), classifier_pooling: 'max' }, 'unsupported classifier_pooling "max" (supported: "cls", "mean")');
  });

  test('NomicBERT: both formats, rotary dims from the fraction, MLP width rounded to 256, refusals', () => {
    const hub = config('nomic-embed-base');
    assert.deepEqual([hub.format, hub.rotaryDim, hub.rotaryBase, hub.intermediateSize, hub.gated, hub.qkvBias], ['nomic', 8, 1000, 256, true, false]);
    const variant = config('nomic-embed-variant');
    assert.deepEqual([variant.rotaryDim, variant.rotaryInterleaved, variant.maxSequenceLength], [4, true, 64]);
    const port = config('nomic-bert-base');
    assert.deepEqual([port.format, port.rotaryDim, port.rotaryBase, port.intermediateSize], ['transformers', 8, 1000, 48]);
    const nomic = fixtureConfig('families/nomic-embed-base');
    assertFails({ ...nomic, prenorm: true }, 'unsupported prenorm true (the pre-norm blocks of modeling_hf_nomic_bert drop the residual stream)');
    assertFails({ ...nomic, activation_function: 'glu' }, 'unsupported activation_function "glu" (a sigmoid gate; supported: swiglu, geglu, gelu)');
    assertFails({ ...nomic, rotary_emb_scale_base: 512 }, 'unsupported rotary_emb_scale_base 512 (number) (xPos scaling)');
    assertFails({ ...nomic, rotary_emb_fraction: 0.4 }, 'rotary_emb_fraction 0.4 gives 3 rotary dims of 8: they must be even');
  });

  test('MPNet: no token types, RoBERTa-style position limit, at least the 32 buckets transformers indexes', () => {
    const m = config('mpnet-base');
    assert.deepEqual([m.typeVocabSize, m.maxSequenceLength, m.relativeBuckets], [0, 40, 32]);
    assertFails({ ...fixtureConfig('families/mpnet-base'), relative_attention_num_buckets: 16 }, "relative_attention_num_buckets 16 is below the 32 buckets transformers' MPNet indexes");
  });
});
