// Semantic search in the page: a corpus (the bundled sample, pasted lines, or a dropped .txt / .jsonl file)
// embedded with the library's embedCorpus (length-sorted batches, a progress bar), a query embedded the same
// way, the nearest texts by cosine similarity, optionally reranked by a cross-encoder loaded beside the
// model (rerank), and the corpus drawn in 2-D (its first two principal components, computed here).
import { embedCorpus, featureExtraction, loadModel, rerank, type EncoderModel, type RankedDocument } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { el, field, formatMs, formatScore, table } from '../dom.ts';
import { SEARCH_SAMPLE } from '../search-sample.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

/** Results shown, and how many of them a cross-encoder reranks. */
const TOP_K = 5;
const RERANK_K = 10;

export interface SearchHit { index: number; text: string; score: number }

export class SearchPanel implements Panel {
  readonly id = 'search';
  readonly title = 'Search';
  readonly element: HTMLElement;
  /** The embedded corpus (unit vectors), and the last results, for the tests. */
  corpus: { texts: string[]; vectors: Float32Array[] } | undefined;
  last: { query: string; hits: SearchHit[]; reranked?: RankedDocument[] } | undefined;
  private reranker: EncoderModel | undefined;
  private texts = el('textarea', { attrs: { rows: 8, spellcheck: false } });
  private file = el('input', { attrs: { type: 'file', accept: '.txt,.jsonl' } });
  private progress = el('progress', { attrs: { max: 1, value: 0, 'aria-label': 'Corpus embedding progress', hidden: true } });
  private progressText = el('span', { class: 'progress-text', attrs: { 'aria-live': 'polite' } });
  private query = el('input', { attrs: { type: 'text', value: 'weather forecast for the weekend' } });
  private rerankSource = el('input', { attrs: { type: 'text', placeholder: 'cross-encoder URL or hub id (optional)' } });
  private out = el('div', { class: 'search-out', attrs: { 'data-testid': 'search-results' } });
  private plot = el('div', { class: 'search-plot', attrs: { 'data-testid': 'search-plot' } });
  private embedLine: RunLine;
  private searchLine: RunLine;

