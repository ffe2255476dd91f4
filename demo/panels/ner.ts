// Named entities: the token classifier's labels, shown over the text and as a table (the library's
// tokenClassification, tokens merged into entity groups or one row per token).
import { tokenClassification, type Aggregation, type EncoderModel, type EntityGroup, type TokenEntity } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { el, field, formatScore, table } from '../dom.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

type Entity = EntityGroup | TokenEntity;
const labelOf = (e: Entity) => ('entity_group' in e ? e.entity_group : e.entity);

export class NerPanel implements Panel {
  readonly id = 'ner';
  readonly title = 'NER';
  readonly element: HTMLElement;
  last: { text: string; aggregation: Aggregation; entities: Entity[] } | undefined;
  private text = el('textarea', { attrs: { rows: 3, spellcheck: false } });
  private aggregation = el('select', {}, [el('option', { text: 'merge B-/I- runs into entities', attrs: { value: 'simple' } }), el('option', { text: 'one row per token', attrs: { value: 'none' } })]);
  private out = el('div', { attrs: { 'data-testid': 'ner-results' } });
  private runLine: RunLine;

  constructor(app: DemoApp) {
    this.text.value = 'Ada Lovelace worked with Charles Babbage in London.';
    this.runLine = new RunLine(app, 'Find entities', 'NER', () => void this.run());
    this.out.append(placeholder('Type a text and press Find entities.'));
    this.element = el('div', {}, [
      intro('Named entities', 'The token classifier labels every token (labels "O" are left out); spans are marked in the original text.'),
      el('div', { class: 'row' }, [field('Text', this.text), field('Show', this.aggregation)]),
      this.runLine.element, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    if (model.classifier === 'token' && model.tokenizer) return undefined;
    return 'This checkpoint has no token classification head: load a BertForTokenClassification checkpoint, e.g. the built-in NER model.';
  }

  onModel(): void {
    this.last = undefined;
    this.runLine.clear();
    this.out.replaceChildren(placeholder('Type a text and press Find entities.'));
  }

  async run(): Promise<void> {
    const text = this.text.value;
    const aggregation = this.aggregation.value as Aggregation;
    const entities = await this.runLine.run((model) => tokenClassification(model, text, { aggregation }));
    if (!entities) return;
    this.last = { text, aggregation, entities };
    if (entities.length === 0) {
      this.out.replaceChildren(placeholder('No entities found (every token was labelled O).'));
      return;
    }
    this.out.replaceChildren(marked(text, entities), table(['entity', 'text', 'probability', 'characters'],
      entities.map((e) => [el('strong', { text: labelOf(e) }), e.word, formatScore(e.score), `${e.start}–${e.end}`])));
  }
}

/** The text with each entity's span wrapped in a <mark> labelled with its entity type. */
function marked(text: string, entities: Entity[]): HTMLElement {
  const out = el('p', { class: 'marked-text' });
  let at = 0;
  for (const e of [...entities].sort((a, b) => a.start - b.start)) {
    if (e.start < at) continue; // overlapping spans (never from 'simple'): keep the first
    out.append(text.slice(at, e.start), el('mark', { attrs: { title: `${labelOf(e)} ${formatScore(e.score)}` } }, [text.slice(e.start, e.end), el('sub', { text: labelOf(e) })]));
    at = e.end;
  }
  out.append(text.slice(at));
  return out;
}
