// What `run` and `embed` share: the engine flags checked before anything is loaded,
// and the runtime that executes a job.
import { ATTENTION_VARIANTS } from '../kernels/attention.ts';
import { MATMUL_CONFIGS } from '../kernels/matmul.ts';
import { WEIGHT_OPTIONS, type WeightsOption } from '../graph/weight-storage.ts';
import type { Flags } from './args.ts';
import { UsageError } from './errors.ts';
import type { Job, JobResult } from './job.ts';
import type { ProgressSink } from './progress.ts';

export const RUNTIMES = ['node', 'browser'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface EngineFlags {
  attention?: string;
  matmul?: string;
  weights?: WeightsOption;
  runtime: Runtime;
}

export function engineFlags(flags: Flags): EngineFlags {
  const attention = flags.string('attention');
  if (attention !== undefined && !ATTENTION_VARIANTS.some((v) => v.name === attention)) {
    throw new UsageError(`--attention: unknown variant ${JSON.stringify(attention)} (known: ${ATTENTION_VARIANTS.map((v) => v.name).join(', ')})`);
  }
  const matmul = flags.string('matmul');
  if (matmul !== undefined && matmul !== 'autotune' && !MATMUL_CONFIGS.some((c) => c.name === matmul)) {
    throw new UsageError(`--matmul: unknown configuration ${JSON.stringify(matmul)} (known: autotune, ${MATMUL_CONFIGS.map((c) => c.name).join(', ')})`);
  }
  const weights = flags.has('weights') ? flags.choice('weights', WEIGHT_OPTIONS, 'auto') : undefined;
  return { attention, matmul, weights, runtime: flags.choice('runtime', RUNTIMES, 'node') };
}

export async function execute(runtime: Runtime, job: Job, progress: ProgressSink): Promise<JobResult> {
  try {
    if (runtime === 'browser') return await (await import('./browser-runtime.ts')).runInBrowser(job, progress);
    return await (await import('./node-runtime.ts')).runOnNode(job, progress);
  } finally {
    progress.done();
  }
}
