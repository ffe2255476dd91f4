// Whole-plan autotuning (runtime/plan-tune.ts) on the adapter at hand: every candidate plan (fused and unfused
// LayerNorm x the attention variants that take the model) timed by one layer, the fastest kept and used,
// the forward still equal to PyTorch's, the choice cached (no second tuning) and exported with the matmul
// tunings; options given explicitly are not tuned.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNodeGpu, EncoderModel, setTuningStore, type ForwardResult } from '../../src/node.ts';
import { ATTENTION_VARIANTS, cachedTuning, compare, defaultAttentionVariant, exportTuning, importTuning, TOLERANCES, variantRefuses } from '../../src/lab.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/pytorch-bert-h64', import.meta.url));
const ref = JSON.parse(readFileSync(`${FIXTURE}/reference.json`, 'utf8'));
const inputs = { inputIds: ref.input_ids, attentionMask: ref.attention_mask, tokenTypeIds: ref.token_type_ids };
const config = JSON.parse(readFileSync(`${FIXTURE}/config.json`, 'utf8'));
const headDim = config.hidden_size / config.num_attention_heads;
/** Every plan is held to PyTorch's float64 run, never to another plan of the engine. */
function assertMatchesPyTorch(out: ForwardResult, what: string): void {
  const r = compare(out.lastHiddenState, Float32Array.from(ref.last_hidden_state.flat(2)), TOLERANCES.model, `${what} last_hidden_state`);
  assert.ok(r.pass, r.message);
}
// No stored tunings: this test must see the tuning happen.
setTuningStore(undefined);
const gpu = await createNodeGpu();

test('plan: autotune times fused and unfused LayerNorm with each attention variant, keeps the fastest, and stays exact', async () => {
  const model = await EncoderModel.load(gpu, FIXTURE, { plan: 'autotune', matmul: 'unrolled4x4' });
  try {
    assertMatchesPyTorch(await model.forward(inputs), 'tuned');
    const { planOptions, plansBuilt } = model.stats();
    const tuned = planOptions?.tuned;
    assert.ok(tuned, JSON.stringify(planOptions));
    console.log(`# plan tuning (${tuned.method}): ${JSON.stringify(tuned.medians)} -> ${planOptions!.fuseLayerNorm ? 'fused' : 'unfused'}+${planOptions!.attention}`);
    const names = Object.keys(tuned.medians);
    // The defaults (fused, the default variant for the head dim) are timed first, unfused next; every candidate
    // is a variant of the registry that takes this head dim (16: not flash-d64).
    const takers = ATTENTION_VARIANTS.filter((v) => !variantRefuses(v, headDim)).map((v) => v.name);
    const candidates = takers.flatMap((a) => [`fused+${a}`, `unfused+${a}`]);
    assert.deepEqual(names.slice(0, 2), [`fused+${defaultAttentionVariant(headDim)}`, `unfused+${defaultAttentionVariant(headDim)}`]);
    assert.ok(names.every((n) => candidates.includes(n)), `${names.join(', ')} not all in ${candidates.join(', ')}`);
    assert.equal(plansBuilt, names.length, 'one plan per timed candidate, the winner kept');
    const best = names.reduce((a, b) => (tuned.medians[a] <= tuned.medians[b] ? a : b));
    assert.equal(`${planOptions!.fuseLayerNorm ? 'fused' : 'unfused'}+${planOptions!.attention}`, best);
    assert.equal(model.stats().dispatchesPerLayer, planOptions!.fuseLayerNorm ? (planOptions!.attention === 'flash-split' ? 6 : 5) : (planOptions!.attention === 'flash-split' ? 8 : 7));

    await model.forward(inputs);
    assert.equal(model.stats().plansBuilt, names.length, 'the second forward of the shape reuses the kept plan');
    const saved = exportTuning(gpu).filter((t) => t.key.includes('|plan|'));
    assert.equal(saved.length, 1);
    assert.equal(saved[0].config, best);
    // A stored entry naming a variant this code does not have is not restored.
    importTuning(gpu, [{ key: `${saved[0].key}-other`, config: 'fused+no-such-variant', medians: {}, method: 'wall-clock' }]);
    assert.equal(cachedTuning(gpu, `${saved[0].key}-other`), undefined);
  } finally {
    model.dispose();
  }
});

test('plan: autotune leaves an option given explicitly alone', async () => {
  const model = await EncoderModel.load(gpu, FIXTURE, { plan: 'autotune', matmul: 'unrolled4x4', fuseLayerNorm: false });
  try {
    assertMatchesPyTorch(await model.forward(inputs), 'tuned, LayerNorm unfused');
    const tuned = model.stats().planOptions?.tuned;
    assert.ok(tuned && Object.keys(tuned.medians).every((n) => n.startsWith('unfused+')), JSON.stringify(tuned));
    assert.equal(model.stats().planOptions!.fuseLayerNorm, false);
  } finally {
    model.dispose();
  }
  const fixed = await EncoderModel.load(gpu, FIXTURE, { plan: 'fixed', matmul: 'unrolled4x4' });
  try {
    assertMatchesPyTorch(await fixed.forward(inputs), 'fixed');
    assert.deepEqual(fixed.stats().planOptions, { fuseLayerNorm: true, attention: defaultAttentionVariant(headDim) });
    assert.equal(fixed.stats().plansBuilt, 1);
  } finally {
    fixed.dispose();
  }
  await assert.rejects(EncoderModel.load(gpu, FIXTURE, { plan: 'sometimes' as 'fixed' }), /plan must be 'autotune' or 'fixed', got "sometimes"/);
});
