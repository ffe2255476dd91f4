/**
 * `npm run bench:bundle [-- --out DIR]` (default dist/bench-bundle): one self-contained folder that runs the
 * GPU benchmarks on a Linux x86-64 machine with a GPU and nothing else installed:
 *
 *   bench.mjs                 the engine and bench/bundle-main.ts in one ESM file (Vite SSR build; WGSL inlined)
 *   node.xz                   this machine's Node binary, xz-compressed (needs only glibc and libstdc++)
 *   node_modules/webgpu/      Dawn's package.json and index.js, dist/linux-x64/dawn.node.xz
 *   lib/libvulkan.so.1        the Vulkan loader, used when the machine has none
 *   run.sh                    ./run.sh OUTDIR [--quick] [--allow-software] [--budget-s N]
 *   README.md
 *
 * Compressed so it stays under BUNDLE_LIMIT_MIB (Node is ~95 MiB raw); run.sh unpacks once, with xz or,
 * without it, Python's lzma. The bundle's test (tests/package/bench-bundle.test.ts) builds it from the
 * checkout and runs its quick mode on SwiftShader.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'vite';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BUNDLE_LIMIT_MIB = 60;

const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(ROOT, 'dist', 'bench-bundle') } } });
const OUT = path.resolve(values.out!);
const log = (line: string) => process.stderr.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
};
if (process.platform !== 'linux' || process.arch !== 'x64') fail(`the bundle carries this machine's Node and Dawn for linux-x64; this is ${process.platform}-${process.arch}`);
const DAWN = path.join(ROOT, 'node_modules', 'webgpu');
const DAWN_NODE = path.join(DAWN, 'dist', 'linux-x64', 'dawn.node');
if (!existsSync(DAWN_NODE)) fail(`${path.relative(ROOT, DAWN_NODE)} is missing: run npm ci first`);

/** The Vulkan loader this machine's programs load (ldconfig's libvulkan.so.1). */
function vulkanLoader(): string | undefined {
  const listed = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '';
  const m = /libvulkan\.so\.1 \(libc6,x86-64\) => (\S+)/.exec(listed);
  return m ? realpathSync(m[1]) : undefined;
}

function xz(src: string, dest: string): void {
  const r = spawnSync('sh', ['-c', 'xz -T2 -6 -c "$1" > "$2"', 'xz', src, dest], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`xz failed on ${src} (is xz installed? apt-get install xz-utils)`);
}

/** In the bundle the shaders come inlined (Vite's import.meta.glob), and the peers (which need a page) are left out. */
const bundlePlugin: Plugin = {
  name: 'webgpu-bert-bench-bundle',
  enforce: 'pre',
  resolveId(source) {
    if (source.endsWith('/shaders-node.ts')) return path.join(ROOT, 'src', 'shaders-vite.ts');
    if (/\/peers\/(index|tfjs)\.ts$/.test(source)) return '\0bundle-no-peers';
    return undefined;
  },
  // package.json's sideEffects names dist/ files only: read literally it would drop the sources' side-effect
  // imports (src/node.ts registering the shaders and the default device).
  transform(code, id) {
    return id.startsWith(path.join(ROOT, 'src')) || id.startsWith(path.join(ROOT, 'bench')) ? { code, map: null, moduleSideEffects: true } : undefined;
  },
  load(id) {
    if (id !== '\0bundle-no-peers') return undefined;
    const no = 'throw new Error("the peers run in a browser page; the GPU bench bundle runs without them (--no-peers)")';
    return `export const PEERS = {};\nexport async function tfjsMatmul() { ${no}; }\nexport async function tfjsPeer() { ${no}; }\n`;
  },
};

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
log('bench:bundle: bundling bench/bundle-main.ts and the engine (Vite)');
await build({
  configFile: false, root: ROOT, logLevel: 'warn', plugins: [bundlePlugin],
  define: { __BUNDLE_VERSION__: JSON.stringify(`webgpu-bert ${version}${commit ? ` (${commit})` : ''}`) },
  build: {
    ssr: path.join(ROOT, 'bench', 'bundle-main.ts'), outDir: OUT, emptyOutDir: false, target: 'node20', minify: false, copyPublicDir: false,
    rollupOptions: { external: ['webgpu'], output: { format: 'es', entryFileNames: 'bench.mjs', codeSplitting: false } },
  },
  ssr: { noExternal: true, target: 'node' },
});

log(`bench:bundle: compressing ${process.execPath} (node ${process.version})`);
xz(realpathSync(process.execPath), path.join(OUT, 'node.xz'));
const dawnOut = path.join(OUT, 'node_modules', 'webgpu');
mkdirSync(path.join(dawnOut, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['package.json', 'index.js', 'LICENSE.md']) if (existsSync(path.join(DAWN, f))) copyFileSync(path.join(DAWN, f), path.join(dawnOut, f));
log('bench:bundle: compressing dawn.node');
xz(DAWN_NODE, path.join(dawnOut, 'dist', 'linux-x64', 'dawn.node.xz'));
const loader = vulkanLoader();
if (loader) {
  mkdirSync(path.join(OUT, 'lib'), { recursive: true });
  copyFileSync(loader, path.join(OUT, 'lib', 'libvulkan.so.1'));
} else {
  log('bench:bundle: warning: no libvulkan.so.1 on this machine (apt-get install libvulkan1); the bundle will need the target\'s own loader');
}
copyFileSync(path.join(ROOT, 'bench', 'bundle', 'run.sh'), path.join(OUT, 'run.sh'));
chmodSync(path.join(OUT, 'run.sh'), 0o755);
copyFileSync(path.join(ROOT, 'bench', 'bundle', 'README.md'), path.join(OUT, 'README.md'));

const sizeOf = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + sizeOf(path.join(p, f)), 0) : statSync(p).size);
const total = sizeOf(OUT);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
for (const f of readdirSync(OUT)) log(`  ${f}: ${mib(sizeOf(path.join(OUT, f)))} MiB`);
writeFileSync(path.join(OUT, 'MANIFEST.json'), `${JSON.stringify({ version, commit, node: process.version, bytes: total, built: new Date().toISOString() }, null, 2)}\n`);
if (total > BUNDLE_LIMIT_MIB * 2 ** 20) fail(`the bundle is ${mib(total)} MiB, over the ${BUNDLE_LIMIT_MIB} MiB limit`);
process.stdout.write(`${JSON.stringify({ out: OUT, mib: Number(mib(total)), seconds: Math.round((performance.now() - started) / 1e3) })}\n`);
