// Fill-mask: the MLM head's top candidates for every mask token in the text (the library's fillMask).
// The mask is the tokenizer's own ([MASK] for BERT, <mask> for RoBERTa and XLM-R): the text follows the model.
import { fillMask, type EncoderModel, type FillMaskCandidate } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { bar, el, field, formatScore, table } from '../dom.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

export class FillMaskPanel implements Panel {
  readonly id = 'fill-mask';
  readonly title = 'Fill-mask';
  readonly element: HTMLElement;
  /** The last result, for the page's test hook. */
  last: { text: string; topK: number; candidates: FillMaskCandidate[][] } | undefined;
  private text = el('input', { attrs: { type: 'text', spellcheck: false } });
  private topK = el('input', { attrs: { type: 'number', min: 1, max: 50, value: 5 } });
  private out = el('div', { attrs: { 'data-testid': 'fill-mask-results' } });
  private runLine: RunLine;
  private mask = '[MASK]';

  constructor(app: DemoApp) {
    this.text.value = 'the cat sat on the [MASK] .';
    this.runLine = new RunLine(app, 'Fill the mask', 'fill-mask', () => void this.run());
    this.text.addEventListener('keydown', (e) => { if (e.key === 'Enter') void this.run(); });
    this.out.append(placeholder('Type a text with one or more [MASK] tokens and press Fill the mask.'));
    this.element = el('div', {}, [
      intro('Fill-mask', 'The masked-language-model head\'s most likely tokens for each [MASK], with their probabilities (softmax over the whole vocabulary).'),
      el('div', { class: 'row' }, [field('Text with mask tokens', this.text), field('Top k', this.topK)]),
      this.runLine.element, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    if (!model.hasMlmHead) return `This checkpoint (${model.config.architectures[0] ?? model.family.name}) has no masked-language-model head: load a *ForMaskedLM checkpoint, e.g. the built-in fill-mask model.`;
    return model.tokenizer ? undefined : 'This checkpoint has no tokenizer (vocab.txt or tokenizer.json).';
  }

  onModel({ model }: { model: EncoderModel }): void {
    const tok = model.tokenizer;
    const mask = tok?.maskTokenId === undefined ? undefined : tok.idToToken(tok.maskTokenId);
    if (mask && mask !== this.mask) {
      this.text.value = this.text.value.split(this.mask).join(mask);
      this.mask = mask;
    }
    this.last = undefined;
    this.runLine.clear();
    this.out.replaceChildren(placeholder('Type a text with one or more [MASK] tokens and press Fill the mask.'));
  }

  async run(): Promise<void> {
    const text = this.text.value;
    const topK = Number(this.topK.value);
    const candidates = await this.runLine.run((model) => fillMask(model, text, { topK }));
    if (!candidates) return;
    this.last = { text, topK, candidates };
    this.out.replaceChildren(...candidates.map((list, m) => el('div', { class: 'result-block' }, [
      el('h3', { text: candidates.length > 1 ? `${this.mask} ${m + 1} of ${candidates.length}` : this.mask }),
      table(['#', 'token', 'id', 'probability', 'vs. best', 'sequence'], list.map((c, r) => [
        String(r + 1), el('code', { text: c.token }), String(c.tokenId), formatScore(c.score), bar(c.score / list[0].score), c.sequence,
      ])),
    ])));
  }
}
