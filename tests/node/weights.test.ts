// Weight storage on the GPU against PyTorch: F16 and BF16 checkpoints stay 16-bit by default and match the
// float64 reference computed from the same 16-bit values; int8 checkpoints written by the quantize step match
// the float64 reference on their dequantized values, and PyTorch's f32 model on pooled embeddings (cosine) and
// MLM predictions (top-1); weight bytes per format.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNodeGpu, EncoderModel } from '../../src/node.ts';
import { compare, loadCheckpoint, ReferenceModel, TOLERANCES } from '../../src/lab.ts';
import { quantizeCheckpoint } from '../../src/model/quantize-checkpoint.ts';
import { openCheckpointSource } from '../../src/model/source.ts';

const gpu = await createNodeGpu();
const dir = (name: string) => fileURLToPath(new URL(`../fixtures/families/${name}/`, import.meta.url));
const reference = (name: string) => JSON.parse(readFileSync(`${dir(name)}reference.json`, 'utf8'));
const inputsOf = (ref: { input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][] }) => ({ inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids });

/** Mean-pooled embeddings of every sequence, from [B][S][H] nested or flat [B*S*H]. */
function pooled(hidden: ArrayLike<number>, mask: number[][], H: number): Float64Array[] {
  const S = mask[0].length;
  return mask.map((row, b) => {
    const v = new Float64Array(H);
    const n = row.reduce((a, m) => a + m, 0);
    row.forEach((m, s) => { if (m) for (let h = 0; h < H; h++) v[h] += hidden[(b * S + s) * H + h] / n; });
    return v;
  });
}
const cosine = (a: Float64Array, b: Float64Array) => {
  let [d, x, y] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [d, x, y] = [d + a[i] * b[i], x + a[i] * a[i], y + b[i] * b[i]];
  return d / Math.sqrt(x * y);
};

test('F16 and BF16 checkpoints stay 16-bit by default: half the bytes of --weights f32, PyTorch within 1e-4', async (t) => {
  for (const name of ['bert-tokcls', 'bert-qa', 'distilbert-mlm', 'roberta-seqcls', 'xlm-roberta-mlm', 'electra-generator']) {
    const ref = reference(name);
    const half = await EncoderModel.load(gpu, dir(name), { matmul: 'naive' });
    const full = await EncoderModel.load(gpu, dir(name), { matmul: 'naive', weights: 'f32' });
    const format = ref.dtype === 'BF16' ? 'bf16' : 'f16';
    assert.ok(half.stats().weightStorage[format]!.tensors > 0 && !half.stats().weightStorage.f32?.bytes === false, JSON.stringify(half.stats().weightStorage));
    const ratio = half.stats().weightBytes / full.stats().weightBytes;
    assert.ok(ratio > 0.45 && ratio < 0.6, `${name}: ${ratio.toFixed(3)} of the f32 bytes`);
    const r = await half.forward(inputsOf(ref));
    const report = compare(r.lastHiddenState, ref.last_hidden_state.flat(Infinity), TOLERANCES.model, `${name} hidden`);
    assert.ok(report.pass, report.message);
    t.diagnostic(`${name} (${ref.dtype} -> ${format}): ${(ratio * 100).toFixed(1)}% of f32 bytes, hidden rel ${report.relNorm.toExponential(2)}`);
    half.dispose();
    full.dispose();
  }
});

test('int8 checkpoints from quantize: exact to their dequantized float64 reference; near PyTorch f32', async (t) => {
  for (const [name, group] of [['bert-seqcls', 32], ['roberta-mlm', 64], ['distilbert-mlm', 32], ['electra-generator', 128]] as const) {
    const ref = reference(name);
    const { files } = await quantizeCheckpoint(await openCheckpointSource(dir(name)), group);
    const model = await EncoderModel.load(gpu, files, { matmul: 'naive' });
    const storage = model.stats().weightStorage;
    assert.ok(storage.i8 && storage.i8.tensors >= 6, JSON.stringify(storage));
    const full = await EncoderModel.load(gpu, dir(name), { matmul: 'naive', weights: 'f32' });
    const ratio = model.stats().weightBytes / full.stats().weightBytes;
    full.dispose();
    const inputs = inputsOf(ref);
    const got = await model.forward(inputs, { logits: model.hasMlmHead });
    const exact = await new ReferenceModel(await loadCheckpoint(files)).forward(inputs, { logits: model.hasMlmHead });
    const own = compare(got.lastHiddenState, exact.lastHiddenState, TOLERANCES.model, `${name} int8 vs its float64 reference`);
    assert.ok(own.pass, own.message);
    const H = model.config.hiddenSize;
    const cos = pooled(got.lastHiddenState, ref.attention_mask, H).map((v, b) => cosine(v, pooled(ref.last_hidden_state.flat(Infinity), ref.attention_mask, H)[b]));
    assert.ok(Math.min(...cos) >= 0.999, `${name}: pooled cosine ${cos.map((c) => c.toFixed(6))}`);
    let line = `${name} int8 g${group}: ${(ratio * 100).toFixed(1)}% of f32 bytes, own reference rel ${own.relNorm.toExponential(2)}, pooled cosine vs PyTorch f32 min ${Math.min(...cos).toFixed(6)}`;
    if (got.logits && ref.logits) {
      const V = model.config.vocabSize;
      const theirs = ref.logits.flat(Infinity) as number[];
      let [same, n] = [0, 0];
      ref.attention_mask.forEach((row: number[], b: number) => row.forEach((m, s) => {
        if (!m) return;
        const at = (b * row.length + s) * V;
        let [x, y] = [0, 0];
        for (let v = 1; v < V; v++) {
          if (got.logits![at + v] > got.logits![at + x]) x = v;
          if (theirs[at + v] > theirs[at + y]) y = v;
        }
        n++;
        if (x === y) same++;
      }));
      assert.ok(same / n >= 0.9, `${name}: top-1 agreement ${same}/${n}`);
      line += `, MLM top-1 agreement ${same}/${n}`;
    }
    t.diagnostic(line);
    model.dispose();
  }
});

test('--weights int8 quantizes on load; a bad weights option is refused in one line', async () => {
  const m = await EncoderModel.load(gpu, dir('bert-seqcls'), { matmul: 'naive', weights: 'int8' });
  assert.ok(m.stats().weightStorage.i8!.tensors >= 6);
  m.dispose();
  await assert.rejects(EncoderModel.load(gpu, dir('bert-seqcls'), { weights: 'int4' as 'int8' }), /^InputError: weights must be one of auto, f32, f16, int8, got "int4"$|weights must be one of auto, f32, f16, int8, got "int4"/);
});
