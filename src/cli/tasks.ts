// The task commands (fill-mask, classify, ner, qa, similarity, rerank, zero-shot): load the model on a Dawn device in this
// process and call the library's task functions (src/tasks/), which run on the GPU and read back only what
// each task needs. Output is the task's result as JSON, plus the adapter.
import { EncoderModel, createNodeGpu, type Gpu } from '../node.ts';
import { classify, fillMask, questionAnswering, rerank, similarity, tokenClassification, zeroShotClassification } from '../tasks/index.ts';
import type { Flags } from './args.ts';
import { useSwiftShader } from './chromium.ts';
import { engineFlags } from './engine-flags.ts';
import { describePhases } from './job.ts';
import { UsageError } from './errors.ts';
import { hubOptions, modelLocation } from './model-files.ts';
import { createProgress, type ProgressSink } from './progress.ts';
import { writeStdout } from './stdout.ts';

export async function withModel<T>(flags: Flags, body: (model: EncoderModel, progress: ProgressSink) => Promise<T>): Promise<void> {
  const engine = engineFlags(flags);
  if (engine.runtime !== 'node') throw new UsageError('--runtime: the task commands run in Node only (use `run --runtime browser` for a raw forward)');
  const progress: ProgressSink = createProgress(flags.bool('progress'));
  const source = await modelLocation(flags, progress);
  const hub = hubOptions(flags);
  let gpu: Gpu | undefined;
  try {
    progress.stage('creating a WebGPU device (Dawn)');
    const adapter = process.env.WEBGPU_BERT_ADAPTER ? undefined : useSwiftShader() ? 'swiftshader' : 'auto';
    gpu = await createNodeGpu({ adapter, log: (line) => progress.stage(line) });
    progress.stage('loading the model');
    const model = await EncoderModel.load(gpu, source, {
      hub,
      attention: engine.attention, matmul: engine.matmul, plan: engine.plan, weights: engine.weights,
      onProgress: (p) => progress.bytes(p.stage === 'upload' ? 'upload to GPU' : p.file ?? 'download', p.loaded, p.total),
    });
    progress.stage('running');
    const result = await body(model, progress);
    progress.stage(describePhases(model.stats().phases));
    progress.done();
    const a = gpu.adapter;
    await writeStdout(`${JSON.stringify({ result, adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description, isFallback: a.isFallback, runtime: a.runtime } })}\n`);
    model.dispose();
  } finally {
    progress.done();
    gpu?.destroy();
  }
}

function topK(flags: Flags, fallback: number): number {
  return flags.int('top-k') ?? fallback;
}

export async function fillMaskCommand(flags: Flags, [text]: string[]): Promise<void> {
  const k = topK(flags, 5);
  await withModel(flags, (model) => fillMask(model, text, { topK: k }));
}

export async function classifyCommand(flags: Flags, [text]: string[]): Promise<void> {
  const pair = flags.string('pair');
  const k = flags.bool('all') ? null : topK(flags, 1);
  await withModel(flags, (model) => classify(model, pair === undefined ? text : [text, pair], { topK: k }));
}

export async function nerCommand(flags: Flags, [text]: string[]): Promise<void> {
  const aggregation = flags.choice('aggregation', ['simple', 'none'] as const, 'simple');
  await withModel(flags, (model) => tokenClassification(model, text, { aggregation }));
}

export async function qaCommand(flags: Flags, [question, context]: string[]): Promise<void> {
  const opts = {
    topK: topK(flags, 1),
    maxAnswerLength: flags.int('max-answer-length'),
    docStride: flags.int('doc-stride'),
    maxSeqLength: flags.int('max-seq-length', 8),
  };
  await withModel(flags, (model) => questionAnswering(model, question, context, opts));
}

export async function similarityCommand(flags: Flags, texts: string[]): Promise<void> {
  const pooling = flags.has('pooling') ? flags.choice('pooling', ['mean', 'cls'] as const, 'mean') : undefined;
  await withModel(flags, (model) => similarity(model, texts, { pooling }));
}

export async function rerankCommand(flags: Flags, [query, ...documents]: string[]): Promise<void> {
  const opts = { topK: flags.int('top-k'), batchSize: flags.int('batch-size') };
  await withModel(flags, (model) => rerank(model, query, documents, opts));
}

export async function zeroShotCommand(flags: Flags, texts: string[]): Promise<void> {
  const labels = flags.string('labels');
  if (labels === undefined) throw new UsageError('zero-shot: --labels is required (comma-separated candidate labels)');
  const candidates = labels.split(',').map((l) => l.trim()).filter((l) => l.length > 0);
  if (candidates.length === 0) throw new UsageError('--labels: no label given');
  const opts = { hypothesisTemplate: flags.string('template'), multiLabel: flags.bool('multi-label') };
  await withModel(flags, (model) => zeroShotClassification(model, texts, candidates, opts));
}
