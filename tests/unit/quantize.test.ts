// int8 weight-only quantization without a GPU: the arithmetic on hand-computed values, the checkpoint the
// quantize step writes (names, dtypes, shapes, quantization_config), that it loads back dequantized, and the
// one-line errors for malformed quantized files; the storage policy of every `weights` option; packing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packBf16, packF16, packI8, roundTo } from '../../src/gpu/packed.ts';
import { chooseStorage, packRows, readStored, storedValues } from '../../src/runtime/weight-storage.ts';
import { computedValues, type WeightValues } from '../../src/families/weights.ts';
import { generateCheckpoint } from '../../src/model/generate.ts';
import { quantizeCheckpoint } from '../../src/model/quantize-checkpoint.ts';
import { dequantize, quantizeRows } from '../../src/gpu/quantize.ts';
import { quantizes } from '../../src/families/quantization.ts';
import { parseSafetensors, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { loadCheckpoint, openCheckpointSource, type CheckpointFiles } from '../../src/model/source.ts';

test('quantizeRows: scale = max|w| / 127 per row and group, q = round(w / scale), zeros stay zero', () => {
  // 2 rows x 5 columns, groups of 4: row 0 groups [0..4) and [4]; row 1 all zeros.
  const w = new Float32Array([0.5, -1.27, 0.01, 1.0, -0.3, 0, 0, 0, 0, 0]);
  const q = quantizeRows(w, 2, 5, 4);
  const s0 = Math.fround(1.27 / 127);
  const s1 = Math.fround(0.3 / 127);
  assert.deepEqual([...q.scales], [s0, s1, 0, 0]);
  assert.deepEqual([...q.q], [Math.round(0.5 / s0), -127, Math.round(0.01 / s0), Math.round(1 / s0), -127, 0, 0, 0, 0, 0]);
  assert.deepEqual([...q.q.slice(0, 4)], [50, -127, 1, 100]);
  const back = dequantize(q);
  assert.ok(Math.abs(back[0] - 0.5) <= s0 / 2 && back[5] === 0);
  assert.equal(back[1], Math.fround(-127 * s0));
});

test('which tensors quantize: Linear weights, not tables, norms, biases or a stored decoder', () => {
  for (const n of ['bert.encoder.layer.0.attention.self.query.weight', 'classifier.weight', 'distilbert.transformer.layer.1.ffn.lin2.weight', 'electra.embeddings_project.weight']) {
    assert.ok(quantizes(n, [8, 8]), n);
  }
  for (const [n, shape] of [['bert.embeddings.word_embeddings.weight', [8, 8]], ['cls.predictions.decoder.weight', [8, 8]], ['vocab_projector.weight', [8, 8]],
    ['bert.encoder.layer.0.output.LayerNorm.weight', [8]], ['classifier.bias', [8]], ['roberta.embeddings.position_embeddings.weight', [8, 8]]] as const) {
    assert.ok(!quantizes(n, shape), n);
  }
});

test('packing: halves and bytes low first, as the shaders read them', () => {
  const v = new Float32Array([1, -2, 0.5]);
  assert.deepEqual([...packF16(v)], [0x3c00 | (0xc000 << 16) >>> 0, 0x3800].map((x) => x >>> 0));
  assert.deepEqual([...packBf16(v)], [(0x3f80 | (0xc000 << 16)) >>> 0, 0x3f00]);
  assert.deepEqual([...packI8(new Int8Array([1, -1, 127, -127, 5]))], [(1 | (0xff << 8) | (0x7f << 16) | (0x81 << 24)) >>> 0, 5]);
  assert.deepEqual([...roundTo('f16', new Float32Array([1 + 2 ** -12]))], [1]);
  assert.deepEqual([...roundTo('bf16', new Float32Array([1 + 2 ** -9]))], [1]);
});

test('storage policy of each weights option', () => {
  const m = { name: 'encoder.layer.0.intermediate.dense.weight', shape: [4, 64] };
  const table = { name: 'embeddings.word_embeddings.weight', shape: [10, 64] };
  const bias = { name: 'encoder.layer.0.intermediate.dense.bias', shape: [4] };
  const data = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i));
  assert.equal(chooseStorage(m, 'F16', 'auto').dtype, 'f16');
  assert.equal(chooseStorage(m, 'BF16', 'auto').dtype, 'bf16');
  assert.equal(chooseStorage(m, 'F32', 'auto').dtype, 'f32');
  assert.equal(chooseStorage(m, 'F16', 'f32').dtype, 'f32');
  assert.equal(chooseStorage(m, 'F32', 'f16').dtype, 'f16');
  assert.equal(chooseStorage(bias, 'F16', 'f16').dtype, 'f32', 'vectors stay f32');
  const i8 = chooseStorage(m, 'F32', 'int8');
  assert.deepEqual(i8, { dtype: 'i8', int8: 'load' });
  assert.deepEqual(chooseStorage(m, 'I8', 'auto'), { dtype: 'i8', int8: 'file' });
  assert.equal(chooseStorage(table, 'F16', 'int8').dtype, 'f16', 'tables are not quantized');
  const stacked = { name: 'encoder.layer.0.attention.self.{query,key,value}.weight (stacked)', shape: [4, 64] };
  assert.equal(chooseStorage(stacked, 'F32', 'int8').dtype, 'i8');
  // Quantized on load with the default group of 64: what the GPU holds is that quantization, dequantized.
  assert.deepEqual(storedValues(i8, computedValues(data), m.shape), dequantize(quantizeRows(data, 4, 64, 64)));
  assert.deepEqual(storedValues({ dtype: 'f16' }, computedValues(data), m.shape), roundTo('f16', data));
});

