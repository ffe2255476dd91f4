// The package as users get it: `npm run build` + `npm pack`, then the tarball installed into fresh projects —
// a Node app (ESM import of 'webgpu-bert' and 'webgpu-bert/lab' in plain Node, a TypeScript consumer with
// `tsc --init`'s default settings, the `webgpu-bert` bin), a browser-only app (no Dawn installed) and a Vite
// app whose production build runs fill-mask in headless Chromium. Installs come from the npm cache that
// `npm ci` filled (--prefer-offline), so this runs where only the npm registry is reachable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs, findChromium } from '../../src/cli/chromium.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
const version = (name: string) => JSON.parse(spawnSync(process.execPath, ['-p', `JSON.stringify(require('${name}/package.json').version)`], { cwd: ROOT, encoding: 'utf8' }).stdout);

let scratch = '';
let tarball = '';

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** A fresh project with these packages installed from the tarball and the npm cache. */
async function project(name: string, packages: string[]): Promise<string> {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball, ...packages], dir);
  return dir;
}

async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await duBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-package-'));
  run('npm', ['run', 'build', '--silent'], ROOT);
  const out = run('npm', ['pack', '--pack-destination', scratch, '--loglevel=error'], ROOT).stdout.trim().split('\n').pop()!;
  tarball = path.join(scratch, out);
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

