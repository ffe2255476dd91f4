// A fuzz campaign: cases run in a worker thread under a per-case time limit and a heap limit. A case that
// does not answer in time is a hang and one that exhausts the heap an oom; either way the worker is ended
// and a fresh one takes the next case. Case seeds derive from the campaign seed and the case number, so a
// campaign replays exactly, and any one case replays from its (target, seed).
import { Worker } from 'node:worker_threads';
import { targetOf } from './targets.ts';
import type { Outcome } from './outcome.ts';

export interface CaseResult { target: string; seed: number; outcome: Outcome; detail: string; ms: number }
export interface FuzzCase { seed: number; target?: string }

export interface CampaignOptions {
  /** Per case, generous: a case is milliseconds of parsing; the limit only tells a hang from slowness. */
  timeoutMs?: number;
  /** Heap of the worker: a case that needs more is an oom (a file that makes a reader take gigabytes). */
  heapMb?: number;
  onResult?: (r: CaseResult, index: number) => void;
}

/** The seed of case `index` of a campaign seeded with `seed`. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

export const isFailure = (r: CaseResult) => r.outcome === 'crash' || r.outcome === 'hang' || r.outcome === 'oom';

export async function runCampaign(cases: FuzzCase[], o: CampaignOptions = {}): Promise<CaseResult[]> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const results: CaseResult[] = [];
  let worker: Worker | undefined;

  const start = async () => {
    const w = new Worker(new URL('./worker.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? 1536 } });
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
      w.postMessage('init');
    });
    return w;
  };

  for (const [index, c] of cases.entries()) {
    worker ??= await start();
    const w = worker;
    const started = performance.now();
    const result = await new Promise<CaseResult>((resolve) => {
      const done = (r: CaseResult) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        resolve(r);
      };
      const failed = (outcome: Outcome, detail: string) => done({ target: targetOf(c.seed, c.target).name, seed: c.seed, outcome, detail, ms: performance.now() - started });
      const onMessage = (r: CaseResult) => done(r);
      const onError = (e: Error) => failed((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : 'crash', `worker: ${e.name}: ${e.message.slice(0, 300)}`);
      const onExit = (code: number) => failed('crash', `worker exited with code ${code}`);
      const timer = setTimeout(() => failed('hang', `no answer in ${timeoutMs} ms`), timeoutMs);
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage(c);
    });
    if (isFailure(result) && result.outcome !== 'crash') {
      await worker.terminate();
      worker = undefined;
    } else if (result.detail.startsWith('worker')) worker = undefined;
    results.push(result);
    o.onResult?.(result, index);
  }
  await worker?.terminate();
  return results;
}

/** Counts by target and outcome, and the failures, as printable lines. */
export function summary(results: CaseResult[], ms: number): string[] {
  const by = new Map<string, Map<Outcome, number>>();
  for (const r of results) {
    const t = by.get(r.target) ?? by.set(r.target, new Map()).get(r.target)!;
    t.set(r.outcome, (t.get(r.outcome) ?? 0) + 1);
  }
  const lines = [`${results.length} cases in ${(ms / 1000).toFixed(1)} s, ${results.filter(isFailure).length} failures`];
  for (const [target, counts] of by) lines.push(`  ${target}: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  for (const r of results.filter(isFailure)) lines.push(`  FAIL ${r.outcome} ${r.target} seed ${r.seed}: ${r.detail}`);
  return lines;
}