test('packing rows from the stored form: file bytes as they are, f32 converted, int8 with its scales', () => {
  const w = { name: 'encoder.layer.0.intermediate.dense.weight', shape: [3, 3] };
  const data = Float32Array.from({ length: 9 }, (_, i) => i - 4.5);
  const f16Bytes = new Uint8Array(packF16(data).buffer, 0, 18);
  const fromFile: WeightValues = { dtype: 'F16', length: 9, f32: () => roundTo('f16', data), raw: () => f16Bytes };
  const raw = readStored({ dtype: 'f16' }, w, fromFile);
  assert.equal(raw.raw, f16Bytes, 'the file bytes themselves, no conversion');
  // Rows 1..2 of 3 columns: 6 halves, 12 bytes, a view of the file bytes.
  const rows = packRows(raw, 1, 2);
  assert.deepEqual([...rows.bytes], [...f16Bytes.subarray(6, 18)]);
  // Row 2 alone: 3 halves, padded to two words.
  assert.deepEqual([...packRows(raw, 2, 1).bytes], [...f16Bytes.subarray(12, 18), 0, 0]);
  const converted = readStored({ dtype: 'f16' }, w, computedValues(data));
  assert.deepEqual([...packRows(converted, 0, 3).bytes.subarray(0, 18)], [...f16Bytes]);
  const q = readStored({ dtype: 'i8', int8: 'load' }, w, computedValues(data));
  const packed = packRows(q, 1, 1);
  assert.equal(packed.group, 64);
  assert.equal(packed.scales!.length, 1);
  assert.deepEqual([...new Int8Array(packed.bytes.buffer, packed.bytes.byteOffset, 3)], [...q.quantized!.q.subarray(3, 6)]);
});

const TINY = { architecture: 'BertForMaskedLM', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 } as const;

