// Text classification: the sequence classifier's label probabilities for a text or a text pair (the
// library's classify, every label).
import { classify, type EncoderModel, type LabelScore } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { bar, el, field, formatScore, table } from '../dom.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

export class ClassifyPanel implements Panel {
  readonly id = 'classify';
  readonly title = 'Classification';
  readonly element: HTMLElement;
  last: { text: string; pair: string; scores: LabelScore[] } | undefined;
  private text = el('textarea', { attrs: { rows: 2, spellcheck: false } });
  private pair = el('input', { attrs: { type: 'text', spellcheck: false, placeholder: '(optional) a second text, for pair tasks such as entailment' } });
  private out = el('div', { attrs: { 'data-testid': 'classify-results' } });
  private runLine: RunLine;

  constructor(app: DemoApp) {
    this.text.value = 'this film was a delight from start to end';
    this.runLine = new RunLine(app, 'Classify', 'classification', () => void this.run());
    this.out.append(placeholder('Type a text and press Classify.'));
    this.element = el('div', {}, [
      intro('Text classification', 'The sequence classifier on the pooled [CLS] state: a probability for every label of the checkpoint (id2label in config.json).'),
      field('Text', this.text), field('Pair', this.pair),
      this.runLine.element, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    if (model.classifier === 'sequence' && model.tokenizer) return undefined;
    return 'This checkpoint has no sequence classification head: load a BertForSequenceClassification checkpoint, e.g. the built-in text classification model.';
  }

  onModel(): void {
    this.last = undefined;
    this.runLine.clear();
    this.out.replaceChildren(placeholder('Type a text and press Classify.'));
  }

  async run(): Promise<void> {
    const text = this.text.value;
    const pair = this.pair.value;
    const scores = await this.runLine.run((model) => classify(model, pair ? [text, pair] : text, { topK: null }));
    if (!scores) return;
    this.last = { text, pair, scores };
    this.out.replaceChildren(table(['label', 'probability', ''], scores.map((s) => [el('strong', { text: s.label }), formatScore(s.score), bar(s.score)])));
  }
}
