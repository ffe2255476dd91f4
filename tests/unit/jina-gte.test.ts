// Jina-BERT v2 and GTE v1.5: which family a config goes to (Jina's say model_type "bert"), ALiBi's slopes as
// jina's _get_alibi_head_slopes gives them, GTE's NTK-scaled rotary frequencies, and the settings refused by
// name. The numbers a forward gives are held to PyTorch by tests/model/cases.ts (families/jina-bert-v2-*, gte-v1.5-*).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { gteRopeFrequencies } from '../../src/families/gte.ts';
import { parseConfig } from '../../src/families/index.ts';
import { alibiSlopes, ropeFrequencies } from '../../src/kernels/attention-common.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/families/', import.meta.url));
const config = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name, 'config.json'), 'utf8')) as Record<string, unknown>;

test('ALiBi slopes are jina\'s for power-of-two and other head counts (f32, as torch.Tensor holds them)', () => {
  // Printed by scripts/reference/jina_gte_fixtures.py's alibi_head_slopes (jina's code), rounded to f32.
  assert.deepEqual([...alibiSlopes(8)], [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625]);
  assert.deepEqual([...alibiSlopes(5)], [0.25, 0.0625, 0.015625, 0.00390625, 0.5]);
  assert.deepEqual([...alibiSlopes(6)], [0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125]);
  const twelve = [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625, 0.707106769, 0.353553385, 0.176776692, 0.0883883461];
  assert.deepEqual([...alibiSlopes(12)], twelve.map(Math.fround));
});

test('Jina-BERT configs (model_type "bert") go to jina-bert when ALiBi, a GLU or a JinaBert class says so; plain BERT stays BERT', async () => {
  const jina = await config('jina-bert-v2-base');
  assert.equal(parseConfig(jina).family.name, 'jina-bert');
  assert.equal(parseConfig({ ...jina, position_embedding_type: 'absolute', max_position_embeddings: 64 }).family.name, 'jina-bert');
  assert.equal(parseConfig({ ...jina, model_type: undefined }).family.name, 'jina-bert');
  const bert = { ...jina, architectures: ['BertModel'], position_embedding_type: 'absolute', feed_forward_type: undefined };
  assert.equal(parseConfig(bert).family.name, 'bert');
  // JinaBertGLUMLP raises on anything but reglu and geglu.
  assert.throws(() => parseConfig({ ...jina, feed_forward_type: 'swiglu' }), /unsupported feed_forward_type "swiglu" \(supported: "geglu", "reglu", "original"\)/);
  assert.throws(() => parseConfig({ ...jina, feed_forward_type: undefined }), /missing field "feed_forward_type"/);
  assert.throws(() => parseConfig({ ...jina, position_embedding_type: 'relative_key' }), /unsupported position_embedding_type "relative_key"/);
});

test('GTE: NTK scaling changes the rotary frequencies at every length; what the code does not run is refused by name', async () => {
  const gte = await config('gte-v1.5-base');
  const c = parseConfig(gte).config;
  assert.equal(c.family, 'gte');
  assert.equal(c.maxSequenceLength, 128); // max_position_embeddings 64 * factor 2
  const d = 8;
  // Fixed NTK: (theta * factor)^(-2i/d) / factor^(2/d); factor 1 is the plain rotary.
  assert.deepEqual(gteRopeFrequencies(d, 1e4, { factor: 1 }), ropeFrequencies(d, 1e4));
  const fixed = gteRopeFrequencies(d, 1e4, { factor: 2 });
  assert.ok(Math.abs(fixed[0] - 2 ** -0.25) < 1e-15 && Math.abs(fixed[3] - (2e4 ** -0.75) * 2 ** -0.25) < 1e-15);
  // Mixed: theta^(-2i/d) / exp(ln(factor) / (d/2)^b * (i+1)^b): the last frequency is divided by the whole factor.
  const mixed = gteRopeFrequencies(d, 1e4, { factor: 8, mixedB: 0.75 });
  assert.ok(Math.abs(mixed[3] - 1e4 ** -0.75 / 8) < 1e-15);
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ rope_scaling: { type: 'dynamic', factor: 2 } }, /unsupported rope_scaling.type "dynamic"/],
    [{ rope_scaling: { type: 'ntk', factor: 0.5 } }, /unsupported rope_scaling.factor 0.5/],
    [{ logn_attention_scale: true }, /unsupported logn_attention_scale true/],
    [{ logn_attention_clip1: true }, /unsupported logn_attention_clip1 true/],
    [{ layer_norm_type: 'rms_norm' }, /unsupported layer_norm_type "rms_norm"/],
    [{ architectures: ['NewForQuestionAnswering'] }, /unsupported architecture NewForQuestionAnswering/],
  ];
  for (const [over, message] of refused) assert.throws(() => parseConfig({ ...gte, ...over }), message);
});
