// The GPU bench bundle (npm run bench:bundle): built from this checkout into a temporary folder, copied
// away from the checkout (so nothing of node_modules can be found), under its size limit, refusing a
// software adapter by default, and its quick mode run here on SwiftShader with --allow-software: every
// suite writes its JSON, Markdown and SVG, the e2e rows (f32, f16, int8 weights) are validated and timed,
// and the occupancy report is there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LIMIT_MIB = 60;

const sizeOf = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + sizeOf(path.join(p, f)), 0) : statSync(p).size);

test('bench:bundle builds a self-contained folder under 60 MiB whose quick mode runs and writes its report', { timeout: 900_000 }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'webgpu-bert-bundle-'));
  try {
    const built = spawnSync('npm', ['run', '--silent', 'bench:bundle', '--', '--out', path.join(tmp, 'built')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    // Run it from elsewhere: a copy shares nothing with the checkout.
    const bundle = path.join(tmp, 'bundle');
    cpSync(path.join(tmp, 'built'), bundle, { recursive: true });
    rmSync(path.join(tmp, 'built'), { recursive: true });
    const mib = sizeOf(bundle) / 2 ** 20;
    console.log(`# bundle: ${mib.toFixed(1)} MiB: ${readdirSync(bundle).join(', ')}`);
    assert.ok(mib <= LIMIT_MIB, `${mib.toFixed(1)} MiB`);
    for (const f of ['bench.mjs', 'node.xz', 'run.sh', 'README.md', 'lib/libvulkan.so.1', 'node_modules/webgpu/dist/linux-x64/dawn.node.xz']) {
      assert.ok(statSync(path.join(bundle, f)).size > 0, f);
    }
    const run = (args: string[]) => spawnSync(path.join(bundle, 'run.sh'), args, { cwd: tmp, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

    const refused = run([path.join(tmp, 'refused')]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /adapter: .*swiftshader/i);
    assert.match(refused.stderr, /^error: the adapter is a software one .*--allow-software$/m);

    const out = path.join(tmp, 'results');
    const quick = run([out, '--quick', '--allow-software']);
    assert.equal(quick.status, 0, quick.stderr.slice(-4000));
    const files = readdirSync(out);
    console.log(`# quick run wrote ${files.length} files: ${files.join(', ')}`);
    for (const suite of ['ceilings', 'kernels', 'attention', 'e2e']) {
      for (const ext of ['.json', '.md']) assert.ok(files.some((f) => f.startsWith(`${suite}-`) && f.endsWith(ext)), `${suite} ${ext}`);
      assert.ok(files.some((f) => f.startsWith(`${suite}-`) && f.endsWith('.svg')), `${suite} .svg`);
    }
    const e2e = JSON.parse(readFileSync(path.join(out, files.find((f) => f.startsWith('e2e-') && f.endsWith('.json'))!), 'utf8'));
    const engines = e2e.rows.map((r: { engine: string }) => r.engine);
    assert.deepEqual(engines, ['webgpu-bert', 'webgpu-bert (LayerNorm unfused)', 'webgpu-bert (previous kernels)', 'webgpu-bert f16 weights', 'webgpu-bert int8 weights']);
    for (const r of e2e.rows) assert.ok(!r.error && r.medianMs > 0, `${r.engine}: ${r.error ?? 'no timing'}`);
    // The previous kernels' row ran none of the GPU-shaped matmuls, and says which it ran.
    const previous = e2e.rows.find((r: { engine: string }) => r.engine === 'webgpu-bert (previous kernels)');
    assert.match(previous.plan, /^fused\+flash(-d64)?; layer 0: \S/);
    assert.doesNotMatch(previous.plan, /gpu\d/);
    assert.ok(previous.oursOverPeer > 0, 'the default engine over the previous kernels');
    const occupancy = JSON.parse(readFileSync(path.join(out, 'occupancy-tiny-h64-1x32.json'), 'utf8'));
    assert.ok(occupancy.dispatches.length >= 11 && occupancy.dispatches.every((d: { workgroups: number; invocations: number }) => d.workgroups > 0 && d.invocations > 0));
    const summary = readFileSync(path.join(out, 'summary.md'), 'utf8');
    for (const heading of ['## ceilings', '## kernels', '## attention', '## e2e', '## occupancy']) assert.ok(summary.includes(heading), heading);
    assert.doesNotMatch(summary, /failed/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
