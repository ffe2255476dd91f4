// The whole model on Dawn: PyTorch references, plan reuse, concurrency, input errors, dispose and reload.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EncoderModel, createNodeGpu, InputError } from '../../src/node.ts';
import { ATTENTION_VARIANTS, cachedPipelineCount, compare, MATMUL_CONFIGS, parseConfig, TOLERANCES, variantRefuses } from '../../src/lab.ts';
import { occupancyTable } from '../../src/node.ts';
import { modelCases, type FixtureEnv } from '../model/cases.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const env: FixtureEnv = {
  source: (fixture) => `${FIXTURES}${fixture}`,
  readJson: async (fixture, file) => JSON.parse(readFileSync(`${FIXTURES}${fixture}/${file}`, 'utf8')),
};
const gpu = await createNodeGpu();

for (const c of modelCases) {
  test(c.name, async () => {
    const reports = await c.run(gpu, env);
    console.log(`${c.name}: ${reports.map((r) => `${r.message.split(':')[0]} ${r.relNorm.toExponential(1)}`).join(', ')}`);
    for (const r of reports) assert.ok(r.pass, r.message);
  });
}

const ref = JSON.parse(readFileSync(`${FIXTURES}pytorch-bert-h64/reference.json`, 'utf8'));
const inputs = { inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids };

test('a second forward of the same shape replays the plan: no new plan, pipeline or bind group', async () => {
  const model = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'));
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
    console.log(`# h64 fixture, batch 3 x 40 (bucket 40): ${JSON.stringify({ ...stats, occupancy: undefined })}`);
    assert.equal(stats.dispatchesPerLayer, 5, 'QKV, attention, output + LayerNorm, FFN in, FFN out + LayerNorm');
    assert.equal(stats.dispatchesPerForward, 1 + 2 * 5 + 1, 'embeddings + 5 per layer + pooler');
    assert.ok(stats.peakActivationBytes < stats.activationBytesNoReuse);
  } finally {
    model.dispose();
  }
});

test('the occupancy report counts each dispatch\'s workgroups, invocations and bound bytes as the shapes give them', async () => {
  // h64 (hidden 64, 4 heads, FFN 256), batch 3 x 40 run as the shape class 4 x 40 = 160 tokens (runtime/buckets.ts),
  // every matmul on gpu16x16 (16 x 16 blocks of 8 x 8 invocations), LayerNorm unfused so the dense matmuls show too.
  const model = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'), { matmul: 'gpu16x16-k32-r2x2', fuseLayerNorm: false });
  try {
    await model.forward(inputs);
    const r = model.stats().occupancy!;
    assert.equal(r.dispatches.length, model.stats().dispatchesPerForward);
    const at = (stage: string) => r.dispatches.find((d) => d.layer === 0 && d.stage === stage) ?? assert.fail(`no layer-0 "${stage}" in ${r.dispatches.map((d) => d.stage)}`);
    const embed = r.dispatches[0];
    assert.deepEqual([embed.workgroups, embed.invocationsPerWorkgroup], [160, 64], 'one workgroup of 64 per token');
    const qkv = at('QKV projection');
    // ceil(160 / 16) x (192 / 16) blocks; reads A 160 x 64, B 192 x 64 and the bias (f32); writes 160 x 192.
    assert.deepEqual([qkv.workgroups, qkv.invocationsPerWorkgroup, qkv.invocations], [10 * 12, 64, 10 * 12 * 64]);
    assert.deepEqual([qkv.bytesRead, qkv.bytesWritten], [4 * (160 * 64 + 192 * 64 + 192), 4 * 160 * 192]);
    const ffnIn = at('FFN in + GELU');
    assert.equal(ffnIn.workgroups, 10 * 16, 'ceil(160 / 16) x (256 / 16)');
    assert.ok(r.dispatches.every((d) => d.workgroups < r.threshold), 'a model this small fills no GPU');
    assert.equal(r.below, r.dispatches.length);
    assert.equal(r.minWorkgroups, Math.min(...r.dispatches.map((d) => d.workgroups)));
    assert.match(qkv.why, /ceil\(160 \/ 16\) x ceil\(192 \/ 16\) output tiles/);
    const table = occupancyTable(r);
    assert.match(table, /^4 x 40: /);
    assert.ok(table.split('\n').length >= 4 + 5, table);
  } finally {
    model.dispose();
  }
});