test('the tarball holds the build, the bin and the docs; no sources, tests, bench or Vite config', async () => {
  const listing = run('tar', ['-tzf', tarball], scratch).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  for (const f of ['package.json', 'README.md', 'bin/webgpu-bert.js', 'dist/node.js', 'dist/node.d.ts', 'dist/browser.js', 'dist/lab.js', 'dist/cli/main.js', 'dist/node.js.map']) {
    assert.ok(listing.includes(f), `${f} is in the tarball`);
  }
  const stray = listing.filter((f) => /^(src|tests|bench|demo|scripts|shaders)\//.test(f) || /vite\.config|tsconfig|playwright/.test(f) || f.startsWith('dist/demo/'));
  assert.deepEqual(stray, []);
  assert.ok(!listing.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources');
  // The WGSL is inlined: the entries find their shaders without reading files.
  const shaders = await readFile(path.join(ROOT, 'dist/shaders-node.js'), 'utf8');
  assert.match(shaders, /"matmul-tiled\.wgsl"/);
  assert.doesNotMatch(shaders, /readFileSync|import\.meta\.glob/);
  assert.equal(pkg.peerDependenciesMeta.webgpu.optional, true, 'Dawn is an optional peer');
  assert.equal(pkg.dependencies.webgpu, undefined);
  assert.equal(pkg.dependencies.tsx, undefined, 'no tsx at run time');
});

test('Node: import in plain node, lab subpath, the bin, and a TypeScript consumer with default settings', async (t) => {
  const dir = await project('node-app', [`webgpu@${version('webgpu')}`, `typescript@${version('typescript')}`]);
  await writeFile(path.join(dir, 'main.mjs'), `
import { loadModel, fillMask, supportedModelTypes } from 'webgpu-bert';
import { generateCheckpoint } from 'webgpu-bert/lab';
const model = await loadModel(generateCheckpoint({ architecture: 'RobertaForMaskedLM', hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }));
const [candidates] = await fillMask(model, 'the <mask> sat', { topK: 2 });
console.log(JSON.stringify({ types: supportedModelTypes(), architecture: model.config.architectures[0], n: candidates.length }));
model.dispose();
`);
  const out = JSON.parse(run('node', ['main.mjs'], dir).stdout.trim().split('\n').pop()!);
  assert.deepEqual(out, { types: ['bert', 'distilbert', 'roberta', 'xlm-roberta', 'camembert', 'electra', 'mpnet', 'modernbert', 'nomic_bert', 'albert', 'new'], architecture: 'RobertaForMaskedLM', n: 2 });

  const tokens = JSON.parse(run('npx', ['--no-install', 'webgpu-bert', 'tokenize', 'hello world'], dir).stdout);
  assert.deepEqual(tokens.tokens, ['[CLS]', 'hello', 'world', '[SEP]']);
  const forward = JSON.parse(run('npx', ['--no-install', 'webgpu-bert', 'run', '--text', 'hello', '--matmul', 'naive'], dir).stdout);
  assert.equal(forward.last_hidden_state[0].length, 3);
  assert.equal(run('npx', ['--no-install', 'webgpu-bert', '--version'], dir).stdout.trim(), pkg.version);
  const browser = spawnSync('npx', ['--no-install', 'webgpu-bert', 'run', '--text', 'hi', '--runtime', 'browser'], { cwd: dir, encoding: 'utf8' });
  assert.equal(browser.status, 1);
  assert.match(browser.stderr, /^error: --runtime browser runs from a checkout/);

  run('npx', ['--no-install', 'tsc', '--init'], dir);
  await writeFile(path.join(dir, 'consumer.ts'), `
import { loadModel, fillMask, classify, createNodeGpu, GpuUnavailableError, type EncoderModel, type FillMaskCandidate, type LabelScore } from 'webgpu-bert';
import { generateCheckpoint, compare, TOLERANCES } from 'webgpu-bert/lab';
const model: EncoderModel = await loadModel(generateCheckpoint({ architecture: 'BertForMaskedLM', hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }));
const out: FillMaskCandidate[][] = await fillMask(model, 'a [MASK]', { topK: 2 });
const score: number | undefined = out[0]?.[0]?.score;
const labels: Promise<LabelScore[]> | undefined = undefined;
void classify; void createNodeGpu; void GpuUnavailableError; void compare; void TOLERANCES; void score; void labels;
// @ts-expect-error: fillMask takes a string
await fillMask(model, 42);
`);
  const tsc = spawnSync('npx', ['--no-install', 'tsc', '--noEmit', '-p', '.'], { cwd: dir, encoding: 'utf8' });
  assert.equal(tsc.status, 0, `tsc on a consumer with tsc --init's settings:\n${tsc.stdout}${tsc.stderr}`);
  t.diagnostic(`node app install: webgpu-bert ${mib(await duBytes(path.join(dir, 'node_modules/webgpu-bert')))}, with Dawn and the other dependencies (typescript excluded) ${mib(await duBytes(path.join(dir, 'node_modules')) - await duBytes(path.join(dir, 'node_modules/typescript')) - await duBytes(path.join(dir, 'node_modules/@typescript')))}`);
});

test('browser: a Vite app builds against the package without Dawn and runs fill-mask in Chromium', async (t) => {
  const bare = await project('browser-only', []);
  const installed = await readdir(path.join(bare, 'node_modules'));
  assert.ok(!installed.includes('webgpu'), `a browser app does not install Dawn (node_modules: ${installed.join(', ')})`);
  t.diagnostic(`browser app install (the package and its dependencies): ${mib(await duBytes(path.join(bare, 'node_modules')))}`);

  const dir = await project('vite-app', [`vite@${version('vite')}`]);
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>app</title></head><body><pre id="out">running</pre><script type="module" src="./main.js"></script></body></html>\n');
  await writeFile(path.join(dir, 'main.js'), `
import { loadModel, fillMask } from 'webgpu-bert';
try {
  const model = await loadModel();
  const [c] = await fillMask(model, 'the [MASK] sat on the mat', { topK: 3 });
  window.result = { ok: true, tokens: c.map((x) => x.token), scores: c.map((x) => x.score), adapter: model.gpu.adapter.description || model.gpu.adapter.architecture };
} catch (e) {
  window.result = { ok: false, error: e.name + ': ' + e.message };
}
`);
  run('npx', ['--no-install', 'vite', 'build', '--logLevel', 'error'], dir);
  const assets = path.join(dir, 'dist/assets');
  const bundles = (await readdir(assets)).filter((f) => f.endsWith('.js'));
  const bundle = (await Promise.all(bundles.map((f) => readFile(path.join(assets, f), 'utf8')))).join('\n');
  assert.doesNotMatch(bundle, /dawn\.node|from\s*["']webgpu["']/, 'Dawn is not in the bundle');
  t.diagnostic(`vite production bundle: ${bundles.length} chunk(s), ${(bundle.length / 1024).toFixed(0)} KiB`);

  const want = JSON.parse(run('node', ['--input-type=module', '-e', `
import { loadModel, fillMask } from '${path.join(ROOT, 'dist/node.js')}';
const m = await loadModel(); const [c] = await fillMask(m, 'the [MASK] sat on the mat', { topK: 3 });
console.log(JSON.stringify({ tokens: c.map((x) => x.token), scores: c.map((x) => x.score) })); m.dispose();`], ROOT).stdout.trim().split('\n').pop()!);

  const server = createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const file = path.join(dir, 'dist', url === '/' ? 'index.html' : path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
    try {
      const body = await readFile(file);
      res.setHeader('Content-Type', file.endsWith('.js') ? 'text/javascript' : 'text/html');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs(), headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 120_000 });
    const got = await page.evaluate(() => (window as unknown as { result: { ok: boolean; tokens: string[]; scores: number[]; adapter: string; error?: string } }).result);
    assert.ok(got.ok, got.error ?? "failed");
    t.diagnostic(`Chromium adapter: ${got.adapter}`);
    assert.deepEqual(got.tokens, want.tokens, 'the browser build fills the mask as the Node build does');
    got.scores.forEach((s: number, i: number) => assert.ok(Math.abs(s - want.scores[i]) < 1e-5, `score ${i}: ${s} vs ${want.scores[i]}`));
  } finally {
    await browser.close();
    server.close();
  }
});
