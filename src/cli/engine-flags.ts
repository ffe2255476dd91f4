// What `run` and `embed` share: the engine flags checked before anything is loaded,
// and the runtime that executes a job.
import { ATTENTION_VARIANTS } from '../kernels/attention.ts';
import { MATMUL_CONFIGS } from '../kernels/matmul.ts';
import { WEIGHT_OPTIONS, type WeightsOption } from '../runtime/weight-storage.ts';
import type { Flags } from './args.ts';
import { UsageError } from './errors.ts';
import type { Job, JobResult } from './job.ts';
import type { ProgressSink } from './progress.ts';

export const RUNTIMES = ['node', 'browser'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const PLANS = ['autotune', 'fixed'] as const;

export interface EngineFlags {
  attention?: string;
  /** 'autotune', a configuration's name, or several names (autotune among those). */
  matmul?: string | string[];
  plan?: (typeof PLANS)[number];
  weights?: WeightsOption;
  runtime: Runtime;
}

export function engineFlags(flags: Flags): EngineFlags {
  const attention = flags.string('attention');
  if (attention !== undefined && !ATTENTION_VARIANTS.some((v) => v.name === attention)) {
    throw new UsageError(`--attention: unknown variant ${JSON.stringify(attention)} (known: ${ATTENTION_VARIANTS.map((v) => v.name).join(', ')})`);
  }
  const weights = flags.has('weights') ? flags.choice('weights', WEIGHT_OPTIONS, 'auto') : undefined;
  const plan = flags.has('plan') ? flags.choice('plan', PLANS, 'autotune') : undefined;
  return { attention, matmul: matmulFlag(flags.string('matmul')), plan, weights, runtime: flags.choice('runtime', RUNTIMES, 'node') };
}

/** --matmul: 'autotune', one name, or names separated by commas (autotune among those). */
function matmulFlag(value: string | undefined): string | string[] | undefined {
  if (value === undefined || value === 'autotune') return value;
  const names = value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!MATMUL_CONFIGS.some((c) => c.name === name)) {
      throw new UsageError(`--matmul: unknown configuration ${JSON.stringify(name)} (known: autotune, ${MATMUL_CONFIGS.map((c) => c.name).join(', ')})`);
    }
  }
  return names.length === 1 ? names[0] : names;
}

export async function execute(runtime: Runtime, job: Job, progress: ProgressSink): Promise<JobResult> {
  try {
    if (runtime === 'browser') return await (await import('./browser-runtime.ts')).runInBrowser(job, progress);
    return await (await import('./node-runtime.ts')).runOnNode(job, progress);
  } finally {
    progress.done();
  }
}
