// Attention explorer: the softmax attention probabilities of every layer and head for a text, from one
// forward with `attentions: true`. With the fused (flash) kernel the maps are exact: the kernel keeps each
// query row's log-sum-exp and a second pass rebuilds exp(score − lse) for every key.
import type { EncoderModel, Encoding } from '../../src/browser.ts';
import type { DemoApp } from '../app.ts';
import { thumbnail } from '../colormap.ts';
import { el, field, formatScore, nextFrame } from '../dom.ts';
import { Heatmap } from '../heatmap.ts';
import { intro, placeholder, RunLine, type Panel } from './panel.ts';

export interface AttentionRun {
  text: string;
  tokens: string[];
  /** Per layer, [heads, seq, seq] (batch 1). */
  maps: Float32Array[];
  heads: number;
  variant: string;
}

export class AttentionPanel implements Panel {
  readonly id = 'attention';
  readonly title = 'Attention';
  readonly element: HTMLElement;
  last: AttentionRun | undefined;
  selected = { layer: 0, head: 0 };
  private text = el('input', { attrs: { type: 'text', spellcheck: false } });
  private layer = el('select', { attrs: { 'data-testid': 'attention-layer' } });
  private head = el('select', { attrs: { 'data-testid': 'attention-head' } });
  private scale = el('select', {}, [
    el('option', { text: 'each map from its min to its max', attrs: { value: 'range' } }),
    el('option', { text: '0 to 1 for every map', attrs: { value: 'absolute' } }),
  ]);
  private heatmap = new Heatmap(440, 36);
  private grid = el('div', { class: 'head-grid', attrs: { role: 'group', 'aria-label': 'All heads: rows are layers, columns are heads', 'data-testid': 'head-grid' } });
  private caption = el('p', { class: 'muted' });
  private out = el('div', { class: 'attention-out', attrs: { hidden: true } });
  private empty = placeholder('Type a text and press Show attention.');
  private runLine: RunLine;
  /** Bumped by every grid draw, so an older draw still yielding between layers stops. */
  private gridDraws = 0;

  constructor(app: DemoApp) {
    this.text.value = 'the cat sat on the mat because it was tired';
    this.runLine = new RunLine(app, 'Show attention', 'attention maps', () => void this.run());
    this.text.addEventListener('keydown', (e) => { if (e.key === 'Enter') void this.run(); });
    this.layer.addEventListener('change', () => this.select(Number(this.layer.value), this.selected.head));
    this.head.addEventListener('change', () => this.select(this.selected.layer, Number(this.head.value)));
    this.scale.addEventListener('change', () => {
      if (!this.last) return;
      this.select(this.selected.layer, this.selected.head);
      void this.drawGrid(this.last);
    });
    this.out.append(
      el('div', { class: 'attention-main' }, [
        el('div', { class: 'row' }, [field('Layer', this.layer), field('Head', this.head), field('Colours', this.scale)]),
        this.caption, this.heatmap.element,
      ]),
      el('div', { class: 'attention-overview' }, [el('h3', { text: 'Every head' }), el('p', { class: 'muted', text: 'Click a map to open it. Rows: layers; columns: heads.' }), this.grid]),
    );
    this.element = el('div', {}, [
      intro('Attention explorer', 'How much each token (row, the query) attends to every token (column, the key), per layer and head. Hover a cell, or focus the map and use the arrow keys, for the exact probability.'),
      field('Text', this.text), this.runLine.element, this.empty, this.out,
    ]);
  }

  unavailable(model: EncoderModel): string | undefined {
    return model.tokenizer ? undefined : 'This checkpoint has no tokenizer (vocab.txt or tokenizer.json).';
  }

  onModel(): void {
    this.last = undefined;
    this.runLine.clear();
    this.out.hidden = true;
    this.empty.hidden = false;
  }

