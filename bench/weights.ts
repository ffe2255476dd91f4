/**
 * Weight storage end to end, in one run (Node, Dawn): the same random-weight encoder loaded with f32, f16 and
 * int8 weights (f16 and int8 from the f32 checkpoint: --weights f16 rounds, int8 is the quantize step's
 * checkpoint), at MiniLM and BERT-base shapes. Per row: GPU weight bytes, steady forward (median of --runs
 * after a warm-up), and accuracy against the f32 run (pooled cosine, hidden relative error). Every run is
 * checked before it is timed. Results: bench/results/weights-<adapter>-<date>.json and .md.
 *
 *   node --import tsx bench/weights.ts [--runs 5] [--matmul unrolled4x4] [--models minilm,bert-base]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNodeGpu, describeAdapter, EncoderModel } from '../src/node.ts';
import { generateCheckpoint, median } from '../src/lab.ts';
import { quantizeCheckpoint } from '../src/model/quantize-checkpoint.ts';
import { openCheckpointSource } from '../src/model/source.ts';
import { compareModels } from '../src/tasks/compare-models.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, matmul: { type: 'string', default: 'unrolled4x4' }, models: { type: 'string', default: 'minilm,bert-base' } } });
const MODELS = {
  minilm: { shape: { hiddenSize: 384, numLayers: 6, numHeads: 12, intermediateSize: 1536 }, tokens: 128 },
  'bert-base': { shape: { hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072 }, tokens: 64 },
} as const;

const gpu = await createNodeGpu();
const rows: Record<string, unknown>[] = [];
for (const name of values.models!.split(',') as (keyof typeof MODELS)[]) {
  const { shape, tokens } = MODELS[name];
  const f32 = generateCheckpoint({ architecture: 'BertForMaskedLM', ...shape, maxPositions: 512, seed: 11 });
  const { files: int8 } = await quantizeCheckpoint(await openCheckpointSource(f32), 64);
  const ids = [Array.from({ length: tokens }, (_, i) => (i === 0 ? 2 : i === tokens - 1 ? 3 : 5 + ((i * 7) % 1500)))];
  const reference = await EncoderModel.load(gpu, f32, { matmul: values.matmul, weights: 'f32' });
  for (const [label, files, weights] of [['f32', f32, 'f32'], ['f16', f32, 'f16'], ['int8 g64', int8, 'auto']] as const) {
    const model = label === 'f32' ? reference : await EncoderModel.load(gpu, files, { matmul: values.matmul, weights });
    const accuracy = label === 'f32' ? undefined : await compareModels(model, reference);
    await model.forward({ inputIds: ids }, { pooler: false, logits: false });
    const times: number[] = [];
    for (let i = 0; i < Number(values.runs); i++) {
      const t = performance.now();
      await model.forward({ inputIds: ids }, { pooler: false, logits: false });
      times.push(performance.now() - t);
    }
    rows.push({
      model: name, tokens, weights: label, weight_bytes: model.stats().weightBytes, storage: model.stats().weightStorage, median_ms: median(times), runs: times.length,
      ...(accuracy && { pooled_cosine_min: accuracy.pooledCosine.min, hidden_rel_l2: accuracy.hiddenRelL2, mlm_top1: accuracy.mlmTop1?.rate }),
    });
    process.stderr.write(`${name} ${label}: ${median(times).toFixed(0)} ms, ${(model.stats().weightBytes / 2 ** 20).toFixed(1)} MiB\n`);
    if (model !== reference) model.dispose();
  }
  reference.dispose();
}
const adapter = describeAdapter(gpu.adapter);
const base = (r: Record<string, unknown>) => rows.find((x) => x.model === r.model && x.weights === 'f32')!;
const md = [
  `# Weight storage: f32, f16 and int8 end to end (matmul ${values.matmul})`, '',
  `Adapter: ${adapter}. Node (Dawn), ${new Date().toISOString().slice(0, 10)}; steady forward = median of ${values.runs}, BertForMaskedLM hidden states (no MLM head run).`,
  'Accuracy against the f32 run of the same weights (compare: 16 sentences; pooled = mean over tokens). On SwiftShader the times are CPU times: read the ratios.', '',
  '| model | tokens | weights | GPU weight MiB | vs f32 | steady ms | vs f32 | pooled cosine (min) | hidden rel L2 | MLM top-1 |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.model} | ${r.tokens} | ${r.weights} | ${((r.weight_bytes as number) / 2 ** 20).toFixed(1)} | ${((r.weight_bytes as number) / (base(r).weight_bytes as number)).toFixed(2)} | ${(r.median_ms as number).toFixed(0)} | ${((r.median_ms as number) / (base(r).median_ms as number)).toFixed(2)} | ${r.pooled_cosine_min === undefined ? '–' : (r.pooled_cosine_min as number).toFixed(6)} | ${r.hidden_rel_l2 === undefined ? '–' : (r.hidden_rel_l2 as number).toExponential(1)} | ${r.mlm_top1 === undefined ? '–' : (r.mlm_top1 as number).toFixed(3)} |`),
  '',
].join('\n');
process.stdout.write(md);
const dir = path.join(ROOT, 'bench/results');
await mkdir(dir, { recursive: true });
const file = `weights-${gpu.adapter.architecture || 'adapter'}-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}`;
await writeFile(path.join(dir, `${file}.json`), `${JSON.stringify({ adapter, matmul: values.matmul, rows }, null, 1)}\n`);
await writeFile(path.join(dir, `${file}.md`), md);
gpu.destroy();
