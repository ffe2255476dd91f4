// The kernel bench page: runs one of the project's benchmark suites (bench/suites, the same code as
// `npm run bench`) on this page's adapter, then shows its notes, charts and table, and offers the result
// as JSON. Every row is checked against its float64 twin before it is timed (the suites do that).
import { MIN_RUNS, type Suite, type SuiteOutput } from '../bench/suite.ts';
// The suites one by one rather than bench/suites/index.ts: its e2e suite would pull the Transformers.js and
// ONNX Runtime peers (27 MB with their WebAssembly) into the build, for a suite this page does not offer.
import { attentionSuite } from '../bench/suites/attention.ts';
import { ceilingsSuite } from '../bench/suites/ceilings.ts';
import { kernelsSuite } from '../bench/suites/kernels.ts';
import type { Gpu } from '../src/browser.ts';
import { button, el, errorMessage, field, formatMs } from './dom.ts';
import { markdownTableToHtml } from './markdown-table.ts';
import { openPageGpu, setStatus } from './status.ts';

/**
 * The suites this page offers: those that need nothing but the adapter. (`e2e` loads model folders that
 * `npm run bench -- e2e` writes first, so it runs from the command line.) With each, flags that keep it
 * to seconds on a software adapter; the field is editable, and empty runs the suite's own grid.
 */
const PAGE_SUITES: { name: string; suite: Suite; what: string; small: string }[] = [
  { name: 'kernels', suite: kernelsSuite, what: 'matmul configurations at BERT shapes and squares, LayerNorm, GELU', small: '--tokens 8 --square 128,256 --configs naive,unrolled4x4,autotuned --no-peers' },
  { name: 'attention', suite: attentionSuite, what: 'attention variants by sequence length', small: '--seq 32,64,128 --heads 2' },
  { name: 'ceilings', suite: ceilingsSuite, what: 'copy bandwidth and FMA throughput, the limits the other suites compare with', small: '--copy-mib 4,16 --invocations 4096,16384' },
];

interface BenchResult extends SuiteOutput {
  suite: string;
  date: string;
  adapter: Gpu['adapter'];
  runs: number;
  size: 'quick' | 'full';
  args: string[];
}

class BenchPage {
  readonly element: HTMLElement;
  private suite = el('select', { attrs: { 'data-testid': 'bench-suite' } }, PAGE_SUITES.map((s) => el('option', { text: `${s.name}: ${s.what}`, attrs: { value: s.name } })));
  private size = el('select', {}, [el('option', { text: 'quick (sized for a software adapter)', attrs: { value: 'quick' } }), el('option', { text: 'full (the whole grid, for a GPU)', attrs: { value: 'full' } })]);
  private runs = el('input', { attrs: { type: 'number', min: MIN_RUNS, max: 100, value: MIN_RUNS } });
  private args = el('input', { attrs: { type: 'text', spellcheck: false, 'data-testid': 'bench-args' } });
  private run = button('Run benchmark', () => void this.start());
  private download = button('Download JSON', () => this.save(), 'secondary');
  private log = el('pre', { class: 'bench-log', attrs: { role: 'log', 'aria-label': 'Benchmark progress', 'data-testid': 'bench-log' } });
  private out = el('div', { attrs: { 'data-testid': 'bench-results' } });
  private last: BenchResult | undefined;

  constructor(private gpu: Gpu) {
    this.download.disabled = true;
    this.suite.addEventListener('change', () => this.preset());
    this.preset();
    this.element = el('div', {}, [
      el('section', { class: 'card bench-controls', attrs: { 'aria-label': 'Benchmark' } }, [
        el('h2', { text: 'Benchmark the kernels on this adapter' }),
        el('p', { class: 'muted', text: `Each row is validated against the float64 reference first, warmed up, then timed ${gpu.hasTimestamps ? 'with GPU timestamp queries' : 'with the wall clock (this adapter has no timestamp queries)'}; the median of the runs is shown. Compare rows with each other: they ran on the same adapter in the same page.` }),
        el('div', { class: 'row' }, [field('Suite', this.suite), field('Size', this.size), field('Runs', this.runs)]),
        el('div', { class: 'row' }, [field('Suite flags', this.args, 'e.g. --tokens 32 --configs naive,unrolled4x4; empty: the suite\'s own grid for this size')]),
        el('div', { class: 'run-row' }, [this.run, this.download]),
        this.log,
      ]),
      el('section', { class: 'card', attrs: { 'aria-label': 'Results' } }, [this.out]),
    ]);
  }

