/**
 * Host overhead per forward, two versions of the engine side by side in one run: "before" (another checkout,
 * e.g. a `git worktree` of an older commit with node_modules linked in) and "after" (this checkout by
 * default). A tiny generated BertModel (hidden 32, 1 layer, 2 heads, intermediate 64) at 1×8 and 8×64 tokens,
 * so the GPU time is small and what is left of a forward is host work: in Node (both entries imported into one
 * process, each with its own Dawn device) and in headless Chromium (each entry built by Vite into its own
 * bundle, both in one page, each with its own device). Per version and shape:
 *   wall      = ms from forward() to its result (plain forwards: `{ pooler: false }`, last_hidden_state read);
 *   GPU       = profile.totalMs of `{ pooler: false, profile: true }` forwards (GPU timestamps around every
 *               step, summed; the same method in both versions);
 *   overhead  = median wall − median GPU;
 *   round trips = calls of Gpu.prototype.guard (every awaited GPU promise of either version) per plain forward.
 * The two versions must agree on last_hidden_state first (max abs diff < --tolerance), else nothing is timed.
 * Then each warms up, and the versions alternate in rounds (which goes first alternates too), so a change in
 * the machine's load falls on both. Results: bench/results/host-overhead-<adapter>-<date>.json and .md.
 *
 *   node --import tsx bench/host-overhead.ts --before DIR [--after DIR] [--runtimes node,chromium]
 *        [--shapes 1x8,8x64] [--warmup 5] [--rounds 10] [--per-round 10]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { measureInChromium } from './host-overhead-browser.ts';
import { measureHostOverhead, type EngineModule, type MeasureOptions, type PlatformResult } from './host-overhead-measure.ts';

const HERE = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: HERE },
    runtimes: { type: 'string', default: 'node,chromium' },
    shapes: { type: 'string', default: '1x8,8x64' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '10' },
    'per-round': { type: 'string', default: '10' },
    tolerance: { type: 'string', default: '1e-5' },
  },
});
if (!values.before) throw new Error('give --before DIR: the checkout to compare with (e.g. git worktree add /tmp/base <commit>, then link node_modules into it)');
const roots: Record<string, string> = { before: path.resolve(values.before), after: path.resolve(values.after!) };
for (const root of Object.values(roots)) {
  if (!existsSync(path.join(root, 'src/node.ts'))) throw new Error(`${root} is not a checkout of the engine (no src/node.ts)`);
}
const runtimes = values.runtimes!.split(',');
const MODEL = { architecture: 'BertModel', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, maxPositions: 128, seed: 22 } as const;
const options: MeasureOptions = {
  shapes: values.shapes!.split(',').map((s) => s.split('x').map(Number) as [number, number]),
  warmup: Number(values.warmup),
  rounds: Number(values.rounds),
  perRound: Number(values['per-round']),
  tolerance: Number(values.tolerance),
  // Fixed kernels and plan: the same dispatches in both versions, no autotuning inside the timed forwards.
  modelOptions: { matmul: 'unrolled4x4', plan: 'fixed' },
};
const log = (line: string) => process.stderr.write(`${line}\n`);

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const entryOf = (root: string, file: string) => import(pathToFileURL(path.join(root, 'src', file)).href);

// The same checkpoint for both: each version's generator must write the same bytes (then either copy is used).
const generated = await Promise.all(Object.values(roots).map(async (root) => (await entryOf(root, 'lab.ts')).generateCheckpoint(MODEL) as Map<string, Uint8Array>));
const files = generated[0];
const sameBytes = generated.every((g) => g.size === files.size && [...files].every(([n, b]) => Buffer.compare(Buffer.from(b), Buffer.from(g.get(n) ?? [])) === 0));
if (!sameBytes) log('note: the two generators wrote different bytes; both versions load the "before" generator\'s checkpoint');

const platforms: (PlatformResult & { chromiumVersion?: string })[] = [];
if (runtimes.includes('node')) {
  const engines = await Promise.all(Object.entries(roots).map(async ([label, root]) => {
    const module = (await entryOf(root, 'node.ts')) as EngineModule & { createNodeGpu(): Promise<unknown> };
    return { label, module, createGpu: () => module.createNodeGpu() };
  }));
  log('node: measuring');
  platforms.push(await measureHostOverhead('node', engines, files, options, (line) => log(`node: ${line}`)));
}
if (runtimes.includes('chromium')) {
  const { result, chromiumVersion } = await measureInChromium(roots, files, options, log);
  platforms.push({ ...result, chromiumVersion });
}

const date = new Date().toISOString();
const adapterNames = [...new Set(platforms.flatMap((p) => Object.values(p.adapters).map((a) => a.summary.architecture || a.summary.vendor || 'adapter')))];
const result = {
  suite: 'host-overhead',
  date,
  model: MODEL,
  checkpointBytes: [...files.values()].reduce((n, b) => n + b.length, 0),
  sameGeneratorBytes: sameBytes,
  options,
  versions: Object.fromEntries(Object.entries(roots).map(([label, root]) => [label, {
    root, commit: git(root, ['rev-parse', 'HEAD']),
    uncommittedFiles: git(root, ['status', '--porcelain', '--', 'src', 'shaders']).split('\n').filter(Boolean).length,
  }])),
  node: process.version,
  formula: 'host overhead = median wall ms of plain forwards - median GPU ms of profiled forwards (profile.totalMs, GPU timestamps per step, summed)',
  platforms,
};

const ms = (x: number) => x.toFixed(3);
const range = (s: { median: number; min: number; max: number }) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;
const commitOf = (label: string) => `${result.versions[label].commit.slice(0, 7) || '?'}${result.versions[label].uncommittedFiles ? ` + ${result.versions[label].uncommittedFiles} uncommitted files under src/, shaders/` : ''}`;
const md = [
  '# Host overhead per forward',
  '',
  `${date.slice(0, 10)}. Before: ${commitOf('before')}; after: ${commitOf('after')}. Node ${result.node}${platforms.find((p) => p.chromiumVersion) ? `, Chromium ${platforms.find((p) => p.chromiumVersion)!.chromiumVersion}` : ''}.`,
  `Model: generated ${MODEL.architecture}, hidden ${MODEL.hiddenSize}, ${MODEL.numLayers} layer, ${MODEL.numHeads} heads, intermediate ${MODEL.intermediateSize}, F32; matmul unrolled4x4, fixed plan.`,
  ...platforms.flatMap((p) => Object.entries(p.adapters).map(([label, a]) => `Adapter (${p.runtime}, ${label}): ${a.describe}.`)),
  '',
  `Per version and shape: ${options.warmup} warm-up forwards of each kind, then ${options.rounds} rounds of ${options.perRound} pairs of a plain forward (\`{ pooler: false }\`: wall) and a profiled one (\`{ pooler: false, profile: true }\`: GPU), the versions taking turns (which goes first alternates by round). Medians with min–max in parentheses, in ms; n = ${options.rounds * options.perRound} of each.`,
  `**${result.formula}.** Paired overhead: per profiled forward, its own wall time minus its own GPU time, median (min–max): the GPU time's variation cancels, and it includes what profiling adds on the host. Round trips: calls of \`Gpu.prototype.guard\` (every awaited GPU promise, in both versions) per plain forward, median (min–max).`,
  `Validated first: last_hidden_state of both versions, max |before − after|: ${platforms.map((p) => `${p.runtime}: ${Object.entries(p.agreement).map(([s, d]) => `${s} ${d.toExponential(1)}`).join(', ')}`).join('; ')}.`,
  ...platforms.filter((p) => p.crossOriginIsolated !== undefined).map((p) => `The page was ${p.crossOriginIsolated ? '' : 'not '}cross-origin isolated (performance.now() to ${p.crossOriginIsolated ? '5' : '100'} µs).`),
  '',
  '| runtime | shape | version | wall | GPU | host overhead | overhead before/after | paired overhead | round trips |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ...platforms.flatMap((p) => p.rows.map((r) => {
    const before = p.rows.find((x) => x.engine === 'before' && x.batch === r.batch && x.seqLen === r.seqLen);
    // A ratio of overheads means something only when both are positive (a difference of noisy medians need not be).
    const ratio = r.engine !== 'after' || !before ? '' : before.overheadMs > 0 && r.overheadMs > 0 ? `${(before.overheadMs / r.overheadMs).toFixed(2)}×` : 'n/a';
    return `| ${p.runtime} | ${r.batch}×${r.seqLen} | ${r.engine} | ${range(r.wallMs)} | ${range(r.gpuMs)} | ${ms(r.overheadMs)} | ${ratio} | ${range(r.pairedOverheadMs)} | ${r.roundTrips.median} (${r.roundTrips.min}–${r.roundTrips.max}) |`;
  })),
  '',
  ...(platforms.some((p) => Object.values(p.adapters).some((a) => a.summary.isFallback))
    ? ['A software adapter (SwiftShader) runs the GPU work on the CPU, whose cores other work on the machine shares: read the before/after ratios of one run, not the absolute figures.', '']
    : []),
];
const dir = path.join(HERE, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const base = path.join(dir, `host-overhead-${adapterNames.join('+').replace(/[^\w.+-]+/g, '_')}-${date.replace(/:/g, '-').replace(/\..*$/, '')}`);
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${base}.md`, md.join('\n'));
process.stdout.write(`${md.join('\n')}\nwritten: ${path.relative(HERE, base)}.json, .md\n`);