test('quantizeCheckpoint writes I8 + _scale tensors, F16 tables and quantization_config; it loads back', async () => {
  const source = generateCheckpoint(TINY);
  const { files, report } = await quantizeCheckpoint(await openCheckpointSource(source), 32);
  assert.deepEqual([...files.keys()].sort(), [...source.keys()].sort());
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  assert.deepEqual(config.quantization_config, { quant_method: 'webgpu-bert-int8', bits: 8, group_size: 32, symmetric: true, scale_dtype: 'float32' });
  const tensors = parseSafetensors(files.get('model.safetensors')!, 'model.safetensors').tensors;
  const q = tensors.get('bert.encoder.layer.0.intermediate.dense.weight')!;
  assert.deepEqual([q.dtype, q.shape], ['I8', [64, 32]]);
  assert.deepEqual([tensors.get('bert.encoder.layer.0.intermediate.dense.weight_scale')!.dtype, tensors.get('bert.encoder.layer.0.intermediate.dense.weight_scale')!.shape], ['F32', [64, 1]]);
  assert.equal(tensors.get('bert.embeddings.word_embeddings.weight')!.dtype, 'F16');
  assert.equal(tensors.get('bert.encoder.layer.0.output.LayerNorm.weight')!.dtype, 'F32');
  assert.equal(report.quantized, 7, 'Q, K, V, attention out, FFN in and out, MLM transform');
  assert.ok(report.bytesAfter < report.bytesBefore / 2, JSON.stringify(report));

  const ckpt = await loadCheckpoint(files);
  assert.equal(ckpt.config.quantization?.group_size, 32);
  assert.deepEqual(ckpt.ignoredTensors, []);
  const stored = [...ckpt.data.values()].map((s) => s.dtype);
  assert.ok(stored.includes('I8') && stored.includes('F16'));
  const qkv = [...ckpt.data.entries()].find(([w]) => w.name.includes('(stacked)') && w.shape.length === 2)!;
  assert.equal(qkv[1].dtype, 'I8', 'stacked Q, K, V keep their int8 values and scales');
  assert.equal(qkv[1].quantized!().rows, 96);
  assert.equal(qkv[1].group, 32);
  await assert.rejects(quantizeCheckpoint(await openCheckpointSource(files), 32), /already quantized/);
});

test('malformed quantized files: one-line errors naming the tensor and the file', async () => {
  const { files } = await quantizeCheckpoint(await openCheckpointSource(generateCheckpoint(TINY)), 64);
  const weights = parseSafetensors(files.get('model.safetensors')!, 'model.safetensors');
  const bytes = files.get('model.safetensors')!;
  const rewrite = (edit: (t: Record<string, TensorToWrite>) => void, config?: (c: Record<string, unknown>) => void): CheckpointFiles => {
    const t: Record<string, TensorToWrite> = {};
    for (const [name, info] of weights.tensors) t[name] = { dtype: info.dtype, shape: info.shape, bytes: bytes.slice(info.begin, info.end) };
    edit(t);
    const out = new Map(files);
    out.set('model.safetensors', writeSafetensors(t, { format: 'pt' }));
    if (config) {
      const c = JSON.parse(new TextDecoder().decode(files.get('config.json')));
      config(c);
      out.set('config.json', new TextEncoder().encode(JSON.stringify(c)));
    }
    return out;
  };
  const W = 'bert.encoder.layer.0.output.dense.weight';
  const cases: [CheckpointFiles, RegExp][] = [
    [rewrite((t) => { delete t[`${W}_scale`]; }), new RegExp(`model\\.safetensors: tensor "${W.replace(/\./g, '\\.')}" is I8 but its scales "${W.replace(/\./g, '\\.')}_scale" are missing`)],
    [rewrite(() => {}, (c) => { (c.quantization_config as Record<string, unknown>).group_size = 32; }), /_scale" has shape \[32,1\], expected \[32,2\] .* with group_size 32/],
    [rewrite((t) => { t[`${W}_scale`] = { dtype: 'F32', shape: [16, 1], data: new Float32Array(16) }; }), /_scale" has shape \[16,1\], expected \[32,1\]/],
    [rewrite((t) => {
      t['bert.encoder.layer.0.output.LayerNorm.weight'] = { dtype: 'I8', shape: [32], bytes: new Uint8Array(32) };
    }), /tensor "bert\.encoder\.layer\.0\.output\.LayerNorm\.weight" is I8 where a float is needed/],
    [rewrite(() => {}, (c) => { delete c.quantization_config; }), /is I8, but config\.json has no quantization_config/],
    [rewrite(() => {}, (c) => { (c.quantization_config as Record<string, unknown>).bits = 4; }), /config\.json: unsupported quantization_config\.bits 4 \(supported: 8\)/],
    [rewrite(() => {}, (c) => { (c.quantization_config as Record<string, unknown>).quant_method = 'gptq'; }), /unsupported quantization_config\.quant_method "gptq"/],
    [rewrite((t) => { t[`${W}_scale`] = { dtype: 'I8', shape: [32, 1], bytes: new Uint8Array(32) }; }), /_scale" is I8; scales must be F32/],
  ];
  for (const [f, message] of cases) {
    await assert.rejects(loadCheckpoint(f), (e: Error) => {
      assert.equal(e.name, 'CheckpointError');
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  }
});
