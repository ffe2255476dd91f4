// The fuzzer's GPU share: damaged checkpoints (tests/fuzz/targets.ts, the checkpoint target's cases) loaded
// onto the device and run, where a damaged file that still parses reaches the upload and the kernels. Each
// case ends in a forward or in one line of the project's user errors (a GPU limit included) within its time
// limit; afterwards a known-good model loaded before the campaign must still give the same output, bit for
// bit: no case may leave the device lost or the engine's caches poisoned. FUZZ_GPU_CASES changes the count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeGpu, describeAdapter, EncoderModel } from '../../src/node.ts';
import { generateCheckpoint } from '../../src/model/generate.ts';
import { caseSeed } from '../fuzz/campaign.ts';
import { classify } from '../fuzz/outcome.ts';
import { damagedCheckpoint } from '../fuzz/targets.ts';

const CASES = Number(process.env.FUZZ_GPU_CASES ?? 24);
const SEED = Number(process.env.FUZZ_SEED ?? 20261208);
const LIMIT_MS = 60_000; // SwiftShader compiles each new pipeline on the CPU: generous, only a hang exceeds it

const withLimit = <T>(p: Promise<T>, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${LIMIT_MS} ms`)), LIMIT_MS).unref())]);

test(`fuzz on the GPU: ${CASES} damaged checkpoints loaded and run, then a good model still agrees with itself`, async () => {
  const gpu = await createNodeGpu();
  const inputs = { inputIds: [[2, 7, 8, 9, 3], [2, 10, 3, 0, 0]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]] };
  const good = await EncoderModel.load(gpu, generateCheckpoint({ architecture: 'BertModel', hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, seed: 5 }));
  const before = (await good.forward(inputs)).lastHiddenState;
  const counts = { ran: 0, refused: 0 };
  const failures: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const seed = caseSeed(SEED ^ 0x6770, i);
    const { files } = await damagedCheckpoint(seed);
    let model: EncoderModel | undefined;
    try {
      model = await withLimit(EncoderModel.load(gpu, files), `seed ${seed} load`);
      const vocab = model.config.vocabSize;
      await withLimit(model.forward({ inputIds: inputs.inputIds.map((r) => r.map((id) => id % vocab)), attentionMask: inputs.attentionMask }), `seed ${seed} forward`);
      counts.ran++;
    } catch (e) {
      const { outcome, detail } = classify(e);
      if (outcome === 'refused') counts.refused++;
      else failures.push(`seed ${seed}: ${detail}`);
    } finally {
      model?.dispose();
    }
  }
  console.log(`GPU fuzz on ${describeAdapter(gpu.adapter)}: ${CASES} cases, ${counts.ran} loaded and ran, ${counts.refused} refused, ${failures.length} failed`);
  const after = (await good.forward(inputs)).lastHiddenState;
  good.dispose();
  assert.deepEqual(failures, []);
  assert.deepEqual([...after], [...before], 'the good model gives the same output after the campaign');
});
