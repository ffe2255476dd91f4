/**
 * The occupancy report of whole plans, planned but not run (model.occupancy): every dispatch of a BERT-base
 * shaped forward (and MiniLM's) at 1 x 128, for the plan the engine picks on this adapter and for the
 * GPU-shaped plan (matmul gpu16x16-k32-r2x2, dense and LayerNorm unfused, flash-split attention), with the
 * workgroups, invocations, bytes bound and why each count is what it is. Results:
 * bench/results/occupancy-<adapter>-<date>.md and .json.
 *
 *   node --import tsx bench/occupancy.ts [--shape 1x128]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNodeGpu, describeAdapter, EncoderModel, occupancyTable, type ModelOptions, type OccupancyReport } from '../src/node.ts';
import { generateCheckpoint } from '../src/lab.ts';
import { E2E_MODELS, parseShape } from './e2e-models.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { shape: { type: 'string', default: '1x128' } } });
const [batch, seqLen] = parseShape(values.shape!);

const PLANS: { name: string; options: ModelOptions }[] = [
  { name: 'the engine\'s plan on this adapter (matmul unrolled4x4, fused LayerNorm, flash-d64: the defaults measured on SwiftShader)', options: { matmul: 'unrolled4x4', plan: 'fixed' } },
  { name: 'GPU-shaped plan (matmul gpu16x16-k32-r2x2, LayerNorm unfused, flash-split)', options: { matmul: 'gpu16x16-k32-r2x2', fuseLayerNorm: false, attention: 'flash-split', plan: 'fixed' } },
];

const gpu = await createNodeGpu();
const adapter = describeAdapter(gpu.adapter);
const md: string[] = [`# Occupancy of whole plans at ${batch} x ${seqLen} (planned, not run)`, '', `Adapter: ${adapter}. ${new Date().toISOString().slice(0, 10)}. Workgroups of each dispatch against ${256} (a 132-SM GPU twice over); bytes are those of the tensors bound (each once).`, ''];
const results: { model: string; plan: string; report: OccupancyReport }[] = [];
for (const m of E2E_MODELS.filter((x) => x.name !== 'tiny-h64')) {
  const files = generateCheckpoint(m.options);
  for (const p of PLANS) {
    const model = await EncoderModel.load(gpu, files, p.options);
    try {
      const report = await model.occupancy(batch, seqLen, { pooler: false, logits: false });
      results.push({ model: m.name, plan: p.name, report });
      md.push(`## ${m.title}: ${p.name}`, '', occupancyTable(report), '');
      process.stderr.write(`${m.name} / ${p.name}: ${report.dispatches.length} dispatches, ${report.below} under ${report.threshold}\n`);
    } finally {
      model.dispose();
    }
  }
}
const stamp = `${gpu.adapter.architecture || 'adapter'}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
const dir = path.join(ROOT, 'bench', 'results');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, `occupancy-${stamp}.json`), `${JSON.stringify({ adapter, batch, seqLen, results }, null, 2)}\n`);
await writeFile(path.join(dir, `occupancy-${stamp}.md`), md.join('\n'));
process.stdout.write(md.join('\n'));
gpu.destroy();
