// Runs fuzz cases one at a time for the campaign (campaign.ts), which owns the clock: a case that does not
// answer in time is a hang, and the campaign ends this thread. Each answer says how the case ended.
import { parentPort } from 'node:worker_threads';
import { classify, type Outcome } from './outcome.ts';
import { baseCheckpoints, targetOf } from './targets.ts';

parentPort!.on('message', async (m: { seed: number; target?: string } | 'init') => {
  if (m === 'init') {
    await baseCheckpoints();
    parentPort!.postMessage('ready');
    return;
  }
  const target = targetOf(m.seed, m.target);
  const started = performance.now();
  let result: { outcome: Outcome; detail: string };
  try {
    await target.run(m.seed);
    result = { outcome: 'ok', detail: '' };
  } catch (e) {
    result = classify(e);
  }
  parentPort!.postMessage({ seed: m.seed, target: target.name, ...result, ms: performance.now() - started });
});
