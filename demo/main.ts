// The demo page: gets a WebGPU device (or says why there is none), builds the model bar and the panels,
// and loads the built-in default model.
import * as lib from '../src/browser.ts';
import * as lab from '../src/lab.ts';
import { DemoApp, type Loaded } from './app.ts';
import { el, errorMessage } from './dom.ts';
import { ModelBar } from './model-bar.ts';
import { AttentionPanel } from './panels/attention.ts';
import { ClassifyPanel } from './panels/classify.ts';
import { FillMaskPanel } from './panels/fill-mask.ts';
import { NerPanel } from './panels/ner.ts';
import type { Panel } from './panels/panel.ts';
import { QaPanel } from './panels/qa.ts';
import { SearchPanel } from './panels/search.ts';
import { SimilarityPanel } from './panels/similarity.ts';
import { TimingPanel } from './panels/timing.ts';
import { TokenizerPanel } from './panels/tokenizer.ts';
import { clearNotice, notice, openPageGpu, setStatus } from './status.ts';
import { Tabs } from './tabs.ts';
import { exposeHook } from './test-hook.ts';

async function start(): Promise<void> {
  const gpu = await openPageGpu('Here the demo uses one fixed matmul configuration instead of timing them all (Engine options).');
  if (!gpu) return;
  void gpu.lost.then((error) => {
    notice('device-lost', 'error', 'The GPU device was lost', [error.message, 'Reload the page to start again.']);
    setStatus('GPU device lost', 'error');
  });

  const app = new DemoApp(gpu);
  const modelBar = new ModelBar(app);
  const panels = {
    tokenizer: new TokenizerPanel(),
    fillMask: new FillMaskPanel(app),
    similarity: new SimilarityPanel(app),
    search: new SearchPanel(app),
    classify: new ClassifyPanel(app),
    ner: new NerPanel(app),
    qa: new QaPanel(app),
    attention: new AttentionPanel(app),
    timing: new TimingPanel(app),
  };
  const list: Panel[] = Object.values(panels);
  const unavailableBoxes = new Map(list.map((p) => [p.id, el('p', { class: 'unavailable-box', attrs: { role: 'note', hidden: true } })]));
  const tabs = new Tabs(list.map((p) => ({ id: p.id, title: p.title, panel: el('div', {}, [unavailableBoxes.get(p.id)!, p.element]) })));
  app.onModel((loaded) => {
    for (const p of list) {
      const why = p.unavailable?.(loaded.model);
      const box = unavailableBoxes.get(p.id)!;
      box.textContent = why ?? '';
      box.hidden = !why;
      p.element.hidden = Boolean(why);
      tabs.setAvailable(p.id, !why, why);
      p.onModel?.(loaded);
    }
    showWeightsNote(loaded);
  });
  document.getElementById('app')!.append(modelBar.element, tabs.element);

  const ready = modelBar.loadBuiltIn('BertForMaskedLM').then((loaded) => {
    if (!loaded) throw new Error('the built-in model did not load (see the model bar)');
  });
  exposeHook({ lib, lab, app, modelBar, panels, ready });
  await ready;
}

/** Random weights make every prediction meaningless: say so while such a model is loaded. */
function showWeightsNote({ source }: Loaded): void {
  if (!source.randomWeights) {
    clearNotice('random-weights');
    return;
  }
  notice('random-weights', 'info', 'This model has random weights', [
    el('p', {}, [
      'The built-in models are generated in the page from a fixed seed: their predictions, similarities and attention patterns mean nothing. ',
      'For real results, drop a Hugging Face checkpoint folder (BERT, DistilBERT, RoBERTa, XLM-R, ELECTRA, MPNet, ModernBERT, NomicBERT; sentence-transformers folders too: config.json, model.safetensors, tokenizer.json or vocab.txt) on the model bar, pick it with Folder…, ',
      'or load a URL base such as ', el('code', { text: 'https://huggingface.co/google-bert/bert-base-uncased/resolve/main/' }), '.',
    ]),
  ]);
}

start().catch((e) => {
  setStatus(`failed to start: ${errorMessage(e)}`, 'error');
});