test('concurrent forwards are queued and each gets its own result', async () => {
  const model = await EncoderModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
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
  const model = await EncoderModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
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
  const a = await EncoderModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
  a.dispose();
  await assert.rejects(a.forward({ inputIds: [[2, 3]] }), /disposed/);
  const b = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'));
  const out = await b.forward({ inputIds: [[2, 5, 3]] });
  assert.equal(out.poolerOutput?.length, 64);
  b.dispose();
});

test('a head size the fused kernel cannot take falls back to naive attention by default, and is refused when asked for', async () => {
  const { generateCheckpoint } = await import('../../src/model/generate.ts');
  const { loadCheckpoint } = await import('../../src/model/source.ts');
  const { ReferenceModel } = await import('../../src/reference/model.ts');
  const { compare, TOLERANCES } = await import('../../src/reference/compare.ts');
  // hidden 30 / 3 heads: head size 10, not a multiple of 4.
  const files = generateCheckpoint({ architecture: 'BertModel', hiddenSize: 30, numLayers: 1, numHeads: 3, intermediateSize: 48, seed: 11 });
  await assert.rejects(EncoderModel.load(gpu, files, { attention: 'flash' }), (e: Error) => e instanceof InputError && /head dim that is a multiple of 4/.test(e.message));
  const model = await EncoderModel.load(gpu, files);
  try {
    assert.equal(model.attention, 'naive');
    const input = { inputIds: [[2, 40, 41, 42, 3], [2, 50, 3, 0, 0]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]] };
    const out = await model.forward(input);
    const ckpt = await loadCheckpoint(files);
    const want = await new ReferenceModel(ckpt).forward(input);
    const r = compare(out.lastHiddenState, want.lastHiddenState, TOLERANCES.model, 'last_hidden_state');
    assert.ok(r.pass, r.message);
  } finally {
    model.dispose();
  }
});

