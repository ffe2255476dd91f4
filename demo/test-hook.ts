// `window.demo`: the page's state for the end-to-end tests (tests/browser/demo.spec.ts) and for anyone
// poking at the demo from the console. The tests recompute what a panel shows through `lib`, the same
// library the panels use (`lab`: its research subpath, e.g. the checkpoint generator), and compare.
import type * as Library from '../src/browser.ts';
import type * as Lab from '../src/lab.ts';
import type { DemoApp } from './app.ts';
import type { ModelBar } from './model-bar.ts';
import type { AttentionPanel } from './panels/attention.ts';
import type { ClassifyPanel } from './panels/classify.ts';
import type { FillMaskPanel } from './panels/fill-mask.ts';
import type { NerPanel } from './panels/ner.ts';
import type { QaPanel } from './panels/qa.ts';
import type { SearchPanel } from './panels/search.ts';
import type { SimilarityPanel } from './panels/similarity.ts';
import type { TimingPanel } from './panels/timing.ts';

export interface DemoHook {
  lib: typeof Library;
  lab: typeof Lab;
  app: DemoApp;
  modelBar: ModelBar;
  panels: {
    fillMask: FillMaskPanel;
    similarity: SimilarityPanel;
    search: SearchPanel;
    classify: ClassifyPanel;
    ner: NerPanel;
    qa: QaPanel;
    attention: AttentionPanel;
    timing: TimingPanel;
  };
  /** Resolves when the default model is loaded; rejects with the reason the page cannot run. */
  ready: Promise<void>;
}

export function exposeHook(hook: DemoHook): void {
  (window as unknown as { demo: DemoHook }).demo = hook;
}
