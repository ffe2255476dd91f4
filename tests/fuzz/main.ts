// npm run fuzz -- [--cases N] [--seed S] [--target NAME] [--timeout MS] [--replay]
// A long campaign over damaged files and inputs (tests/fuzz/targets.ts); CI runs a short one in
// tests/unit/fuzz.test.ts. --replay runs only the regression cases of regressions.json. Prints counts by
// target and outcome and every failure with its (target, seed); exits 1 when any case crashed or hung.
import { caseSeed, isFailure, runCampaign, summary, type FuzzCase } from './campaign.ts';
import { REGRESSIONS } from './regressions.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got ${args[i + 1]}`);
  return v;
};
const target = args.includes('--target') ? args[args.indexOf('--target') + 1] : undefined;
const seed = flag('seed', Date.now() % 2 ** 31);
const cases: FuzzCase[] = args.includes('--replay')
  ? REGRESSIONS.map((r) => ({ seed: r.seed, target: r.target }))
  : Array.from({ length: flag('cases', 10_000) }, (_, i) => ({ seed: caseSeed(seed, i), target }));
console.log(`fuzz: ${cases.length} cases, campaign seed ${seed}${target ? `, target ${target}` : ''}`);
const started = performance.now();
const results = await runCampaign(cases, {
  timeoutMs: flag('timeout', 10_000),
  onResult: (r, i) => {
    if (isFailure(r)) console.log(`FAIL ${r.outcome} ${r.target} seed ${r.seed}: ${r.detail}`);
    if ((i + 1) % 500 === 0) console.log(`${i + 1} / ${cases.length} cases, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  },
});
for (const line of summary(results, performance.now() - started)) console.log(line);
process.exitCode = results.some(isFailure) ? 1 : 0;