  async run(): Promise<void> {
    const text = this.text.value;
    const run = await this.runLine.run(async (model) => {
      const enc: Encoding = model.tokenizer!.encode(text, { maxLength: model.config.maxPositionEmbeddings, truncation: true });
      const r = await model.forward({ inputIds: [enc.inputIds], tokenTypeIds: [enc.tokenTypeIds] }, {
        attentions: true, hidden: false, pooler: false, logits: false, classifier: false, qa: false,
      });
      return { text, tokens: enc.tokens, maps: r.attentions!, heads: model.config.numAttentionHeads, variant: model.attention };
    });
    if (!run) return;
    this.last = run;
    const options = (n: number, name: string) => Array.from({ length: n }, (_, i) => el('option', { text: `${name} ${i}`, attrs: { value: i } }));
    this.layer.replaceChildren(...options(run.maps.length, 'layer'));
    this.head.replaceChildren(...options(run.heads, 'head'));
    this.empty.hidden = true;
    this.out.hidden = false;
    const { layer, head } = this.selected;
    this.select(Math.min(layer, run.maps.length - 1), Math.min(head, run.heads - 1));
    await this.drawGrid(run);
  }

  /** Shows one head's map in the large heatmap. */
  select(layer: number, head: number): void {
    const run = this.last;
    if (!run) return;
    this.selected = { layer, head };
    this.layer.value = String(layer);
    this.head.value = String(head);
    const S = run.tokens.length;
    const map = run.maps[layer].subarray(head * S * S, (head + 1) * S * S);
    const [min, max] = this.range(map);
    const labels = run.tokens.map((t, i) => `${t} ${i}`);
    this.caption.textContent = `Layer ${layer}, head ${head}: ${S} tokens; each row sums to 1. Maps from the "${run.variant}" attention kernel` +
      (run.variant === 'flash' ? ' (exact probabilities rebuilt from its per-row log-sum-exp).' : '.');
    this.heatmap.show({
      rows: labels, cols: labels, values: map, min, max,
      caption: 'attention probability',
      label: `Attention of layer ${layer}, head ${head}`,
      describe: (i, j, v) => `query "${run.tokens[i]}" (${i}) → key "${run.tokens[j]}" (${j}): ${formatScore(v)} — layer ${layer}, head ${head}`,
    });
    for (const b of this.grid.querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.layer === String(layer) && b.dataset.head === String(head)));
    }
  }

  /**
   * The colour range of a map. Near-uniform attention (short texts, random weights) would be one colour
   * on a 0–1 scale, so by default each map spans its own range; the legend says which.
   */
  private range(map: Float32Array): [number, number] {
    if (this.scale.value === 'absolute') return [0, 1];
    let min = Infinity;
    let max = -Infinity;
    for (const v of map) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return [min, max];
  }

  /** The overview: one thumbnail per (layer, head), a layer per frame so large models never block the page. */
  private async drawGrid(run: AttentionRun): Promise<void> {
    const S = run.tokens.length;
    const draw = ++this.gridDraws;
    this.grid.replaceChildren();
    this.grid.style.gridTemplateColumns = `auto repeat(${run.heads}, minmax(0, 72px))`;
    this.grid.append(el('span'), ...Array.from({ length: run.heads }, (_, h) => el('span', { class: 'grid-label', text: `head ${h}` })));
    for (let l = 0; l < run.maps.length; l++) {
      if (draw !== this.gridDraws) return; // a newer draw replaced this one
      this.grid.append(el('span', { class: 'grid-label', text: `layer ${l}` }));
      for (let h = 0; h < run.heads; h++) {
        const map = run.maps[l].subarray(h * S * S, (h + 1) * S * S);
        const pressed = l === this.selected.layer && h === this.selected.head;
        this.grid.append(el('button', {
          class: 'thumb-button',
          attrs: { type: 'button', 'aria-label': `layer ${l}, head ${h}`, 'aria-pressed': String(pressed), 'data-layer': l, 'data-head': h },
          on: { click: () => this.select(l, h) },
        }, [thumbnail(map, S, S, ...this.range(map))]));
      }
      await nextFrame();
    }
  }
}
