// Sentence similarity: pooled, normalised embeddings of each line (pooled on the GPU) and their cosine
// similarity matrix, as a heatmap and as a table (the library's similarity).
import { similarity, type EncoderModel, type PoolingMode, type SimilarityResult } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { el, field, formatScore, table } from '../dom.ts';
import { Heatmap } from '../heatmap.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

const SAMPLE = ['a cat sat on the mat', 'a cat was sitting on a mat', 'the weather is cold today', 'it is freezing outside'];
/** Sentences longer than this are cut in the axis labels (the tooltip and the table show them whole). */
const LABEL_CHARS = 18;

export class SimilarityPanel implements Panel {
  readonly id = 'similarity';
  readonly title = 'Similarity';
  readonly element: HTMLElement;
  last: { texts: string[]; pooling: PoolingMode; result: SimilarityResult } | undefined;
  private texts = el('textarea', { attrs: { rows: 5, spellcheck: false } });
  private pooling = el('select', {}, [el('option', { text: 'mean over tokens', attrs: { value: 'mean' } }), el('option', { text: '[CLS] token', attrs: { value: 'cls' } })]);
  private heatmap = new Heatmap(360, 72);
  private out = el('div', { class: 'similarity-out', attrs: { 'data-testid': 'similarity-results' } });
  private runLine: RunLine;

  constructor(app: DemoApp) {
    this.texts.value = SAMPLE.join('\n');
    this.runLine = new RunLine(app, 'Compare', 'similarity', () => void this.run());
    this.out.append(placeholder('One sentence per line, then Compare.'));
    this.element = el('div', {}, [
      intro('Sentence similarity', 'Each line becomes one embedding (pooled and L2-normalised on the GPU); the matrix shows the cosine similarity of every pair.'),
      el('div', { class: 'row' }, [field('Sentences, one per line', this.texts), field('Pooling', this.pooling)]),
      this.runLine.element, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    return model.tokenizer ? undefined : 'This checkpoint has no tokenizer (vocab.txt or tokenizer.json).';
  }

  onModel(): void {
    this.last = undefined;
    this.runLine.clear();
    this.out.replaceChildren(placeholder('One sentence per line, then Compare.'));
  }

  async run(): Promise<void> {
    const texts = this.texts.value.split('\n').map((t) => t.trim()).filter(Boolean);
    const pooling = this.pooling.value as PoolingMode;
    if (texts.length < 2) {
      this.out.replaceChildren(placeholder('Give at least two sentences, one per line.'));
      return;
    }
    const result = await this.runLine.run((model) => similarity(model, texts, { pooling }));
    if (!result) return;
    this.last = { texts, pooling, result };
    const n = texts.length;
    const flat = result.matrix.flat();
    // The diagonal is 1 by definition: scale the colours to the off-diagonal range so differences show.
    const off = flat.filter((_, k) => k % (n + 1) !== 0);
    const short = texts.map((t, i) => `${i + 1}. ${t.length > LABEL_CHARS ? `${t.slice(0, LABEL_CHARS - 1)}…` : t}`);
    this.heatmap.show({
      rows: short, cols: short.map((_, i) => String(i + 1)), values: flat,
      min: Math.min(...off), max: Math.max(...off),
      caption: 'cosine similarity',
      label: 'Cosine similarity of every pair of sentences',
      describe: (i, j, v) => `"${texts[i]}" vs "${texts[j]}": ${formatScore(v)}`,
    });
    const matrix = table(['', ...texts.map((_, i) => String(i + 1))],
      result.matrix.map((row, i) => [el('span', { text: `${i + 1}. ${texts[i]}` }), ...row.map((v) => formatScore(v))]), 'data matrix');
    this.out.replaceChildren(this.heatmap.element, matrix);
  }
}
