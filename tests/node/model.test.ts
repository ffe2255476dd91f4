// The whole model on Dawn: PyTorch references, plan reuse, concurrency, input errors, dispose and reload.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BertModel, cachedPipelineCount, createNodeGpu, InputError } from '../../src/node.ts';
import { modelCases, type FixtureEnv } from '../model/cases.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const env: FixtureEnv = {
  source: (fixture) => `${FIXTURES}${fixture}`,
  readJson: async (fixture, file) => JSON.parse(readFileSync(`${FIXTURES}${fixture}/${file}`, 'utf8')),
};
const gpu = await createNodeGpu();

for (const c of modelCases) {
  test(c.name, async () => {
    for (const r of await c.run(gpu, env)) assert.ok(r.pass, r.message);
  });
}

const ref = JSON.parse(readFileSync(`${FIXTURES}pytorch-bert-h64/reference.json`, 'utf8'));
const inputs = { inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids };

test('a second forward of the same shape replays the plan: no new plan, pipeline or bind group', async () => {
  const model = await BertModel.load(gpu, env.source('pytorch-bert-h64'));
  try {
    const first = await model.forward(inputs);
    assert.equal(model.stats().plansBuilt, 1);
    const pipelines = cachedPipelineCount(gpu);
    const device = gpu.device as GPUDevice & { createBindGroup: GPUDevice['createBindGroup'] };
    const original = device.createBindGroup;
    let bindGroups = 0;
    device.createBindGroup = function (this: GPUDevice, d: GPUBindGroupDescriptor) { bindGroups++; return original.call(this, d); };
    try {
      const second = await model.forward(inputs);
      // Shorter sequences in the same bucket of 8 share the plan too.
      await model.forward({ inputIds: inputs.inputIds.map((r: number[]) => r.slice(0, -2)), attentionMask: inputs.attentionMask.map((r: number[]) => r.slice(0, -2)) });
      assert.deepEqual(second.lastHiddenState, first.lastHiddenState);
    } finally {
      device.createBindGroup = original;
    }
    assert.equal(bindGroups, 0, 'bind groups created while replaying');
    assert.equal(cachedPipelineCount(gpu), pipelines);
    assert.equal(model.stats().plansBuilt, 1);
    const stats = model.stats();
    console.log(`# h64 fixture, batch 3 x 40 (bucket 40): ${JSON.stringify(stats)}`);
    assert.equal(stats.dispatchesPerForward, 1 + 2 * 7 + 1, 'embeddings + 7 per layer + pooler');
    assert.ok(stats.peakActivationBytes < stats.activationBytesNoReuse);
  } finally {
    model.dispose();
  }
});

test('concurrent forwards are queued and each gets its own result', async () => {
  const model = await BertModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
  try {
    const batches = [0, 1, 2].map((i) => ({ inputIds: [inputs.inputIds[i].slice(0, 12).map((t: number) => t % 536)] }));
    const sequential: Float32Array[] = [];
    for (const b of batches) sequential.push((await model.forward(b)).lastHiddenState);
    const concurrent = await Promise.all(batches.map((b) => model.forward(b)));
    concurrent.forEach((r, i) => assert.deepEqual(r.lastHiddenState, sequential[i]));
    assert.notDeepEqual(sequential[0], sequential[1]);
  } finally {
    model.dispose();
  }
});

test('bad inputs are refused with a clear error and the model stays usable', async () => {
  const model = await BertModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
  try {
    await assert.rejects(model.forward({ inputIds: [[2, 9999, 3]] }), (e: Error) => e instanceof InputError && /input_ids\[0\]\[1\] = 9999 is not an integer in \[0, 536\)/.test(e.message));
    await assert.rejects(model.forward({ inputIds: [[2, 3], [2]] }), /input_ids\[1\] must have 2 values/);
    await assert.rejects(model.forward({ inputIds: [[2, 3]], attentionMask: [[1, 2]] }), /attention_mask\[0\]\[1\] = 2/);
    await assert.rejects(model.forward({ inputIds: [Array(600).fill(2)] }), /sequence length 600 exceeds/);
    const ok = await model.forward({ inputIds: [[2, 5, 3]] });
    assert.equal(ok.lastHiddenState.length, 3 * 32);
    assert.ok(ok.lastHiddenState.every(Number.isFinite));
  } finally {
    model.dispose();
  }
});

test('dispose frees the model; another loads on the same device', async () => {
  const a = await BertModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
  a.dispose();
  await assert.rejects(a.forward({ inputIds: [[2, 3]] }), /disposed/);
  const b = await BertModel.load(gpu, env.source('pytorch-bert-h64'));
  const out = await b.forward({ inputIds: [[2, 5, 3]] });
  assert.equal(out.poolerOutput?.length, 64);
  b.dispose();
});
