/**
 * Corpus embedding throughput, in one run (Node, Dawn): the same corpus of mixed lengths through embedCorpus
 * with length bucketing (each window sorted by token length, batches padded to their own longest) and without
 * (consecutive texts, each batch padded to its longest), at the same padded-token budget. Reports real tokens
 * per second (attended tokens / wall time), forwards, and the ratio. Both runs are checked first
 * to give the same vectors (cosine > 0.99999 for every text). Results: bench/results/corpus-<adapter>-<date>.json
 * and .md.
 *
 *   node --import tsx bench/corpus.ts [--texts 2000] [--batch-tokens 4096] [--matmul unrolled4x4] [--model minilm|tiny]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNodeGpu, describeAdapter, EncoderModel, embedCorpus } from '../src/node.ts';
import { DEFAULT_MODEL_OPTIONS, generateCheckpoint } from '../src/lab.ts';
import { Rng } from '../src/random.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: {
  texts: { type: 'string', default: '2000' }, 'batch-tokens': { type: 'string', default: '4096' },
  matmul: { type: 'string', default: 'unrolled4x4' }, model: { type: 'string', default: 'minilm' },
} });
const MODELS = {
  minilm: { architecture: 'BertModel', hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536, maxPositions: 512, seed: 5 },
  tiny: DEFAULT_MODEL_OPTIONS,
} as const;
const N = Number(values.texts);
const batchTokens = Number(values['batch-tokens']);

// Lengths as real corpora have them: mostly short, a long tail (log-uniform 3..300 words).
const rng = new Rng(17);
const words = 'the of and a to in is was that for it with as his on be at by had are not from or this but which'.split(' ');
const texts = Array.from({ length: N }, () => {
  const n = Math.round(Math.exp(Math.log(3) + rng.uniform(0, 1) * (Math.log(300) - Math.log(3))));
  return Array.from({ length: n }, () => words[rng.int(0, words.length)]).join(' ');
});

const gpu = await createNodeGpu();
const model = await EncoderModel.load(gpu, generateCheckpoint(MODELS[values.model as keyof typeof MODELS] as typeof DEFAULT_MODEL_OPTIONS), { matmul: values.matmul });
async function run(bucketing: boolean) {
  const vectors: Float32Array[] = [];
  let tokens = 0;
  let forwards = 0;
  const start = performance.now();
  for await (const v of embedCorpus(model, texts, { batchTokens, bucketing, onProgress: (p) => { tokens = p.tokens; forwards++; } })) vectors.push(v.embedding);
  const ms = performance.now() - start;
  return { vectors, tokens, forwards, ms };
}
// A warm-up pass over a slice, so both runs find the pipelines compiled.
for await (const _ of embedCorpus(model, texts.slice(0, 64), { batchTokens })) { /* warm-up */ }
const bucketed = await run(true);
const plain = await run(false);
let minCos = 1;
bucketed.vectors.forEach((a, i) => {
  const b = plain.vectors[i];
  let [d, na, nb] = [0, 0, 0];
  for (let j = 0; j < a.length; j++) { d += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
  minCos = Math.min(minCos, d / Math.sqrt(na * nb));
});
if (minCos < 0.99999) throw new Error(`bucketed and plain runs disagree: min cosine ${minCos}`);
const rows = [['length buckets', bucketed], ['padded to each batch\'s longest', plain]].map(([label, r]) => {
  const x = r as typeof bucketed;
  return { batching: label as string, texts: N, tokens: x.tokens, forwards: x.forwards, seconds: x.ms / 1000, tokens_per_s: x.tokens / (x.ms / 1000) };
});
const ratio = rows[0].tokens_per_s / rows[1].tokens_per_s;
const adapter = describeAdapter(gpu.adapter);
const md = [
  `# Corpus embedding: length bucketing against padding each batch to its longest (${values.model}, batch tokens ${batchTokens}, matmul ${values.matmul})`, '',
  `Adapter: ${adapter}. Node (Dawn), ${new Date().toISOString().slice(0, 10)}; ${N} texts of 3-300 words (log-uniform), mean pooling; one run each after a warm-up, the same vectors (min cosine ${minCos.toFixed(6)}).`, '',
  '| batching | texts | real tokens | forwards | seconds | tokens/s |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.batching} | ${r.texts} | ${r.tokens} | ${r.forwards} | ${r.seconds.toFixed(1)} | ${r.tokens_per_s.toFixed(0)} |`),
  '', `Length bucketing: **${ratio.toFixed(2)}x** the tokens/s of padding every batch to its longest, in this run.`, '',
];
const stamp = `${gpu.adapter.architecture || 'adapter'}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
const dir = path.join(ROOT, 'bench', 'results');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, `corpus-${stamp}.json`), `${JSON.stringify({ adapter, options: { ...values, texts: N }, rows, ratio, minCos }, null, 2)}\n`);
await writeFile(path.join(dir, `corpus-${stamp}.md`), md.join('\n'));
process.stdout.write(md.join('\n'));
model.dispose();
gpu.destroy();
