// The ONNX export of our checkpoints, run for real: ONNX Runtime Web's wasm backend (the runtime under
// Transformers.js) executes the exported graph in Node, and last_hidden_state must match the float64
// reference forward. The protobuf writer is checked against encodings from the protobuf documentation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-web';
import { bertOnnxModel, exportBertOnnx, ONNX_IR_VERSION, ONNX_OPSET } from '../../bench/peers/onnx-export.ts';
import { encodeVarint, ProtoMessage } from '../../bench/peers/protobuf.ts';
import { type GenerateOptions, generateCheckpoint } from '../../src/model/generate.ts';
import { loadCheckpoint } from '../../src/model/source.ts';
import { ReferenceModel } from '../../src/reference/model.ts';
import { bertArrays } from '../../bench/peers/bert-arrays.ts';
import { compare, TOLERANCES } from '../../src/reference/compare.ts';
import { Rng } from '../../src/random.ts';
import { computedValues, type Weight } from '../../src/families/weights.ts';
import type { PostLnWeights } from '../../src/families/encoder.ts';

// Both cores are shared with the rest of the suite; the models are tiny.
ort.env.wasm.numThreads = 1;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('protobuf: varints, strings, nested messages and packed fields encode as the protobuf docs show', () => {
  // https://protobuf.dev/programming-guides/encoding/: Test1 { a: 150 } = 08 96 01.
  assert.equal(hex(new ProtoMessage().varint(1, 150).toBytes()), '089601');
  // Test2 { b: "testing" } = 12 07 74 65 73 74 69 6e 67.
  assert.equal(hex(new ProtoMessage().string(2, 'testing').toBytes()), '120774657374696e67');
  // Test3 { c: Test1 { a: 150 } } = 1a 03 08 96 01.
  assert.equal(hex(new ProtoMessage().message(3, new ProtoMessage().varint(1, 150)).toBytes()), '1a03089601');
  // Test4 { d: [3, 270, 86942] } packed = 22 06 03 8e 02 9e a7 05.
  assert.equal(hex(new ProtoMessage().packedVarints(4, [3, 270, 86942]).toBytes()), '2206038e029ea705');
  // int64 -1 is ten bytes of two's complement; -2 likewise.
  assert.equal(hex(encodeVarint(-1)), 'ffffffffffffffffff01');
  assert.equal(hex(encodeVarint(-2)), 'feffffffffffffffff01');
  assert.equal(hex(encodeVarint(0)), '00');
  assert.equal(hex(encodeVarint(2 ** 53 - 1)), 'ffffffffffffff0f');
  assert.equal(hex(encodeVarint(2n ** 64n - 1n)), 'ffffffffffffffffff01');
  // float 1.0 as fixed32 (wire type 5): tag 0x15, then 00 00 80 3f.
  assert.equal(hex(new ProtoMessage().float(2, 1).toBytes()), '150000803f');
  // A field number past 15 takes a two-byte tag: field 20, varint = (20 << 3) | 0 = 160 = a0 01.
  assert.equal(hex(new ProtoMessage().varint(20, 7).toBytes()), 'a00107');
});

test('protobuf: lazy bytes are measured first and made when written; bad values are refused', () => {
  let made = 0;
  const lazy = { byteLength: 3, bytes: () => (made++, Uint8Array.of(1, 2, 3)) };
  const m = new ProtoMessage().bytes(9, lazy);
  assert.equal(m.byteLength, 5);
  assert.equal(made, 0);
  assert.equal(hex(m.toBytes()), '4a03010203');
  assert.equal(made, 1);
  const chunks = [...new ProtoMessage().message(1, m).varint(2, 1).chunks()];
  assert.equal(hex(Uint8Array.from(chunks.flatMap((c) => [...c]))), '0a054a030102031001');
  assert.throws(() => new ProtoMessage().bytes(1, { byteLength: 4, bytes: () => new Uint8Array(3) }).toBytes(), /made 3 bytes, announced 4/);
  assert.throws(() => new ProtoMessage().varint(0, 1), /field number 0/);
  assert.throws(() => encodeVarint(1.5), /not a safe integer/);
  assert.throws(() => encodeVarint(2n ** 64n), /above the uint64 range/);
});

const TINY: GenerateOptions = { architecture: 'BertModel', hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, maxPositions: 64, seed: 21 };

