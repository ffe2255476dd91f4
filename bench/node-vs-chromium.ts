/**
 * Node (Dawn from the npm package `webgpu`) against Chromium (its own Dawn) on the same adapter, in one run:
 * the same model forward and the same kernel probes (bench/paired-forward.ts) on both sides, alternated round
 * by round (the order rotating) so that the load of a shared machine falls on every side alike. Node runs with
 * Dawn's polling paced (`node`, the engine's default, src/gpu/dawn-polling.ts) and/or as Dawn ships it
 * (`node-spin`). Each side's output is checked against the first side's before anything is timed. Results go
 * to bench/results/node-vs-chromium-<adapter>-<date>.json and .md; docs/node-vs-chromium.md reads them.
 *
 *   npm run bench:node-vs-chromium -- [--engines node-spin,node,chromium] [--runs 7]
 *     [--model minilm-l6-h384] [--shape 1x128] [--matmul unrolled4x4] [--no-kernels] [--out DIR]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNodeGpu, describeAdapter } from '../src/node.ts';
import { setDawnPolling, type DawnPolling } from '../src/gpu/dawn-polling.ts';
import { median } from '../src/kernels/timer.ts';
import { compare, TOLERANCES } from '../src/reference/compare.ts';
import { openViteChromium } from '../src/cli/vite-chromium.ts';
import { e2eModel } from './e2e-models.ts';
import { prepareModelFolder } from './model-folder.ts';
import { KERNEL_PROBES, PROBE_COUNT, openSide, type KernelProbe, type PairedSide, type Sample } from './paired-forward.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ENGINES = ['node-spin', 'node', 'chromium'] as const;
type Engine = (typeof ENGINES)[number];
const POLLING: Record<Engine, DawnPolling | undefined> = { 'node-spin': 'spin', node: 'paced', chromium: undefined };
const ENGINE_TITLE: Record<Engine, string> = {
  'node-spin': 'Node, Dawn polling as shipped (setImmediate spin)',
  node: 'Node, Dawn polling paced (the engine\'s default)',
  chromium: 'Chromium',
};
type Measure = 'forward' | 'forward-profiled' | KernelProbe;
const MEASURE_TITLE: Record<Measure, string> = {
  forward: 'forward, wall clock (ids in, last_hidden_state out)',
  'forward-profiled': 'forward with GPU timestamps around its pass (profile: \'total\')',
  matmul: `matmul 128x1536x384 x${PROBE_COUNT.matmul} dispatches, one pass, one submit`,
  'matmul-submits': `matmul 128x1536x384, ${PROBE_COUNT['matmul-submits']} submits of one dispatch`,
  tiny: `matmul 4x4x4 (one workgroup) x${PROBE_COUNT.tiny} dispatches, one pass, one submit`,
};

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: ENGINES.join(',') }, runs: { type: 'string', default: '7' },
    model: { type: 'string', default: 'minilm-l6-h384' }, shape: { type: 'string', default: '1x128' },
    matmul: { type: 'string', default: 'unrolled4x4' }, 'no-kernels': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results') },
  },
});
const engines = values.engines!.split(',') as Engine[];
for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`--engines: unknown engine "${e}" (known: ${ENGINES.join(', ')})`);
const runs = Number(values.runs);
if (!(Number.isInteger(runs) && runs >= 3)) throw new Error(`--runs must be an integer >= 3, got ${values.runs}`);
const [batch, seqLen] = values.shape!.split('x').map(Number);
const sideOptions = { matmul: values.matmul!, batch, seqLen };
const log = (line: string) => process.stderr.write(`${line}\n`);

const statOf = (pid: number | 'self') => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
const parentOf = (pid: number) => Number(statOf(pid)[1]);
const cmdlineOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
/** CPU milliseconds (user + system, all threads) a process has used: SwiftShader runs shaders on the calling process's CPU time. */
const cpuMsOf = (pid: number | 'self') => {
  const f = statOf(pid);
  return (Number(f[11]) + Number(f[12])) * (1000 / 100);
};

/** Whether `ancestor` is among the parents of `pid` (Chromium forks its GPU process from a zygote). */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid; p > 1; p = parentOf(p)) if (p === ancestor) return true;
  return false;
}

/** Chromium's GPU process (where its SwiftShader runs), among the processes of the browser this process launched. */
function chromiumGpuPid(): number {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const found = pids.find((pid) => {
    try {
      return cmdlineOf(pid).includes('--type=gpu-process') && descendsFrom(pid, process.pid);
    } catch {
      return false;
    }
  });
  if (found === undefined) throw new Error('could not find the GPU process of the Chromium this benchmark launched');
  return found;
}

