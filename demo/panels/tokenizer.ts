// Tokenizer view: the model's WordPiece tokens and ids for a text (and an optional pair), as you type.
// Tokenizing is cheap and runs on the CPU, so this panel needs no Run button.
import type { EncoderModel, Encoding } from '../../src/browser.ts';
import { el, errorMessage, field } from '../dom.ts';
import type { Panel } from './panel.ts';
import { intro } from './panel.ts';

export class TokenizerPanel implements Panel {
  readonly id = 'tokenizer';
  readonly title = 'Tokenizer';
  readonly element: HTMLElement;
  private text = el('textarea', { attrs: { rows: 2, spellcheck: false } });
  private pair = el('input', { attrs: { type: 'text', spellcheck: false, placeholder: '(optional) a second text: token type 1' } });
  private out = el('div', { class: 'tokens', attrs: { 'data-testid': 'tokens', 'aria-live': 'polite' } });
  private summary = el('p', { class: 'muted' });
  private model: EncoderModel | undefined;

  constructor() {
    this.text.value = 'WebGPU runs BERT in the browser, unbelievably.';
    const update = () => this.render();
    this.text.addEventListener('input', update);
    this.pair.addEventListener('input', update);
    this.element = el('div', {}, [
      intro('Tokenizer', 'How the checkpoint\'s tokenizer splits a text into WordPiece tokens: each chip shows the token, its id, and its token type (0 first text, 1 pair).'),
      field('Text', this.text), field('Pair', this.pair),
      this.summary, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    return model.tokenizer ? undefined : 'This checkpoint has neither vocab.txt nor tokenizer.json, so it has no tokenizer.';
  }

  onModel({ model }: { model: EncoderModel }): void {
    this.model = model;
    this.render();
  }

  private render(): void {
    const tokenizer = this.model?.tokenizer;
    if (!tokenizer) return;
    let enc: Encoding;
    try {
      enc = tokenizer.encode(this.text.value, this.pair.value ? { pair: this.pair.value } : {});
    } catch (e) {
      this.summary.textContent = errorMessage(e);
      this.out.replaceChildren();
      return;
    }
    const unk = enc.inputIds.filter((id) => id === tokenizer.unkTokenId).length;
    this.summary.textContent = `${enc.tokens.length} tokens${unk ? `, ${unk} unknown ([UNK])` : ''}; the model takes at most ${this.model!.config.maxPositionEmbeddings}.`;
    this.out.replaceChildren(...enc.tokens.map((t, i) => el('span', {
      class: `token type${enc.tokenTypeIds[i]}${enc.sequenceIds[i] === null ? ' special' : ''}`,
      attrs: { 'data-id': enc.inputIds[i], title: `position ${i}, id ${enc.inputIds[i]}, type ${enc.tokenTypeIds[i]}` },
    }, [el('span', { class: 'token-text', text: t }), el('span', { class: 'token-id', text: String(enc.inputIds[i]) })])));
  }
}
