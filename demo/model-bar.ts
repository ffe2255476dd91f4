// The model bar: load a built-in random-weight model, a Hugging Face folder from disk (picker or drag and
// drop) or a URL base; engine options; the progress bar; a summary of the current model. A failed load
// shows the loader's one-line error and leaves the current model loaded.
import {  } from '../src/browser.ts';
import { ATTENTION_VARIANTS, DEFAULT_ATTENTION_ORDER, DEFAULT_MODEL_OPTIONS, MATMUL_CONFIGS, generateCheckpoint, type Architecture } from '../src/lab.ts';
import type { DemoApp, EngineOptions, Loaded, LoadRequest } from './app.ts';
import { button, el, errorMessage, field, formatBytes, formatMs } from './dom.ts';
import { checkpointFiles, explainMissing, fromDrop, fromInput, readFiles, type PickedFile } from './model-files.ts';
import { ProgressBar } from './progress.ts';
import { setStatus } from './status.ts';

/** The built-in models: DEFAULT_MODEL_OPTIONS with each head, generated in the page from a fixed seed. */
export const BUILT_INS: { architecture: Architecture; label: string }[] = [
  { architecture: 'BertForMaskedLM', label: 'fill-mask (BertForMaskedLM, the default)' },
  { architecture: 'BertForSequenceClassification', label: 'text classification (BertForSequenceClassification)' },
  { architecture: 'BertForTokenClassification', label: 'NER (BertForTokenClassification)' },
  { architecture: 'BertForQuestionAnswering', label: 'question answering (BertForQuestionAnswering)' },
  { architecture: 'BertModel', label: 'embeddings only (BertModel with pooler)' },
  { architecture: 'DistilBertForMaskedLM', label: 'fill-mask, DistilBERT (DistilBertForMaskedLM)' },
  { architecture: 'RobertaForMaskedLM', label: 'fill-mask, RoBERTa: byte-level BPE (RobertaForMaskedLM)' },
  { architecture: 'XLMRobertaForMaskedLM', label: 'fill-mask, XLM-R: Unigram (XLMRobertaForMaskedLM)' },
  { architecture: 'ElectraForPreTraining', label: 'ELECTRA discriminator (ElectraForPreTraining)' },
  { architecture: 'AlbertForMaskedLM', label: 'fill-mask, ALBERT: one layer group run by every layer (AlbertForMaskedLM)' },
];

export class ModelBar {
  readonly element: HTMLElement;
  private progress = new ProgressBar();
  private summary = el('p', { class: 'model-summary', attrs: { 'data-testid': 'model-summary' } });
  private error = el('p', { class: 'load-error', attrs: { role: 'alert', 'data-testid': 'load-error', hidden: true } });
  private builtIn = el('select', {}, BUILT_INS.map((b) => el('option', { text: b.label, attrs: { value: b.architecture } })));
  private url = el('input', { attrs: { type: 'url', placeholder: 'https://…/bert-base-uncased/ (a folder with config.json)', spellcheck: false } });
  private folderInput = el('input', { attrs: { type: 'file', webkitdirectory: true, multiple: true, hidden: true, 'data-testid': 'folder-input' } });
  private filesInput = el('input', { attrs: { type: 'file', multiple: true, hidden: true, accept: '.json,.txt,.safetensors', 'data-testid': 'files-input' } });
  private matmul = el('select', {}, [el('option', { text: 'autotune (time each configuration once per shape)', attrs: { value: 'autotune' } }),
    ...MATMUL_CONFIGS.map((c) => el('option', { text: c.name, attrs: { value: c.name } }))]);
  private attention = el('select', {}, [el('option', { text: `auto: the first that takes the head dim (${DEFAULT_ATTENTION_ORDER.join(', ')})`, attrs: { value: '' } }),
    ...ATTENTION_VARIANTS.map((v) => el('option', { text: `${v.name}: ${v.describe}`, attrs: { value: v.name } }))]);
  private weights = el('select', {}, [
    el('option', { text: "auto: the checkpoint's own storage (F16 stays f16, int8 stays int8)", attrs: { value: 'auto' } }),
    el('option', { text: 'f32', attrs: { value: 'f32' } }),
    el('option', { text: 'f16 (half the memory; f32 arithmetic)', attrs: { value: 'f16' } }),
    el('option', { text: 'int8 (Linear weights quantized on load, per row and group of 64)', attrs: { value: 'int8' } }),
  ]);
  private controls: HTMLElement[] = [];
  private busy = false;