/** A padded batch: row b keeps seqLen - 3b tokens; ids and token types drawn from `seed`. */
function paddedInputs(batch: number, seqLen: number, vocabSize: number, seed: number) {
  const rng = new Rng(seed);
  const row = (f: (s: number, kept: number) => number) => (_: unknown, b: number) => Array.from({ length: seqLen }, (_, s) => f(s, seqLen - 3 * b));
  return {
    inputIds: Array.from({ length: batch }, row((s, kept) => (s < kept ? rng.int(0, vocabSize) : 0))),
    attentionMask: Array.from({ length: batch }, row((s, kept) => (s < kept ? 1 : 0))),
    tokenTypeIds: Array.from({ length: batch }, row((s, kept) => (s < kept && s >= kept / 2 ? 1 : 0))),
  };
}

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);

/**
 * Generated FFN inputs are ~N(0, 0.11²) (init std 0.02), where erf and tanh GELU agree to 1e-7, and the FFN
 * output is small beside the residual. Scaled up, GELU sees about ±5 (where the two forms differ by up to
 * 1e-3) and the FFN dominates the layer output, so a swapped GELU form fails the comparison.
 */
const FFN_IN_SCALE = 20;
const FFN_OUT_SCALE = 10;

/** Exports `opts`' checkpoint (FFN scaled as above), runs it on a padded batch; returns what the reference needs too. */
async function runExported(opts: GenerateOptions, batch: number, seqLen: number, seed: number) {
  const ckpt = await loadCheckpoint(generateCheckpoint(opts));
  // The scaled values replace the checkpoint's own, so the export and the reference both run them.
  const scale = (w: Weight | undefined, by: number) => ckpt.data.set(w!, computedValues(ckpt.data.get(w!)!.f32().map((v) => v * by)));
  for (const l of (ckpt.weights as PostLnWeights).layers) {
    scale(l.ffnIn.weight, FFN_IN_SCALE);
    scale(l.ffnIn.bias, FFN_IN_SCALE);
    scale(l.ffnOut.weight, FFN_OUT_SCALE);
  }
  const session = await ort.InferenceSession.create(exportBertOnnx(ckpt.config, bertArrays(ckpt)));
  try {
    const inputs = paddedInputs(batch, seqLen, ckpt.config.vocabSize, seed);
    const out = await session.run({ input_ids: int64(inputs.inputIds), attention_mask: int64(inputs.attentionMask), token_type_ids: int64(inputs.tokenTypeIds) });
    assert.deepEqual(out.last_hidden_state.dims, [batch, seqLen, ckpt.config.hiddenSize]);
    return { ckpt, inputs, got: out.last_hidden_state.data as Float32Array };
  } finally {
    await session.release();
  }
}

const cases: [string, GenerateOptions, number, number][] = [
  ['gelu (erf), hidden 32, 2 layers, padded 3 x 13', TINY, 3, 13],
  ['gelu_new (tanh), padded 2 x 17', { ...TINY, hiddenAct: 'gelu_new', seed: 22 }, 2, 17],
  ['a BertForMaskedLM checkpoint (bert. prefix, head left out), F16 weights, 1 x 9', { ...TINY, architecture: 'BertForMaskedLM', dtype: 'F16', seed: 23 }, 1, 9],
  ['one layer, 2 heads of 24, eps 1e-5, 2 x 32', { ...TINY, hiddenSize: 48, numHeads: 2, numLayers: 1, intermediateSize: 80, layerNormEps: 1e-5, seed: 24 }, 2, 32],
];

for (const [name, opts, batch, seqLen] of cases) {
  test(`ONNX Runtime runs the export like the float64 reference: ${name}`, async () => {
    const seed = 100 + seqLen;
    const { ckpt, inputs, got } = await runExported(opts, batch, seqLen, seed);
    const report = compare(got, (await new ReferenceModel(ckpt).forward(inputs)).lastHiddenState, TOLERANCES.model, `ONNX last_hidden_state (seed ${seed})`);
    console.log(`# ${name}: ${report.message}`);
    assert.ok(report.pass, report.message);
  });
}