test('a model loads over HTTP from 127.0.0.1 with progress, and computes what the folder copy computes', async () => {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const server = createServer(async (req, res) => {
    try {
      const body = await readFile(`${FIXTURES}${decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/+/, '').replace(/\.\./g, '')}`);
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const seen: string[] = [];
    const remote = await EncoderModel.load(gpu, `http://127.0.0.1:${port}/pytorch-bert-mlm-h32/`, {
      onProgress: (p) => { if (p.stage === 'download' && p.loaded === p.total) seen.push(p.file!); },
    });
    const local = await EncoderModel.load(gpu, env.source('pytorch-bert-mlm-h32'));
    const input = { inputIds: [[2, 7, 9, 3]] };
    assert.deepEqual((await remote.forward(input)).lastHiddenState, (await local.forward(input)).lastHiddenState);
    assert.ok(seen.includes('model.safetensors') && seen.includes('config.json'), `progress for: ${seen}`);
    remote.dispose();
    local.dispose();
    await assert.rejects(EncoderModel.load(gpu, `http://127.0.0.1:${port}/no-such-model/`), /config\.json: .*404/);
  } finally {
    server.close();
  }
});

test('profile: one timed pass per dispatch, summed per stage, outputs unchanged', async () => {
  const model = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'));
  try {
    const plain = await model.forward(inputs);
    const profiled = await model.forward(inputs, { profile: true });
    assert.deepEqual(profiled.lastHiddenState, plain.lastHiddenState);
    const profile = profiled.profile!;
    assert.ok(profile, 'no profile returned');
    assert.equal(profile.method, gpu.hasTimestamps ? 'gpu-timestamps' : 'wall-clock');
    assert.ok(Number.isFinite(profile.totalMs) && profile.totalMs > 0, `totalMs ${profile.totalMs}`);
    if (gpu.hasTimestamps) {
      const dispatches = profile.stages.reduce((a, s) => a + s.dispatches, 0);
      assert.equal(dispatches, model.stats().dispatchesPerForward);
      assert.ok(profile.stages.some((s) => s.stage === 'QKV projection' && s.dispatches === 2), JSON.stringify(profile.stages.map((s) => s.stage)));
      assert.ok(profile.stages.every((s) => s.ms >= 0 && !/^layer\d/.test(s.stage)));
      console.log(`# profile: ${profile.stages.map((s) => `${s.stage} ${s.ms.toFixed(2)} ms x${s.dispatches}`).join(', ')}`);
    }
    assert.equal((await model.forward(inputs)).profile, undefined);
  } finally {
    model.dispose();
  }
});

test('fuseLayerNorm false: 7 dispatches per layer; fused and unfused both within fp32 rounding of PyTorch', async () => {
  const fused = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'));
  const unfused = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'), { fuseLayerNorm: false });
  try {
    const a = await fused.forward(inputs);
    const b = await unfused.forward(inputs);
    assert.equal(unfused.stats().dispatchesPerLayer, 7);
    assert.equal(fused.stats().dispatchesPerLayer, 5);
    // Each plan against the float64 reference at the kernels' fp32 tolerance, not against the other plan (a
    // fault both share would pass that): 2 layers of this model stay near 3e-7 relative, 30x inside it.
    for (const [plan, out] of [['fused', a], ['unfused', b]] as const) {
      for (const r of [compare(out.lastHiddenState, (ref.last_hidden_state as number[][][]).flat(2), TOLERANCES.fp32, `${plan} last_hidden_state`),
        compare(out.poolerOutput ?? [], (ref.pooler_output as number[][]).flat(), TOLERANCES.fp32, `${plan} pooler_output`)]) assert.ok(r.pass, r.message);
    }
  } finally {
    fused.dispose();
    unfused.dispose();
  }
});

test('matmul as a list autotunes among those configurations only; a wrong name or an empty list is refused by name', async () => {
  const model = await EncoderModel.load(gpu, env.source('pytorch-bert-h64'), { matmul: ['naive', 'reg4x8'] });
  try {
    const out = await model.forward(inputs);
    // Held to PyTorch (float64 reference), not to another run of the engine.
    const report = compare(out.lastHiddenState, (ref.last_hidden_state as number[][][]).flat(2));
    assert.ok(report.pass, report.message);
    // Matmul steps name their configuration: the unfused ones (QKV, FFN in, pooler) ran one of the two.
    const names = new Set(MATMUL_CONFIGS.map((c) => c.name));
    const ran = (model.stats().occupancy?.dispatches ?? []).flatMap((d) => d.label.split(' ').filter((w) => names.has(w)));
    assert.ok(ran.length >= 4, `matmul configurations in the labels: ${ran}`);
    for (const name of ran) assert.ok(['naive', 'reg4x8'].includes(name), `${name} is not in the list`);
  } finally {
    model.dispose();
  }
  await assert.rejects(EncoderModel.load(gpu, env.source('pytorch-bert-h64'), { matmul: ['reg4x8', 'reg5x5'] }),
    (e: Error) => e instanceof InputError && e.message.startsWith('matmul: unknown configuration "reg5x5" (known: autotune, '));
  await assert.rejects(EncoderModel.load(gpu, env.source('pytorch-bert-h64'), { matmul: [] }),
    (e: Error) => e instanceof InputError && /non-empty list/.test(e.message));
});

test('an attention variant without the family\'s position features is refused by name; the default and every variant that takes them match PyTorch', async () => {
  const mpnet = env.source('families/mpnet-base');
  const relBias = ATTENTION_VARIANTS.filter((v) => v.features?.includes('relative-bias')).map((v) => v.name);
  assert.ok(relBias.length > 0 && !relBias.includes('naive'), relBias.join(', '));
  await assert.rejects(EncoderModel.load(gpu, mpnet, { attention: 'naive' }),
    (e: Error) => e instanceof InputError && e.message === `attention variant "naive" cannot run this model: it takes no relative-bias (variants that do: ${relBias.join(', ')})`);
  const fixture = 'families/modernbert-base';
  const mref = JSON.parse(readFileSync(`${FIXTURES}${fixture}/reference.json`, 'utf8'));
  const { family, config } = parseConfig(JSON.parse(readFileSync(`${FIXTURES}${fixture}/config.json`, 'utf8')));
  const takers = ATTENTION_VARIANTS.filter((v) => !variantRefuses(v, config.headDim, family.attentionFeatures?.(config))).map((v) => v.name);
  const model = await EncoderModel.load(gpu, env.source(fixture));
  try {
    assert.equal(model.attention, 'flash');
    await assert.rejects(model.forward({ inputIds: [[5, 6, 7]] }, { attention: 'naive' }), (e: Error) => e instanceof InputError && /"naive" cannot run this model: it takes no rope, window/.test(e.message));
    // The default and each variant that takes rope and a window, asked for per forward: held to PyTorch.
    assert.ok(takers.length > 1 && takers.includes(model.attention), takers.join(', '));
    for (const attention of [undefined, ...takers]) {
      const out = await model.forward({ inputIds: mref.input_ids, attentionMask: mref.attention_mask }, { attention });
      const r = compare(out.lastHiddenState, mref.last_hidden_state.flat(2), TOLERANCES.model, `${attention ?? 'default'} attention last_hidden_state`);
      assert.ok(r.pass, r.message);
    }
  } finally {
    model.dispose();
  }
});
