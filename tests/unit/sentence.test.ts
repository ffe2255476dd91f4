// Reading a sentence-transformers folder (src/model/sentence.ts) without a GPU: what each file means, and a
// one-line CheckpointError naming the file for everything this engine would otherwise run wrongly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TensorTable } from '../../src/families/weights.ts';
import { writeSafetensors } from '../../src/model/safetensors.ts';
import { readSentenceTransformers } from '../../src/model/sentence.ts';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const mod = (idx: number, type: string, path = '') => ({ idx, name: String(idx), path, type: `sentence_transformers.models.${type}` });
const POOL = { word_embedding_dimension: 8, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false, pooling_mode_weightedmean_tokens: false, pooling_mode_lasttoken: false, include_prompt: true };

function read(files: Record<string, unknown>) {
  const bytes = new Map(Object.entries(files).map(([k, v]) => [k, v instanceof Uint8Array ? v : enc(v)]));
  return async (f: string) => bytes.get(f);
}
const load = (files: Record<string, unknown>) => readSentenceTransformers(read(files), 8, new TensorTable([], () => undefined, 'model.safetensors'));
const fails = (files: Record<string, unknown>, message: string | RegExp) => assert.rejects(load(files), { name: 'CheckpointError', message });
const dense = (rows: number, cols: number, bias = true) => writeSafetensors({
  'linear.weight': { dtype: 'F32', shape: [rows, cols], data: new Float32Array(rows * cols).fill(0.5) },
  ...(bias && { 'linear.bias': { dtype: 'F32', shape: [rows], data: new Float32Array(rows) } }),
});

describe('readSentenceTransformers', () => {
  test('no modules.json: not a sentence-transformers folder', async () => {
    assert.equal(await load({}), undefined);
  });

  test('pooling modes in sentence-transformers order, Dense chain, Normalize, prompts and limits', async () => {
    const st = await load({
      'modules.json': [mod(0, 'Transformer'), mod(1, 'Pooling', '1_Pooling'), mod(2, 'Dense', '2_Dense'), mod(3, 'Normalize', '3_Normalize')],
      '1_Pooling/config.json': { ...POOL, pooling_mode_lasttoken: true, pooling_mode_cls_token: true, include_prompt: false },
      '2_Dense/config.json': { in_features: 24, out_features: 4, bias: true, activation_function: 'torch.nn.modules.activation.Tanh' },
      '2_Dense/model.safetensors': dense(4, 24),
      'sentence_bert_config.json': { max_seq_length: 128, do_lower_case: true },
      'config_sentence_transformers.json': { prompts: { query: 'query: ', document: '' }, default_prompt_name: 'query' },
    });
    assert.deepEqual(st!.pooling, { modes: ['cls', 'mean', 'lasttoken'], includePrompt: false, dimension: 8 });
    assert.deepEqual([st!.modules, st!.dimension, st!.normalize, st!.maxSeqLength, st!.doLowerCase, st!.defaultPromptName], [['Transformer', 'Pooling', 'Dense', 'Normalize'], 4, true, 128, true, 'query']);
    assert.deepEqual([st!.dense[0].activation, st!.dense[0].linear.weight.shape], ['tanh', [4, 24]]);
  });

  test('what it cannot run is refused, naming the file', async () => {
    const base = { 'modules.json': [mod(0, 'Transformer'), mod(1, 'Pooling', '1_Pooling')], '1_Pooling/config.json': POOL };
    await fails({ ...base, 'modules.json': [mod(0, 'Transformer'), mod(1, 'Pooling', '1_Pooling'), mod(2, 'LSTM', '2_LSTM')] },
      'modules.json: modules.json[2] (sentence_transformers.models.LSTM): unsupported module "sentence_transformers.models.LSTM" (supported: Transformer, Pooling, Dense, Normalize)');
    await fails({ ...base, 'modules.json': [mod(0, 'Transformer', '0_Transformer'), mod(1, 'Pooling', '1_Pooling')] },
      'modules.json: modules.json[0] (sentence_transformers.models.Transformer): a Transformer in the subfolder "0_Transformer" is not supported (the checkpoint must be at the folder\'s top level)');
    await fails({ ...base, 'modules.json': [mod(0, 'Transformer')] }, 'modules.json: no Pooling module: nothing turns the token states into one vector');
    await fails({ ...base, '1_Pooling/config.json': { ...POOL, pooling_mode_mean_tokens: false } }, /^1_Pooling\/config\.json: no pooling mode is true/);
    await fails({ ...base, '1_Pooling/config.json': { ...POOL, word_embedding_dimension: 16 } }, "1_Pooling/config.json: word_embedding_dimension 16 (number) is not the model's hidden size 8");
    const withDense = { ...base, 'modules.json': [mod(0, 'Transformer'), mod(1, 'Pooling', '1_Pooling'), mod(2, 'Dense', '2_Dense')] };
    await fails({ ...withDense, '2_Dense/config.json': { in_features: 8, out_features: 4 }, '2_Dense/pytorch_model.bin': new Uint8Array(4) },
      '2_Dense/model.safetensors: not found; only pytorch_model.bin is there, and PyTorch pickles are not read (save the module with safetensors)');
    await fails({ ...withDense, '2_Dense/config.json': { in_features: 8, out_features: 4, activation_function: 'torch.nn.modules.activation.Sigmoid' }, '2_Dense/model.safetensors': dense(4, 8) },
      /^2_Dense\/config\.json: unsupported activation_function "torch\.nn\.modules\.activation\.Sigmoid"/);
    await fails({ ...withDense, '2_Dense/config.json': { in_features: 8, out_features: 4 }, '2_Dense/model.safetensors': dense(4, 6) },
      '2_Dense/model.safetensors: tensor "linear.weight" has shape [4,6], expected [4,8]');
    await fails({ ...withDense, '2_Dense/config.json': { in_features: 16, out_features: 4 }, '2_Dense/model.safetensors': dense(4, 16) }, '2_Dense/config.json: in_features 16 does not match the 8 values coming in');
    await fails({ ...base, 'config_sentence_transformers.json': { prompts: { query: 'q: ' }, default_prompt_name: 'passage' } },
      'config_sentence_transformers.json: default_prompt_name "passage" (string) is not one of the prompts (query)');
  });
});