  constructor(private app: DemoApp) {
    this.texts.value = SEARCH_SAMPLE.join('\n');
    this.embedLine = new RunLine(app, 'Embed corpus', 'corpus embedding', () => void this.embed());
    this.searchLine = new RunLine(app, 'Search', 'search', () => void this.search());
    this.file.addEventListener('change', () => void this.readFile(this.file.files?.[0]));
    this.texts.addEventListener('dragover', (e) => e.preventDefault());
    this.texts.addEventListener('drop', (e) => {
      e.preventDefault();
      void this.readFile(e.dataTransfer?.files?.[0]);
    });
    this.out.append(placeholder('Embed the corpus, then search it.'));
    this.element = el('div', {}, [
      intro('Semantic search', 'The corpus is embedded in this page (sentence-transformers pipeline when the model has one, else mean pooling; normalised), then each query is ranked against it by cosine similarity.'),
      el('div', { class: 'row' }, [field('Corpus, one text per line (or drop a .txt / .jsonl file here)', this.texts), field('Or a file', this.file)]),
      this.embedLine.element,
      el('div', { class: 'progress' }, [this.progress, this.progressText]),
      el('div', { class: 'row' }, [field('Query', this.query), field('Rerank the top 10 with', this.rerankSource, 'a cross-encoder checkpoint (one-label sequence classifier)')]),
      this.searchLine.element,
      this.out, this.plot,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    return model.tokenizer ? undefined : 'This checkpoint has no tokenizer (vocab.txt or tokenizer.json).';
  }

  onModel(): void {
    this.corpus = undefined;
    this.last = undefined;
    this.embedLine.clear();
    this.searchLine.clear();
    this.progress.hidden = true;
    this.progressText.textContent = '';
    this.out.replaceChildren(placeholder('Embed the corpus, then search it.'));
    this.plot.replaceChildren();
  }

  private async readFile(f: File | undefined): Promise<void> {
    if (!f) return;
    const text = await f.text();
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    // A .jsonl line is a JSON string or {"text": …}; anything else is taken as it is.
    this.texts.value = lines.map((l) => {
      if (!f.name.endsWith('.jsonl')) return l;
      try {
        const v = JSON.parse(l) as unknown;
        return typeof v === 'string' ? v : typeof (v as { text?: unknown })?.text === 'string' ? (v as { text: string }).text : l;
      } catch {
        return l;
      }
    }).join('\n');
  }

  async embed(): Promise<void> {
    const texts = this.texts.value.split('\n').map((t) => t.trim()).filter(Boolean);
    if (texts.length < 2) {
      this.out.replaceChildren(placeholder('Give at least two texts, one per line.'));
      return;
    }
    this.progress.hidden = false;
    this.progress.value = 0;
    const vectors = await this.embedLine.run(async (model) => {
      const out: Float32Array[] = [];
      const start = performance.now();
      for await (const v of embedCorpus(model, texts, {
        normalize: true, window: 1024, batchTokens: 2048,
        onProgress: (p) => {
          this.progress.value = p.texts / texts.length;
          const rate = p.tokens / (p.elapsedMs / 1000);
          this.progressText.textContent = `${p.texts} of ${texts.length} texts, ${Math.round(rate)} tokens/s, ${formatMs(performance.now() - start)}`;
        },
      })) out.push(v.embedding);
      return out;
    });
    if (!vectors) return;
    this.corpus = { texts, vectors };
    this.out.replaceChildren(placeholder(`${texts.length} texts embedded (${vectors[0].length} dimensions). Type a query and search.`));
    this.drawPlot();
  }

  async search(): Promise<void> {
    const query = this.query.value.trim();
    if (!this.corpus) await this.embed();
    const corpus = this.corpus;
    if (!corpus || !query) {
      if (!query) this.out.replaceChildren(placeholder('Type a query.'));
      return;
    }
    const source = this.rerankSource.value.trim();
    const result = await this.searchLine.run(async (model) => {
      const [q] = await featureExtraction(model, [query], { normalize: true });
      const hits = corpus.vectors.map((v, index) => ({ index, text: corpus.texts[index], score: dot(q, v) }))
        .sort((a, b) => b.score - a.score || a.index - b.index);
      let reranked: RankedDocument[] | undefined;
      if (source) {
        if (!this.reranker || this.rerankerSource !== source) {
          this.reranker?.dispose();
          this.reranker = await loadModel(source, { gpu: this.app.gpu, matmul: this.app.current?.options.matmul });
          this.rerankerSource = source;
        }
        const top = hits.slice(0, RERANK_K);
        reranked = (await rerank(this.reranker, query, top.map((h) => h.text))).map((r) => ({ ...r, index: top[r.index].index }));
      }
      return { query, hits: hits.slice(0, TOP_K), reranked, q };
    });
    if (!result) return;
    this.last = { query: result.query, hits: result.hits, reranked: result.reranked };
    const rows = result.hits.map((h, i) => [String(i + 1), formatScore(h.score), el('span', { text: h.text })]);
    const parts: HTMLElement[] = [table(['rank', 'cosine', 'text'], rows, 'data search-hits')];
    if (result.reranked) {
      parts.push(el('h3', { text: `Reranked by the cross-encoder (top ${RERANK_K} by cosine)` }),
        table(['rank', 'score', 'text'], result.reranked.slice(0, TOP_K).map((r, i) => [String(i + 1), formatScore(r.score), el('span', { text: r.document })]), 'data search-reranked'));
    }
    this.out.replaceChildren(...parts);
    this.drawPlot(result.q, new Set(result.hits.map((h) => h.index)));
  }

  private rerankerSource: string | undefined;

  /** The corpus (and the query) on the plane of the corpus' first two principal components. */
  private drawPlot(query?: number[], hits?: Set<number>): void {
    const c = this.corpus!;
    const { mean, axes } = principalAxes(c.vectors);
    const project = (v: ArrayLike<number>) => axes.map((a) => { let s = 0; for (let i = 0; i < a.length; i++) s += (v[i] - mean[i]) * a[i]; return s; });
    const pts = c.vectors.map(project);
    const q = query && project(query);
    const all = q ? [...pts, q] : pts;
    const [W, H, P] = [420, 300, 16];
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const sx = (x: number) => P + ((x - Math.min(...xs)) / (Math.max(...xs) - Math.min(...xs) || 1)) * (W - 2 * P);
    const sy = (y: number) => H - P - ((y - Math.min(...ys)) / (Math.max(...ys) - Math.min(...ys) || 1)) * (H - 2 * P);
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', String(W));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'The corpus embeddings projected on their first two principal components');
    const dot2 = (x: number, y: number, r: number, cls: string, title: string) => {
      const circle = document.createElementNS(ns, 'circle');
      circle.setAttribute('cx', sx(x).toFixed(1));
      circle.setAttribute('cy', sy(y).toFixed(1));
      circle.setAttribute('r', String(r));
      circle.setAttribute('class', cls);
      const t = document.createElementNS(ns, 'title');
      t.textContent = title;
      circle.append(t);
      svg.append(circle);
    };
    pts.forEach((p, i) => dot2(p[0], p[1], 4, hits?.has(i) ? 'point hit' : 'point', c.texts[i]));
    if (q) dot2(q[0], q[1], 6, 'point query', `query: ${this.query.value}`);
    this.plot.replaceChildren(el('p', { class: 'hint', text: 'Each dot is a text, placed by the first two principal components of the embeddings (the query in red, its top results filled).' }), svg as unknown as HTMLElement);
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The mean and the top two principal directions of the vectors (power iteration with deflation, in float64). */
export function principalAxes(vectors: readonly ArrayLike<number>[]): { mean: number[]; axes: number[][] } {
  const d = vectors[0].length;
  const mean = new Array<number>(d).fill(0);
  for (const v of vectors) for (let i = 0; i < d; i++) mean[i] += v[i] / vectors.length;
  const centered = vectors.map((v) => Array.from({ length: d }, (_, i) => v[i] - mean[i]));
  const axes: number[][] = [];
  for (let k = 0; k < 2; k++) {
    let a = Array.from({ length: d }, (_, i) => Math.sin(i + 1 + k));
    for (let it = 0; it < 100; it++) {
      const next = new Array<number>(d).fill(0);
      for (const x of centered) {
        const s = x.reduce((t, xi, i) => t + xi * a[i], 0);
        for (let i = 0; i < d; i++) next[i] += s * x[i];
      }
      for (const b of axes) {
        const s = next.reduce((t, v, i) => t + v * b[i], 0);
        for (let i = 0; i < d; i++) next[i] -= s * b[i];
      }
      const n = Math.hypot(...next) || 1;
      a = next.map((v) => v / n);
    }
    axes.push(a);
  }
  return { mean, axes };
}