  constructor(private app: DemoApp) {
    // SwiftShader takes seconds per shape to time every matmul configuration: one fixed choice keeps the
    // first run of each panel quick there (unrolled4x4 is the fastest configuration there: see matmul-unrolled.wgsl).
    this.matmul.value = app.gpu.adapter.isFallback ? 'unrolled4x4' : 'autotune';
    this.attention.value = '';
    const loadBuiltIn = button('Load', () => void this.loadBuiltIn(this.builtIn.value as Architecture), 'secondary');
    const loadUrl = button('Load URL', () => void this.loadUrl(), 'secondary');
    const pickFolder = button('Folder…', () => this.folderInput.click(), 'secondary');
    const pickFiles = button('Files…', () => this.filesInput.click(), 'secondary');
    this.controls = [this.builtIn, loadBuiltIn, this.url, loadUrl, pickFolder, pickFiles];
    this.url.addEventListener('keydown', (e) => { if (e.key === 'Enter') void this.loadUrl(); });
    this.folderInput.addEventListener('change', () => void this.loadPicked(fromInput(this.folderInput), this.folderInput));
    this.filesInput.addEventListener('change', () => void this.loadPicked(fromInput(this.filesInput), this.filesInput));

    const drop = el('div', { class: 'source drop-zone', attrs: { 'data-testid': 'drop-zone' } }, [
      el('span', { class: 'source-title', text: 'Your own model: drop a folder on the page, or' }),
      el('div', { class: 'row' }, [pickFolder, pickFiles]),
      el('span', { class: 'hint', text: 'a Hugging Face checkpoint folder (BERT, DistilBERT, RoBERTa, XLM-R, ELECTRA, MPNet, ModernBERT, NomicBERT; sentence-transformers folders): config.json, model.safetensors (or index + shards), tokenizer.json, vocab.txt or vocab.json + merges.txt' }),
    ]);
    this.listenForDrops(drop);
    this.element = el('section', { class: 'model-bar card', attrs: { 'aria-label': 'Model' } }, [
      el('div', { class: 'sources' }, [
        el('div', { class: 'source' }, [field('Built-in model (random weights)', this.builtIn), loadBuiltIn]),
        el('div', { class: 'source' }, [field('Or a URL base', this.url), loadUrl,
          el('span', { class: 'hint', text: 'a folder URL whose server allows cross-origin requests (Hugging Face: …/resolve/main/)' })]),
        drop,
      ]),
      this.folderInput, this.filesInput,
      el('div', { class: 'status-row' }, [this.progress.element, this.error]),
      el('div', { class: 'summary-row' }, [this.summary, el('details', { class: 'engine-options' }, [
        el('summary', { text: 'Engine options' }),
        el('p', { class: 'hint', text: 'They apply to the next load.' }),
        field('Matmul', this.matmul), field('Attention', this.attention), field('Weights', this.weights),
      ])]),
    ]);
    app.onModel((loaded) => this.showSummary(loaded));
  }

  get options(): EngineOptions {
    return { matmul: this.matmul.value, attention: this.attention.value, weights: this.weights.value as EngineOptions['weights'] };
  }

  loadBuiltIn(architecture: Architecture): Promise<Loaded | undefined> {
    const entry = BUILT_INS.find((b) => b.architecture === architecture)!;
    return this.load({
      source: { kind: 'built-in', label: `built-in ${entry.label}`, randomWeights: true },
      files: async () => generateCheckpoint({ ...DEFAULT_MODEL_OPTIONS, architecture }),
    });
  }

  private async loadUrl(): Promise<Loaded | undefined> {
    const url = this.url.value.trim();
    if (!url) return this.fail('type the URL of a folder that holds config.json, model.safetensors and tokenizer.json (or vocab.txt)');
    return this.load({ source: { kind: 'url', label: url, randomWeights: false }, files: url });
  }

