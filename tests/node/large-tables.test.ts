// Embedding tables of any size: XLM-R's 250,002 x 768 vocabulary (732 MiB as f32, 366 as the file's f16), in one
// binding where the adapter allows it and in row blocks where it does not, against PyTorch. The reference is the h768 fixture
// (tests/fixtures/families/xlm-roberta-h768, 64 rows): its rows are moved into a table of 250,002 whose other
// rows are noise, so the hidden states must equal the fixture's and its logits reappear at the moved columns.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNodeGpu, describeAdapter, EncoderModel } from '../../src/node.ts';
import { compare, TOLERANCES } from '../../src/lab.ts';
import { parseSafetensors, tensorToFloat32, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { Rng } from '../../src/random.ts';

const DIR = fileURLToPath(new URL('../fixtures/families/xlm-roberta-h768/', import.meta.url));
const ref = JSON.parse(readFileSync(`${DIR}reference.json`, 'utf8'));
const config = JSON.parse(readFileSync(`${DIR}config.json`, 'utf8'));
const gpu = await createNodeGpu();
console.log(`adapter: ${describeAdapter(gpu.adapter)}; maxStorageBufferBindingSize ${gpu.limits.maxStorageBufferBindingSize}, maxBufferSize ${gpu.limits.maxBufferSize}`);

const BIG = 250_002;
const SMALL = config.vocab_size as number; // 64
const H = config.hidden_size as number; // 768
// Ids 0..3 are <s>, <pad>, </s>, <unk> and stay; the others move to the end of the big table.
const moved = (id: number) => (id < 4 ? id : id + BIG - SMALL);

/** The fixture with its vocabulary grown to BIG rows (F16, as the fixture is stored). */
function bigCheckpoint(): Map<string, Uint8Array> {
  const bytes = new Uint8Array(readFileSync(`${DIR}model.safetensors`));
  const parsed = parseSafetensors(bytes, 'model.safetensors');
  const rng = new Rng(5);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, info] of parsed.tensors) {
    const data = tensorToFloat32(bytes, info, 'model.safetensors');
    const width = name === 'roberta.embeddings.word_embeddings.weight' ? H : name === 'lm_head.bias' ? 1 : 0;
    if (!width) {
      tensors[name] = { dtype: 'F16', shape: info.shape, data };
      continue;
    }
    const grown = rng.floats(BIG * width, -0.3, 0.3);
    for (let r = 0; r < SMALL; r++) grown.set(data.subarray(r * width, (r + 1) * width), moved(r) * width);
    tensors[name] = { dtype: 'F16', shape: width === 1 ? [BIG] : [BIG, H], data: grown };
  }
  return new Map<string, Uint8Array>([
    ['config.json', new TextEncoder().encode(JSON.stringify({ ...config, vocab_size: BIG }))],
    ['model.safetensors', writeSafetensors(tensors, { format: 'pt' })],
  ]);
}

const files = bigCheckpoint();
const inputs = {
  inputIds: ref.input_ids.map((row: number[]) => row.map(moved)),
  attentionMask: ref.attention_mask,
  tokenTypeIds: ref.token_type_ids,
};
const wantHidden = (ref.last_hidden_state as number[][][]).flat(2);
const wantLogits = (ref.logits as number[][][]).flat(2);

async function checkBig(maxBindingBytes: number | undefined, blocks: number, weights: 'f32' | 'auto' = 'f32'): Promise<void> {
  const model = await EncoderModel.load(gpu, files, { matmul: 'unrolled4x4', maxBindingBytes, weights });
  try {
    assert.equal(model.config.vocabSize, BIG);
    const split = model.stats().splitWeights;
    assert.deepEqual(split, blocks > 1 ? { 'roberta.embeddings.word_embeddings.weight': blocks } : {});
    const out = await model.forward(inputs, { logits: true });
    const hidden = compare(out.lastHiddenState, wantHidden, TOLERANCES.model, 'last_hidden_state');
    // The fixture's columns of the big logits, in the fixture's order.
    const tokens = out.batch * out.seqLen;
    const logits = new Float32Array(tokens * SMALL);
    for (let t = 0; t < tokens; t++) for (let j = 0; j < SMALL; j++) logits[t * SMALL + j] = out.logits![t * BIG + moved(j)];
    const mlm = compare(logits, wantLogits, TOLERANCES.model, 'logits at the moved columns');
    console.log(`${BIG} x ${H} ${weights === 'f32' ? 'f32' : 'f16'} in ${blocks} binding(s): ${hidden.message}; ${mlm.message}; weights ${(model.stats().weightBytes / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(hidden.pass, hidden.message);
    assert.ok(mlm.pass, mlm.message);
    assert.ok(out.logits!.every(Number.isFinite), 'every logit of the big vocabulary is finite');
  } finally {
    model.dispose();
  }
}

test('a 250,002 x 768 vocabulary (732 MiB) loads in one binding and matches PyTorch', async () => {
  assert.ok(gpu.limits.maxStorageBufferBindingSize >= BIG * H * 4, 'this adapter binds the table whole');
  await checkBig(undefined, 1);
});

test('the same table split into row blocks (bindings of at most 256 MiB) matches PyTorch: embedding gather and tied decoder read every block', async () => {
  await checkBig(256 * 2 ** 20, 3);
});

test('stored as the file has it (f16, 366 MiB), in row blocks of at most 128 MiB: each block packed on its own', async () => {
  await checkBig(128 * 2 ** 20, 3, 'auto');
});

test('a weight whose single row exceeds the binding limit is refused in one line naming it', async () => {
  await assert.rejects(
    EncoderModel.load(gpu, `${DIR}`, { maxBindingBytes: 1024, weights: 'f32' }),
    (e: Error) => e.name === 'GpuLimitError' && e.message === "roberta.embeddings.word_embeddings.weight: one row of 3072 bytes exceeds this adapter's largest binding (1024 bytes)",
  );
});
