// Extractive question answering: the best answer spans in a context, from the QA head's start and end
// logits (the library's questionAnswering).
import { questionAnswering, type Answer, type EncoderModel } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { el, field, formatScore, table } from '../dom.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

export class QaPanel implements Panel {
  readonly id = 'qa';
  readonly title = 'Question answering';
  readonly element: HTMLElement;
  last: { question: string; context: string; answers: Answer[] } | undefined;
  private question = el('input', { attrs: { type: 'text', spellcheck: false } });
  private context = el('textarea', { attrs: { rows: 4, spellcheck: false } });
  private out = el('div', { attrs: { 'data-testid': 'qa-results' } });
  private runLine: RunLine;

  constructor(app: DemoApp) {
    this.question.value = 'where did the cat sit?';
    this.context.value = 'the cat sat on the mat in the kitchen, while the dog slept in the garden.';
    this.runLine = new RunLine(app, 'Answer', 'question answering', () => void this.run());
    this.out.append(placeholder('Ask a question about the context and press Answer.'));
    this.element = el('div', {}, [
      intro('Question answering', 'The QA head scores every context token as the start and the end of the answer; the best spans are shown with their probability.'),
      field('Question', this.question), field('Context', this.context),
      this.runLine.element, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    if (model.hasQaHead && model.tokenizer) return undefined;
    return 'This checkpoint has no question-answering head: load a BertForQuestionAnswering checkpoint, e.g. the built-in question answering model.';
  }

  onModel(): void {
    this.last = undefined;
    this.runLine.clear();
    this.out.replaceChildren(placeholder('Ask a question about the context and press Answer.'));
  }

  async run(): Promise<void> {
    const question = this.question.value;
    const context = this.context.value;
    const answers = await this.runLine.run((model) => questionAnswering(model, question, context, { topK: 3 }));
    if (!answers) return;
    this.last = { question, context, answers };
    const best = answers[0];
    const shown = best
      ? el('p', { class: 'marked-text' }, [context.slice(0, best.start), el('mark', { text: context.slice(best.start, best.end) }), context.slice(best.end)])
      : placeholder('No answer found.');
    this.out.replaceChildren(shown, table(['#', 'answer', 'probability', 'characters'],
      answers.map((a, i) => [String(i + 1), el('strong', { text: a.answer }), formatScore(a.score), `${a.start}–${a.end}`])));
  }
}
