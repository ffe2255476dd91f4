// Performance: the adapter, how long the model took to load, and per measurement run the first
// forward, the compile share, the steady forward (median of a few), the stage breakdown from GPU
// timestamps, and the dispatch and memory counts from the plan.
import { describeAdapter, type ForwardProfile, type ModelPhases } from '../../src/browser.ts';
import type { DemoApp, Loaded } from '../app.ts';
import { bar, el, field, formatBytes, formatMs, table } from '../dom.ts';
import { measureForward, type Measurement } from '../measure.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

export class TimingPanel implements Panel {
  readonly id = 'timing';
  readonly title = 'Performance';
  readonly element: HTMLElement;
  last: Measurement | undefined;
  private text = el('input', { attrs: { type: 'text', spellcheck: false } });
  private runs = el('input', { attrs: { type: 'number', min: 1, max: 100, value: 5 } });
  private adapter = el('dl', { class: 'facts', attrs: { 'data-testid': 'adapter-facts' } });
  private load = el('dl', { class: 'facts', attrs: { 'data-testid': 'load-facts' } });
  private out = el('div', { attrs: { 'data-testid': 'timing-results' } });
  private runLine: RunLine;

  constructor(private app: DemoApp) {
    this.text.value = 'the quick brown fox jumps over the lazy dog';
    this.runLine = new RunLine(app, 'Measure', 'timing run', () => void this.run());
    this.out.append(placeholder('Press Measure to time forwards of this text on the current model.'));
    this.element = el('div', {}, [
      intro('Performance', 'Where the time goes: loading, the first forward at a shape (planning and compiling), steady forwards, and each stage of one forward timed on the GPU.'),
      el('div', { class: 'columns' }, [
        el('div', {}, [el('h3', { text: 'Adapter' }), this.adapter]),
        el('div', {}, [el('h3', { text: 'Model load' }), this.load]),
      ]),
      el('h3', { text: 'Forward' }),
      el('div', { class: 'row' }, [field('Text', this.text), field('Steady runs', this.runs)]),
      this.runLine.element, this.out,
    ]);
    this.showAdapter();
  }

  onModel({ timings, source, model }: Loaded): void {
    this.last = undefined;
    this.runLine.clear();
    this.out.replaceChildren(placeholder('Press Measure to time forwards of this text on the current model.'));
    facts(this.load, [
      ['source', source.label],
      [timings.fetchWhat, formatMs(timings.fetchMs)],
      ['parse + upload to GPU', formatMs(timings.uploadMs)],
      ['first forward', `${formatMs(timings.firstForwardMs)} (1 × ${timings.warmupTokens} tokens: builds the plan)`],
      ['second forward', formatMs(timings.secondForwardMs)],
      ['compile (first − second)', formatMs(timings.compileMs)],
      ['total', formatMs(timings.totalMs)],
      ...phaseFacts(model.stats().phases),
    ]);
  }

  async run(): Promise<void> {
    const text = this.text.value;
    const runs = Number(this.runs.value);
    const m = await this.runLine.run((model) => measureForward(model, text, runs, (what) => { this.runLine.button.textContent = `Measuring: ${what}…`; }));
    this.runLine.button.textContent = 'Measure';
    if (!m) return;
    this.last = m;
    const forward = el('dl', { class: 'facts', attrs: { 'data-testid': 'forward-facts' } });
    this.out.replaceChildren(forward, stages(m.profile),
      el('p', { class: 'muted', text: 'Every forward reads its outputs back to the page; the stage times are GPU time only.' }));
    facts(forward, [
      ['shape', `1 × ${m.tokens} tokens`],
      ['first forward', `${formatMs(m.firstMs)}${m.planBuilt ? ' (built the plan for this shape)' : ' (plan already built by an earlier run)'}`],
      ['compile (first − steady)', m.compileMs === undefined ? '– (this shape was already planned)' : formatMs(m.compileMs)],
      ['forward (steady)', `${formatMs(m.steady.medianMs)} median of ${m.steady.runs} (min ${formatMs(m.steady.minMs)}, max ${formatMs(m.steady.maxMs)}), wall clock`],
      ['dispatches per forward', `${m.stats.dispatchesPerForward} (${m.stats.dispatchesPerLayer} per layer)`],
      ['weights on the GPU', formatBytes(m.stats.weightBytes)],
      ['activations', `${formatBytes(m.stats.peakActivationBytes)} (${formatBytes(m.stats.activationBytesNoReuse)} without buffer sharing)`],
      ['plans cached', String(m.stats.plans)],
    ]);
  }

  private showAdapter(): void {
    const a = this.app.gpu.adapter;
    const limits = this.app.gpu.limits;
    facts(this.adapter, [
      ['adapter', describeAdapter(a)],
      ['kind', a.isFallback ? 'software (CPU) fallback: slow, and its timings say nothing about a GPU' : 'hardware'],
      ['GPU timestamps', a.timestampQuery ? 'yes: stage breakdown in GPU time' : 'no: wall-clock totals only'],
      ['max storage binding', formatBytes(limits.maxStorageBufferBindingSize)],
      ['workgroup memory', formatBytes(limits.maxComputeWorkgroupStorageSize)],
    ]);
  }
}

function facts(list: HTMLElement, rows: [string, string][]): void {
  list.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

/** The stage table: GPU time per stage summed over the layers, largest first, with its share of the total. */
function stages(profile: ForwardProfile | undefined): HTMLElement {
  if (!profile) return placeholder('No profile was returned for this forward.');
  if (profile.method !== 'gpu-timestamps' || profile.stages.length === 0) {
    return placeholder(`This adapter has no GPU timestamps: one profiled forward took ${formatMs(profile.totalMs)} (wall clock, submit to readback); no per-stage breakdown.`);
  }
  const rows = [...profile.stages].sort((a, b) => b.ms - a.ms);
  return el('div', { class: 'result-block', attrs: { 'data-testid': 'stage-table' } }, [
    el('h3', { text: `Stages of one forward: ${formatMs(profile.totalMs)} of GPU time (timestamps around every dispatch)` }),
    table(['stage', 'dispatches', 'GPU time', 'share', ''], rows.map((s) => [
      el('code', { text: s.stage }), String(s.dispatches), formatMs(s.ms), `${((100 * s.ms) / profile.totalMs).toFixed(1)}%`, bar(s.ms / profile.totalMs),
    ])),
  ]);
}

/** The engine's own account of the cold start (model.stats().phases): load phases, then the first plan's. */
function phaseFacts(p: ModelPhases): [string, string][] {
  return [
    ['engine: fetch / parse / upload', `${formatMs(p.fetchMs)} / ${formatMs(p.parseMs)} / ${formatMs(p.uploadMs)}`],
    ['engine: first plan', `${formatMs(p.planMs ?? 0)}: tuning ${formatMs(p.tuneMs ?? 0)}${p.tuningsRestored ? ` (${p.tuningsRestored} tunings restored from this browser)` : ''}, ${p.pipelinesCompiled ?? 0} pipelines compiled (${formatMs(p.compileMs ?? 0)} summed)`],
  ];
}