/** The page side: the same module through the Vite dev server, one device of the page's own. */
async function openChromiumSide() {
  const session = await openViteChromium({ root: ROOT, configFile: path.join(ROOT, 'vite.config.ts'), log, debug: false, purpose: 'bench/node-vs-chromium.ts' });
  const { page } = session;
  page.on('pageerror', (e) => log(`[page error] ${e.message.split('\n')[0]}`));
  await page.goto(`${session.origin}/bench/page.html`);
  const adapter = await page.evaluate(async ([u, o]) => {
    const { createBrowserGpu, describeAdapter: describe } = await import('/src/browser.ts' as string);
    const { openSide: open } = await import('/bench/paired-forward.ts' as string);
    const gpu = await createBrowserGpu({ timestamps: true });
    (window as unknown as { side: PairedSide }).side = await open(gpu, u, o);
    return describe(gpu.adapter) as string;
  }, [`${session.origin}/bench/models/${values.model}/`, sideOptions] as const);
  type W = { side: PairedSide };
  const side: PairedSide = {
    forward: (profile) => page.evaluate((p) => (window as unknown as W).side.forward(p), profile),
    output: async () => Float32Array.from(await page.evaluate(async () => Array.from(await (window as unknown as W).side.output()))),
    kernel: (probe) => page.evaluate((p) => (window as unknown as W).side.kernel(p), probe),
    plan: () => { throw new Error('plan() is read on the Node side'); },
    dispose: () => undefined,
  };
  return { side, adapter, chromium: session.browser.version(), gpuPid: chromiumGpuPid(), close: () => session.close() };
}

async function main(): Promise<void> {
  const dir = await prepareModelFolder(values.model!, e2eModel(values.model!).options, { log });
  const loadBefore = os.loadavg();
  const gpu = await createNodeGpu({ timestamps: true, log });
  const nodeSide = await openSide(gpu, `${dir}/`, sideOptions);
  const plan = nodeSide.plan();
  const chromium = engines.includes('chromium') ? await openChromiumSide() : undefined;
  const sides: Record<Engine, PairedSide | undefined> = { 'node-spin': nodeSide, node: nodeSide, chromium: chromium?.side };
  const use = (e: Engine) => {
    const polling = POLLING[e];
    if (polling) setDawnPolling(polling);
    return sides[e]!;
  };
  try {
    // Validate, then time: every side's last_hidden_state against the first side's.
    const want = await use(engines[0]).output();
    const checks: Partial<Record<Engine, string>> = {};
    for (const e of engines) {
      const r = compare(await use(e).output(), want, TOLERANCES.fp32, `last_hidden_state vs ${engines[0]}`);
      if (!r.pass) throw new Error(`${e}: ${r.message}`);
      checks[e] = r.message;
    }
    const measures: Measure[] = ['forward', 'forward-profiled', ...(values['no-kernels'] ? [] : KERNEL_PROBES)];
    const samples = new Map<string, Sample[]>();
    for (const m of measures) {
      for (let r = 0; r < runs; r++) {
        // Rotate the order each round: no side always runs right after another.
        for (let i = 0; i < engines.length; i++) {
          const e = engines[(i + r) % engines.length];
          const side = use(e);
          const pid = e === 'chromium' ? chromium!.gpuPid : 'self';
          const cpu0 = cpuMsOf(pid);
          const s = m === 'forward' || m === 'forward-profiled' ? await side.forward(m === 'forward-profiled') : await side.kernel(m);
          s.cpuMs = cpuMsOf(pid) - cpu0;
          const key = `${m}|${e}`;
          samples.set(key, [...(samples.get(key) ?? []), s]);
        }
      }
      log(`${m}: ${engines.map((e) => `${e} ${median(samples.get(`${m}|${e}`)!.map((s) => s.wallMs)).toFixed(1)} ms`).join(', ')}`);
    }
    const rows = measures.flatMap((m) => engines.map((e) => {
      const list = samples.get(`${m}|${e}`)!;
      const wall = list.map((s) => s.wallMs);
      const gpuMs = list.every((s) => s.gpuMs !== undefined) ? list.map((s) => s.gpuMs!) : undefined;
      const cpuMs = list.map((s) => s.cpuMs!);
      return { measure: m, engine: e, wallMs: wall, gpuMs, cpuMs, wallMedian: median(wall), gpuMedian: gpuMs && median(gpuMs), cpuMedian: median(cpuMs) };
    }));
    const result = {
      suite: 'node-vs-chromium', date: new Date().toISOString(), adapter: gpu.adapter, describe: describeAdapter(gpu.adapter),
      chromiumAdapter: chromium?.adapter, versions: { node: process.version, chromium: chromium?.chromium, webgpu: JSON.parse(await readFile(path.join(ROOT, 'node_modules/webgpu/package.json'), 'utf8')).version as string },
      machine: { cpus: os.cpus().length, loadavgBefore: loadBefore, loadavgAfter: os.loadavg() },
      model: values.model, batch, seqLen, matmul: values.matmul, runs, engines, plan, checks, rows,
    };
    const name = `node-vs-chromium-${(gpu.adapter.architecture || 'adapter').replace(/[^\w-]+/g, '-').toLowerCase()}-${result.date.slice(0, 19).replace(/:/g, '-')}`;
    await mkdir(values.out!, { recursive: true });
    await writeFile(path.join(values.out!, `${name}.json`), `${JSON.stringify(result, null, 1)}\n`);
    const md = render(result);
    await writeFile(path.join(values.out!, `${name}.md`), md);
    process.stdout.write(md);
    log(`wrote ${path.join(values.out!, name)}.json and .md`);
  } finally {
    nodeSide.dispose();
    gpu.destroy();
    await chromium?.close();
  }
}

