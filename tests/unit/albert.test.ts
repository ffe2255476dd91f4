// ALBERT's shared layers are one set of weights: every layer that runs a group reads the same descriptors, so
// the checkpoint's weight map (what the upload walks) holds each stored tensor once. The numbers a forward
// gives are held to PyTorch by tests/model/cases.ts (families/albert-*).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { PostLnWeights } from '../../src/families/encoder.ts';
import { parseConfig } from '../../src/families/index.ts';
import { loadCheckpoint } from '../../src/model/source.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/families/', import.meta.url));
const load = (name: string) => loadCheckpoint(join(FIXTURES, name));
const config = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name, 'config.json'), 'utf8')) as Record<string, unknown>;

test('layers that run the same group share its weights; each stored tensor is held once', async () => {
  // 3 layers over 2 groups: calls 0 and 1 run group 0 (int(i / 1.5)), call 2 runs group 1.
  const base = await load('albert-base');
  const w = base.weights as PostLnWeights;
  assert.equal(w.layers.length, 3);
  assert.equal(w.layers[0], w.layers[1]);
  assert.notEqual(w.layers[2], w.layers[0]);
  assert.notEqual(w.layers[2].qkv.weight, w.layers[0].qkv.weight);
  const stacked = [...base.data.keys()].filter((k) => k.name.endsWith('{query,key,value}.weight (stacked)'));
  assert.deepEqual(stacked.map((k) => k.name), [0, 1].map((g) => `encoder.albert_layer_groups.${g}.albert_layers.0.{query,key,value}.weight (stacked)`));
  // Every tensor of the file once (Q, K, V as one stacked weight per layer): no copy per layer that runs it.
  const held = [...base.data.values()].reduce((n, v) => n + v.length, 0);
  const file = await readFile(join(FIXTURES, 'albert-base', 'model.safetensors'));
  const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString()) as Record<string, { shape?: number[] }>;
  const stored = Object.values(header).reduce((n, t) => n + (t.shape?.reduce((a, b) => a * b, 1) ?? 0), 0);
  assert.equal(held, stored);
});

test('inner_group_num layers run in order each time their group runs', async () => {
  // One group of two AlbertLayers, num_hidden_layers 2: layers 0, 1, 0, 1 of the group.
  const { weights, config: c } = await load('albert-seqcls');
  const layers = (weights as PostLnWeights).layers;
  assert.equal(c.numHiddenLayers, 4);
  assert.equal(layers.length, 4);
  assert.equal(layers[0], layers[2]);
  assert.equal(layers[1], layers[3]);
  assert.notEqual(layers[0], layers[1]);
});

test('ALBERT configs: transformers\' defaults, and what is not implemented refused by name', async () => {
  const json = await config('albert-base');
  const bare = parseConfig({ model_type: 'albert' }).config;
  assert.equal(bare.hiddenActName, 'gelu_new');
  assert.equal(bare.hiddenSize, 4096);
  assert.equal(parseConfig({ architectures: ['AlbertForMaskedLM'] }).family.name, 'albert');
  assert.throws(() => parseConfig({ ...json, position_embedding_type: 'relative_key' }), /unsupported position_embedding_type "relative_key"/);
  assert.throws(() => parseConfig({ ...json, architectures: ['AlbertForMultipleChoice'] }), /unsupported architecture AlbertForMultipleChoice/);
  assert.throws(() => parseConfig({ ...json, hidden_act: 'mish' }), /unsupported hidden_act "mish"/);
});
