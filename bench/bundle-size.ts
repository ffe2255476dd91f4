/**
 * What an app pays to ship the engine: a Vite production build (default minifier, no config of ours) of a
 * two-line app that imports `loadModel` and `featureExtraction` from the package's browser entry
 * (src/browser.ts, as the `browser` export condition resolves it) and embeds one text. Reports the JS the page
 * loads up front (the entry chunk and its static imports) apart from chunks fetched only on demand (dynamic
 * imports), raw and gzip bytes, the biggest modules and the bytes per source folder. Module sizes are
 * Rolldown's rendered lengths (tree-shaken, before minifying), so they rank modules; the chunk totals are
 * the shipped bytes. Results: bench/results/bundle-size-<label>-<date>.json and .md.
 *
 *   node --import tsx bench/bundle-size.ts [--root DIR] [--label NAME] [--top 25]
 *
 * --root measures another checkout (e.g. a `git worktree` of an older commit with node_modules linked in).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Plugin, type Rollup } from 'vite';

const HERE = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: { root: { type: 'string', default: HERE }, label: { type: 'string', default: 'current' }, top: { type: 'string', default: '25' } },
});
const root = path.resolve(values.root!);
const top = Number(values.top);

// The app as a user writes it; a query string names a checkpoint URL, none loads the default model.
const APP = `import { loadModel, featureExtraction } from 'webgpu-bert';
loadModel(location.search.slice(1) || undefined)
  .then((model) => featureExtraction(model, 'hello world'))
  .then((vectors) => { document.body.textContent = JSON.stringify(vectors[0].slice(0, 4)); });
`;

// The entry and the shader registration run for their side effects. The package declares them so for its
// dist/ files (package.json `sideEffects`); built from src/, a bundler that reads that field would drop the
// WGSL sources and the default-device registration, and measure an app that cannot run.
const ENTRY_FILES = ['src/browser.ts', 'src/shaders-vite.ts'].map((f) => path.join(root, f));
const entrySideEffects: Plugin = {
  name: 'entry-side-effects',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved && ENTRY_FILES.includes(resolved.id) ? { ...resolved, moduleSideEffects: true } : resolved;
  },
};

interface ChunkSize { file: string; raw: number; gzip: number; initial: boolean }
interface ModuleSize { module: string; rendered: number }

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** A module id as a path inside the measured checkout (or node_modules/<package>/…). */
function shortName(id: string): string {
  const clean = id.replace(/^\0/, '').replace(/\?.*$/, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) return clean.slice(nm);
  return clean.startsWith(root) ? path.relative(root, clean) : clean;
}