  /** The small flags on a software adapter (where the default grids take minutes), none on a GPU. */
  private preset(): void {
    const chosen = PAGE_SUITES.find((s) => s.name === this.suite.value)!;
    this.args.value = this.gpu.adapter.isFallback ? chosen.small : '';
  }

  private async start(): Promise<void> {
    const suite = this.suite.value;
    const runs = Number(this.runs.value);
    const size = this.size.value as 'quick' | 'full';
    const args = this.args.value.trim().split(/\s+/).filter(Boolean);
    this.run.disabled = true;
    this.log.textContent = '';
    const write = (line: string) => {
      this.log.textContent += `${line}\n`;
      this.log.scrollTop = this.log.scrollHeight;
    };
    setStatus(`running the ${suite} suite…`, 'busy');
    const t0 = performance.now();
    try {
      if (!Number.isInteger(runs) || runs < MIN_RUNS) throw new Error(`runs must be an integer of at least ${MIN_RUNS} (medians of fewer mean little)`);
      write(`${suite} ${args.join(' ')} (${size}, ${runs} runs)`);
      const output = await PAGE_SUITES.find((s) => s.name === suite)!.suite({ gpu: this.gpu, runs, size, args, log: write });
      this.last = { suite, date: new Date().toISOString(), adapter: this.gpu.adapter, runs, size, args, ...output };
      this.show(this.last);
      write(`done in ${formatMs(performance.now() - t0)}`);
      setStatus(`ready: ${suite} took ${formatMs(performance.now() - t0)}`);
    } catch (e) {
      write(`error: ${errorMessage(e)}`);
      this.out.replaceChildren(el('p', { class: 'load-error', attrs: { role: 'alert' }, text: `The ${suite} suite failed: ${errorMessage(e)}` }));
      setStatus(`${suite} failed`, 'error');
    } finally {
      this.run.disabled = false;
    }
  }

  private show(r: BenchResult): void {
    const charts = r.charts.map((c) => {
      const figure = el('figure', { class: 'chart' }, [el('figcaption', { text: c.title })]);
      // The suites render the SVG from their own numbers (no scripts, no user text): safe to insert.
      figure.insertAdjacentHTML('beforeend', c.svg);
      return figure;
    });
    this.out.replaceChildren(
      el('h2', { text: `${r.suite} on ${describeShort(r.adapter)}` }),
      el('ul', { class: 'muted' }, r.notes.map((n) => el('li', { text: n }))),
      el('div', { class: 'charts' }, charts),
      el('h3', { text: 'Table' }),
      markdownTableToHtml(r.table),
    );
    this.download.disabled = false;
  }

  private save(): void {
    if (!this.last) return;
    const blob = new Blob([JSON.stringify(this.last, null, 2)], { type: 'application/json' });
    const a = el('a', { attrs: { href: URL.createObjectURL(blob), download: `${this.last.suite}-${this.last.adapter.architecture}-${this.last.date.replace(/[:.]/g, '-')}.json` } });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
  }
}

function describeShort(a: Gpu['adapter']): string {
  const name = [a.vendor, a.architecture].filter((s) => s && s !== 'unknown').join(' ') || 'this adapter';
  return a.isFallback ? `${name} (software fallback)` : name;
}

async function start(): Promise<void> {
  const gpu = await openPageGpu('The flags below start small for that reason; read the figures as ratios between rows.', { timestamps: true });
  if (!gpu) return;
  document.getElementById('app')!.append(new BenchPage(gpu).element);
  setStatus('ready');
}

start().catch((e) => setStatus(`failed to start: ${errorMessage(e)}`, 'error'));