  private async loadPicked(picked: PickedFile[], input?: HTMLInputElement): Promise<Loaded | undefined> {
    if (input) input.value = ''; // picking the same folder again must fire `change` again
    let files: Map<string, File>;
    try {
      files = checkpointFiles(picked);
    } catch (e) {
      return this.fail(errorMessage(e));
    }
    const folder = picked[0].path.includes('/') ? picked[0].path.split('/')[0] : `${files.size} files`;
    return this.load({ source: { kind: 'files', label: folder, randomWeights: false }, files: (onProgress) => readFiles(files, onProgress) }, picked);
  }

  private async load(req: Omit<LoadRequest, 'options' | 'onProgress'>, picked: PickedFile[] = []): Promise<Loaded | undefined> {
    if (this.busy) return undefined;
    this.setBusy(true);
    this.error.hidden = true;
    this.progress.start(`Loading ${req.source.label}…`, req.source.kind === 'url');
    setStatus(`loading ${req.source.label}…`, 'busy');
    try {
      const loaded = await this.app.load({ ...req, options: this.options, onProgress: (p) => this.progress.update(p) });
      this.progress.finish(`Loaded in ${formatMs(loaded.timings.totalMs)}`);
      setStatus(`ready: ${req.source.label}`);
      return loaded;
    } catch (e) {
      this.progress.hide();
      return this.fail(explainMissing(errorMessage(e), picked));
    } finally {
      this.setBusy(false);
    }
  }

  private fail(message: string): undefined {
    this.error.textContent = `Could not load the model: ${message}${this.app.model ? ' (the previous model is still loaded)' : ''}`;
    this.error.hidden = false;
    setStatus('loading failed', 'error');
    return undefined;
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    for (const c of this.controls) (c as HTMLButtonElement).disabled = busy;
  }

  /**
   * A drop anywhere on the page loads the model (the zone lights up while something is dragged): a file
   * dropped outside a handler would make the browser navigate to it, away from the page.
   */
  private listenForDrops(zone: HTMLElement): void {
    const carriesFiles = (e: DragEvent) => Boolean(e.dataTransfer?.types.includes('Files'));
    window.addEventListener('dragover', (e) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      zone.classList.add('over');
    });
    window.addEventListener('dragleave', (e) => {
      if (e.relatedTarget === null) zone.classList.remove('over'); // left the window
    });
    window.addEventListener('drop', (e) => {
      zone.classList.remove('over');
      if (!e.dataTransfer || !carriesFiles(e)) return;
      e.preventDefault();
      void fromDrop(e.dataTransfer).then((picked) => this.loadPicked(picked), (err) => this.fail(errorMessage(err)));
    });
  }

  private showSummary({ model, source, options }: Loaded): void {
    const c = model.config;
    const dtypes = Object.entries(model.checkpoint.dtypeSummary).map(([d, s]) => `${d} ×${s.tensors}`).join(', ');
    const heads = [model.hasMlmHead && 'MLM head', model.hasPooler && 'pooler', model.classifier && `${model.classifier} classifier`, model.hasQaHead && 'QA head']
      .filter(Boolean).join(', ') || 'no head';
    this.summary.replaceChildren(
      el('strong', { text: c.architectures[0] ?? c.modelType }),
      ` · hidden ${c.hiddenSize} · ${plural(c.numHiddenLayers, 'layer')} · ${plural(c.numAttentionHeads, 'head')} · vocab ${c.vocabSize} · ${heads} · `,
      `${formatBytes(model.stats().weightBytes)} of weights on the GPU (${storage(model.stats().weightStorage)}; files: ${dtypes}) · attention ${model.attention} · matmul ${options.matmul} · from ${source.label}`,
    );
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** "f16 ×12 (1.2 MiB), f32 ×19 (3 KiB)": the weights on the GPU by storage format. */
const storage = (s: Record<string, { tensors: number; bytes: number } | undefined>) =>
  Object.entries(s).filter(([, v]) => v).map(([d, v]) => `${d} ×${v!.tensors} (${formatBytes(v!.bytes)})`).join(', ');