type Result = { date: string; describe: string; chromiumAdapter?: string; versions: Record<string, string | undefined>; machine: { cpus: number; loadavgBefore: number[]; loadavgAfter: number[] }; model?: string; batch: number; seqLen: number; matmul?: string; runs: number; engines: Engine[]; plan: { dispatches: number; layer0: string[] }; checks: Partial<Record<Engine, string>>; rows: { measure: Measure; engine: Engine; wallMs: number[]; gpuMs?: number[]; cpuMs: number[]; wallMedian: number; gpuMedian?: number; cpuMedian: number }[] };

function render(r: Result): string {
  const ms = (x: number | undefined) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
  const range = (xs: number[] | undefined) => (xs ? `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}` : '');
  const chromiumRow = (m: Measure) => r.rows.find((x) => x.measure === m && x.engine === 'chromium');
  const lines = r.rows.map((x) => {
    const c = chromiumRow(x.measure);
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}x` : '-');
    return `| ${MEASURE_TITLE[x.measure]} | ${ENGINE_TITLE[x.engine]} | ${ms(x.wallMedian)} (${range(x.wallMs)}) | ${ratio(x.wallMedian, c?.wallMedian)} | ${ms(x.gpuMedian)}${x.gpuMs ? ` (${range(x.gpuMs)})` : ''} | ${ratio(x.gpuMedian, c?.gpuMedian)} | ${ms(x.cpuMedian)} | ${ratio(x.cpuMedian, c?.cpuMedian)} |`;
  });
  return [
    `# Node vs Chromium on the same adapter, ${r.date}`, '',
    `- adapter (Node): ${r.describe}`, `- adapter (Chromium): ${r.chromiumAdapter ?? '- (not run)'}`,
    `- versions: ${Object.entries(r.versions).filter((e) => e[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- machine: ${r.machine.cpus} CPUs, load average ${r.machine.loadavgBefore.map((x) => x.toFixed(1)).join('/')} before, ${r.machine.loadavgAfter.map((x) => x.toFixed(1)).join('/')} after (shared: read the ratios of one round, not the absolute figures)`,
    `- model: ${r.model} ${r.batch} x ${r.seqLen}, matmul ${r.matmul}; ${r.plan.dispatches} dispatches per forward; layer 0: ${r.plan.layer0.join(', ')}`,
    `- method: ${r.runs} rounds per measure; each round runs every engine once, in an order that rotates each round; medians (min–max). GPU = timestamp queries around the forward's one compute pass, and around each probe's pass; wall − GPU is host work plus the wait for the result. CPU = user + system time of the process that runs SwiftShader (Node's, Chromium's GPU process) during the call, all its threads: less disturbed by other load than the clocks`,
    `- checked before timing: ${Object.entries(r.checks).map(([e, m]) => `${e}: ${m}`).join('; ')}`,
    '', '| measure | engine | wall ms median (min–max) | wall / Chromium | GPU ms median (min–max) | GPU / Chromium | CPU ms | CPU / Chromium |', '|---|---|---|---|---|---|---|---|', ...lines, '',
  ].join('\n');
}

await main();
process.exit(0);
