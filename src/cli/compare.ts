// `webgpu-bert compare`: one model (or weight storage) against another on the same texts, through
// src/tasks/compare-models.ts, both on one Dawn device in this process.
import { readFile } from 'node:fs/promises';
import { EncoderModel, createNodeGpu, type Gpu } from '../node.ts';
import { compareModels, COMPARE_TEXTS } from '../tasks/compare-models.ts';
import { WEIGHT_OPTIONS } from '../runtime/weight-storage.ts';
import type { Flags } from './args.ts';
import { useSwiftShader } from './chromium.ts';
import { engineFlags } from './engine-flags.ts';
import { CliError } from './errors.ts';
import { hubOptions, modelLocation } from './model-files.ts';
import { createProgress } from './progress.ts';
import { writeStdout } from './stdout.ts';
import { parseCorpus } from './tokenize.ts';

export async function compareCommand(flags: Flags): Promise<void> {
  const engine = engineFlags(flags);
  const againstWeights = flags.choice('against-weights', WEIGHT_OPTIONS, 'f32');
  const input = flags.string('input');
  const texts = input === undefined ? COMPARE_TEXTS : parseCorpus(await readFile(input, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`--input ${input}: ${e.code === 'ENOENT' ? 'file not found' : e.message}`);
  }), input).map((item) => item.text);
  const progress = createProgress(flags.bool('progress'));
  const model = await modelLocation(flags, progress);
  const against = flags.string('against') ?? model;
  const hub = hubOptions(flags);
  let gpu: Gpu | undefined;
  try {
    gpu = await createNodeGpu({ adapter: process.env.WEBGPU_BERT_ADAPTER ? undefined : useSwiftShader() ? 'swiftshader' : 'auto' });
    const load = (src: string, weights: typeof againstWeights | undefined) => {
      progress.stage(`loading ${src} (weights ${weights ?? 'auto'})`);
      return EncoderModel.load(gpu!, src, { hub, matmul: engine.matmul, weights, onProgress: (p) => progress.bytes(p.file ?? 'upload', p.loaded, p.total) });
    };
    const a = await load(model, engine.weights);
    const b = await load(against, againstWeights);
    progress.stage(`comparing on ${texts.length} texts`);
    const r = await compareModels(a, b, texts);
    progress.done();
    await writeStdout(`${JSON.stringify({
      model, weights: engine.weights ?? 'auto', against, against_weights: againstWeights, texts: r.texts, tokens: r.tokens,
      pooled_cosine: r.pooledCosine, hidden_max_rel_error: r.hiddenMaxRelError, hidden_rel_l2: r.hiddenRelL2,
      ...(r.mlmTop1 && { mlm_top1_agreement: r.mlmTop1 }),
      weight_bytes: { model: a.stats().weightBytes, against: b.stats().weightBytes },
      weight_storage: { model: a.stats().weightStorage, against: b.stats().weightStorage },
    })}\n`);
    a.dispose();
    b.dispose();
  } finally {
    progress.done();
    gpu?.destroy();
  }
}
