// The fuzzer in CI (tests/fuzz/): the committed regression cases, then 1,000 seeded mutations of real
// checkpoints, safetensors files, tokenizer.json files, run inputs and JSONL corpora, each read as a user's
// file is read. Every case must end in success or one short line of the project's user errors within its
// time limit: a TypeError, a stack overflow, a multi-line or megabyte message, a hang or an exhausted heap
// fails the run, printing the (target, seed) that replays it (npm run fuzz -- --target T --seed S --cases 1
// replays a campaign; tests/fuzz/main.ts). FUZZ_SEED and FUZZ_CASES change the campaign; the default seed is
// fixed so that CI is reproducible. The GPU share is tests/node/fuzz-gpu.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseSeed, isFailure, runCampaign, summary, type FuzzCase } from '../fuzz/campaign.ts';
import { REGRESSIONS } from '../fuzz/regressions.ts';
import { describe as describeValue } from '../../src/families/config.ts';
import { checkInputs } from '../../src/cli/inputs.ts';
import { parseSafetensors } from '../../src/model/safetensors.ts';
import { parseConfig } from '../../src/families/index.ts';
import { generateCheckpoint } from '../../src/model/generate.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261208);
const CASES = Number(process.env.FUZZ_CASES ?? 1000);

test(`fuzz: ${REGRESSIONS.length} regression cases and ${CASES} new ones (campaign seed ${SEED})`, async () => {
  const cases: FuzzCase[] = [
    ...REGRESSIONS.map((r) => ({ seed: r.seed, target: r.target })),
    ...Array.from({ length: CASES }, (_, i) => ({ seed: caseSeed(SEED, i) })),
  ];
  const started = performance.now();
  const results = await runCampaign(cases);
  const lines = summary(results, performance.now() - started);
  console.log(lines.join('\n'));
  assert.equal(results.length, cases.length);
  // The campaign reaches past the parsers: some damaged inputs still load and tokenize.
  assert.ok(results.filter((r) => r.outcome === 'ok').length >= CASES / 20, 'at least 5% of the cases read through');
  assert.deepEqual(results.filter(isFailure).map((r) => `${r.outcome} ${r.target} seed ${r.seed}: ${r.detail}`), []);
});

test('inputs the fuzzer found, read directly', () => {
  // "input_ids": null passed the presence check and crashed on null.length.
  const { config } = parseConfig(JSON.parse(new TextDecoder().decode(generateCheckpoint({ architecture: 'BertModel', hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }).get('config.json')!)));
  assert.throws(() => checkInputs({ input_ids: null }, 'in.json', config), { name: 'CliError', message: 'in.json: "input_ids" must be a non-empty list of rows, e.g. [[101, 2023, 102]], got null' });
  // A config value of 100,000 numbers was quoted whole in its error message.
  assert.equal(describeValue(Array(100_000).fill(4)), `${JSON.stringify(Array(100).fill(4)).slice(0, 200)}… (array)`);
  // A safetensors header nested 50,000 deep overflowed the stack of the header checks.
  const header = new TextEncoder().encode(`{"a":{"dtype":"F32","shape":${'['.repeat(50_000)}${']'.repeat(50_000)},"data_offsets":[0,0]}}`);
  const file = new Uint8Array(8 + header.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, 8);
  assert.throws(() => parseSafetensors(file, 'x.safetensors'), { name: 'CheckpointError', message: 'x.safetensors: header is not valid JSON: nests deeper than 64 levels of arrays and objects (at character 90)' });
});