/** The folder a module is billed to: src/<folder>, shaders, node_modules/<package>, or the file itself. */
function folderOf(name: string): string {
  const parts = name.split('/');
  if (parts[0] === 'node_modules') return parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}/` : name;
  return parts.length > 1 ? `${parts[0]}/` : name;
}

const app = mkdtempSync(path.join(tmpdir(), 'bundle-size-'));
writeFileSync(path.join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="./main.ts"></script>\n');
writeFileSync(path.join(app, 'main.ts'), APP);
let output: Rollup.RollupOutput;
try {
  const result = await build({
    configFile: false,
    root: app,
    logLevel: 'warn',
    plugins: [entrySideEffects],
    resolve: { alias: { 'webgpu-bert': path.join(root, 'src/browser.ts') } },
    build: { write: false, outDir: path.join(app, 'dist'), reportCompressedSize: false },
  });
  output = (Array.isArray(result) ? result[0] : result) as Rollup.RollupOutput;
} finally {
  rmSync(app, { recursive: true, force: true });
}

const chunks = output.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
// The page loads the entry chunk and, transitively, its static imports; the rest waits for a dynamic import.
const initial = new Set<string>();
const visit = (file: string) => {
  if (initial.has(file)) return;
  initial.add(file);
  for (const f of chunks.find((c) => c.fileName === file)?.imports ?? []) visit(f);
};
for (const c of chunks) if (c.isEntry) visit(c.fileName);

const sizes: ChunkSize[] = chunks.map((c) => {
  const bytes = Buffer.from(c.code);
  return { file: c.fileName, raw: bytes.length, gzip: gzipSync(bytes).length, initial: initial.has(c.fileName) };
});
const sum = (list: ChunkSize[], k: 'raw' | 'gzip') => list.reduce((s, c) => s + c[k], 0);
const modules: (ModuleSize & { initial: boolean })[] = chunks.flatMap((c) => Object.entries(c.modules)
  .filter(([, m]) => m.renderedLength > 0)
  .map(([id, m]) => ({ module: shortName(id), rendered: m.renderedLength, initial: initial.has(c.fileName) })));
modules.sort((a, b) => b.rendered - a.rendered);
const folders = new Map<string, { rendered: number; modules: number }>();
for (const m of modules.filter((x) => x.initial)) {
  const f = folders.get(folderOf(m.module)) ?? { rendered: 0, modules: 0 };
  f.rendered += m.rendered;
  f.modules += 1;
  folders.set(folderOf(m.module), f);
}

const initialChunks = sizes.filter((c) => c.initial);
const lazyChunks = sizes.filter((c) => !c.initial);
const result = {
  label: values.label,
  date: new Date().toISOString(),
  commit: git(['rev-parse', 'HEAD']),
  uncommittedChanges: git(['status', '--porcelain', '--', 'src', 'shaders']).split('\n').filter(Boolean).length,
  app: APP,
  vite: (await import('vite')).version,
  gzipLevel: 'zlib default (6)',
  initial: { raw: sum(initialChunks, 'raw'), gzip: sum(initialChunks, 'gzip'), chunks: initialChunks },
  lazy: { raw: sum(lazyChunks, 'raw'), gzip: sum(lazyChunks, 'gzip'), chunks: lazyChunks },
  folders: [...folders].map(([folder, f]) => ({ folder, ...f })).sort((a, b) => b.rendered - a.rendered),
  biggestModules: modules.slice(0, top),
};

const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
const md = [
  `# App bundle size (${result.label})`,
  '',
  `${result.date.slice(0, 10)}, commit ${result.commit.slice(0, 10) || '?'}${result.uncommittedChanges ? ` with ${result.uncommittedChanges} uncommitted files under src/ and shaders/` : ''}, Vite ${result.vite} production build, default minifier; gzip at ${result.gzipLevel}.`,
  '',
  'The app:',
  '```ts',
  APP.trimEnd(),
  '```',
  '',
  '| JS | raw | gzip | chunks |',
  '|---|---:|---:|---|',
  `| loaded up front (entry + static imports) | ${kb(result.initial.raw)} | ${kb(result.initial.gzip)} | ${initialChunks.map((c) => c.file).join(', ')} |`,
  `| on demand (dynamic imports) | ${kb(result.lazy.raw)} | ${kb(result.lazy.gzip)} | ${lazyChunks.map((c) => `${c.file} (${kb(c.raw)})`).join(', ') || '-'} |`,
  '',
  '## Loaded up front, by folder (rendered bytes before minifying)',
  '',
  '| folder | rendered | modules |',
  '|---|---:|---:|',
  ...result.folders.map((f) => `| ${f.folder} | ${kb(f.rendered)} | ${f.modules} |`),
  '',
  `## The ${top} biggest modules (rendered bytes before minifying)`,
  '',
  '| module | rendered | loaded |',
  '|---|---:|---|',
  ...result.biggestModules.map((m) => `| ${m.module} | ${kb(m.rendered)} | ${m.initial ? 'up front' : 'on demand'} |`),
  '',
];
const dir = path.join(HERE, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const base = path.join(dir, `bundle-size-${result.label}-${result.date.replace(/[:.]/g, '-').slice(0, 19)}`);
writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`${base}.md`, md.join('\n'));
process.stdout.write(`${md.join('\n')}\nwritten: ${path.relative(HERE, base)}.json, .md\n`);