test('each GELU form is the one the config names: the other form misses by far more than rounding', async () => {
  for (const [act, other] of [['gelu', 'gelu_tanh'], ['gelu_new', 'gelu']] as const) {
    const { ckpt, inputs, got } = await runExported({ ...TINY, hiddenAct: act, seed: 31 }, 2, 12, 5);
    const own = compare(got, (await new ReferenceModel(ckpt).forward(inputs)).lastHiddenState, TOLERANCES.fp32, `${act} vs its own form`);
    const swapped = compare(got, (await new ReferenceModel({ ...ckpt, config: { ...ckpt.config, hiddenAct: other } }).forward(inputs)).lastHiddenState, TOLERANCES.fp32, `${act} vs ${other}`);
    // Measured: about 3e-7 against its own form, 1.5e-4 against the other; the fp32 bound (1e-5) sits between.
    console.log(`# ${own.message}; ${swapped.message.slice(0, 60)}`);
    assert.ok(own.pass, own.message);
    assert.ok(!swapped.pass, `${act} export also matches ${other}: ${swapped.message}`);
  }
});

test('the mask really masks: a padded row equals the same tokens run unpadded', async () => {
  const ckpt = await loadCheckpoint(generateCheckpoint(TINY));
  const session = await ort.InferenceSession.create(exportBertOnnx(ckpt.config, bertArrays(ckpt)));
  try {
    const ids = [2, 40, 41, 42, 43, 3];
    const run = async (rows: number[][], mask: number[][]) =>
      (await session.run({ input_ids: int64(rows), attention_mask: int64(mask), token_type_ids: int64(rows.map((r) => r.map(() => 0))) })).last_hidden_state.data as Float32Array;
    const alone = await run([ids], [ids.map(() => 1)]);
    const padded = await run([[...ids, 7, 8, 9]], [[...ids.map(() => 1), 0, 0, 0]]);
    const r = compare(padded.subarray(0, alone.length), alone, TOLERANCES.fp32, 'kept tokens, padded vs alone');
    assert.ok(r.pass, r.message);
    // Unmasked, the three extra tokens change the kept ones: the comparison above can fail.
    const unmasked = await run([[...ids, 7, 8, 9]], [[...ids.map(() => 1), 1, 1, 1]]);
    assert.ok(!compare(unmasked.subarray(0, alone.length), alone, TOLERANCES.fp32).pass);
  } finally {
    await session.release();
  }
});

test('the ModelProto says IR 8 and opset 17, and names its inputs and output as Hugging Face does', async () => {
  const ckpt = await loadCheckpoint(generateCheckpoint(TINY));
  const bytes = exportBertOnnx(ckpt.config, bertArrays(ckpt));
  assert.equal(bytes.length, bertOnnxModel(ckpt.config, bertArrays(ckpt)).byteLength);
  // Field 1 (ir_version) comes first: 08 08.
  assert.equal(hex(bytes.subarray(0, 2)), `08${ONNX_IR_VERSION.toString(16).padStart(2, '0')}`);
  // Field 8 (opset_import) comes last: 42 04 { 0a 00 (domain ""), 10 11 (version 17) }.
  assert.equal(hex(bytes.subarray(bytes.length - 6)), `42040a0010${ONNX_OPSET.toString(16).padStart(2, '0')}`);
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual([...session.inputNames], ['input_ids', 'attention_mask', 'token_type_ids']);
  assert.deepEqual([...session.outputNames], ['last_hidden_state']);
  await session.release();
});

test('a checkpoint that does not fit the config is refused with one clear line', async () => {
  const ckpt = await loadCheckpoint(generateCheckpoint(TINY));
  assert.throws(() => exportBertOnnx({ ...ckpt.config, numHiddenLayers: 3 }, bertArrays(ckpt)), /^RangeError: exportBertOnnx: the weights have 2 layers, the config says num_hidden_layers 3$/);
  assert.throws(() => exportBertOnnx({ ...ckpt.config, vocabSize: ckpt.config.vocabSize + 1 }, bertArrays(ckpt)), /exportBertOnnx: embeddings.word_embeddings.weight has \d+ values, expected \[\d+, 32\]/);
  const wrongIntermediate = { ...ckpt.config, intermediateSize: 65 };
  assert.throws(() => exportBertOnnx(wrongIntermediate, bertArrays(ckpt)), /exportBertOnnx: encoder.layer.0.intermediate.dense.weight has 2048 values, expected \[65, 32\]/);
  assert.throws(() => exportBertOnnx({ ...ckpt.config, hiddenAct: 'relu' as never, hiddenActName: 'relu' }, bertArrays(ckpt)), /hidden_act "relu" has no ONNX form/);
});
