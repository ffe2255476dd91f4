// The demo end to end in Chromium: it opens with the built-in model, every panel runs, and the numbers it
// shows are the engine's (recomputed through the library in the same page); models load from a URL on
// 127.0.0.1, from a folder, from dropped files and from picked files; a failed load keeps the old model.
// Each panel is photographed into the test's artifacts (and DEMO_SCREENSHOTS when set).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEFAULT_MODEL_OPTIONS, generateCheckpoint } from '../../src/model/generate.ts';
import { writeCheckpointFolder } from '../../src/model/generate-node.ts';
import { expectShown, hoverCell, openTab, runPanel, screenshot, tableCells, tipValue, type DemoWindow } from './demo-page.ts';

test.describe.configure({ mode: 'serial' });

let page: Page;
let scratch: string;

test.beforeAll(async ({ browser }) => {
  scratch = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-demo-'));
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`page console: ${m.text()}`); });
  await page.goto('/demo/');
  // No adapter fails here: `ready` rejects when the default model cannot load.
  await page.waitForFunction(() => (window as unknown as Partial<DemoWindow>).demo !== undefined, null, { timeout: 60_000 });
  await page.evaluate(() => (window as unknown as DemoWindow).demo.ready);
  console.log(`adapter: ${await page.locator('#adapter').textContent()}`);
});

test.afterAll(async () => {
  await page?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const summary = () => page.getByTestId('model-summary');

test('opens with the built-in model, says what it runs on and that the weights are random', async ({}, testInfo) => {
  await expect(summary()).toContainText('BertForMaskedLM');
  await expect(summary()).toContainText(`hidden ${DEFAULT_MODEL_OPTIONS.hiddenSize}`);
  await expect(page.locator('#random-weights')).toContainText('random weights');
  const fallback = await page.evaluate(() => (window as unknown as DemoWindow).demo.app.gpu.adapter.isFallback);
  await expect(page.locator('#fallback-adapter')).toHaveCount(fallback ? 1 : 0);
  await expect(page.locator('#status')).toContainText('ready');
  // Heads this checkpoint lacks are marked and explained, not hidden.
  await openTab(page, 'qa');
  await expect(page.locator('#panel-qa .unavailable-box')).toContainText('no question-answering head');
  await openTab(page, 'tokenizer');
  // Tabs follow the ARIA pattern: arrow keys move the selection.
  await page.locator('[role="tab"][data-tab="tokenizer"]').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[role="tab"][data-tab="fill-mask"]')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-fill-mask')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#panel-tokenizer')).toBeVisible();
  await screenshot(page, testInfo, '01-overview-tokenizer');
});

test('tokenizer view shows the tokenizer\'s tokens and ids', async () => {
  const text = 'Ada sat on the mat, unbelievably.';
  await page.locator('#panel-tokenizer').getByLabel('Text', { exact: true }).fill(text);
  const shown = await page.getByTestId('tokens').locator('.token').evaluateAll((chips) => chips.map((c) => [c.querySelector('.token-text')!.textContent, Number(c.getAttribute('data-id'))]));
  const want = await page.evaluate((t) => {
    const enc = (window as unknown as DemoWindow).demo.app.model!.tokenizer!.encode(t);
    return enc.tokens.map((tok, i) => [tok, enc.inputIds[i]]);
  }, text);
  expect(shown).toEqual(want);
});

test('fill-mask shows fillMask\'s candidates and probabilities', async ({}, testInfo) => {
  const text = 'the cat sat on the [MASK] .';
  await openTab(page, 'fill-mask');
  await page.locator('#panel-fill-mask').getByLabel('Text with mask tokens').fill(text);
  await runPanel(page, 'fill-mask', 'Fill the mask');
  const rows = await tableCells(page, '[data-testid="fill-mask-results"] table');
  const want = await page.evaluate((t) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.fillMask(d.app.model!, t, { topK: 5 });
  }, text);
  expect(rows.length).toBe(5);
  rows.forEach((r, i) => {
    expect(Number(r[2]), `candidate ${i} id`).toBe(want[0][i].tokenId);
    expect(r[1]).toBe(want[0][i].token);
    expectShown(Number(r[3]), want[0][i].score, `candidate ${i} probability`);
  });
  await screenshot(page, testInfo, '02-fill-mask');
});

test('similarity shows similarity()\'s matrix, in the table and the heatmap tooltip', async ({}, testInfo) => {
  const texts = ['a cat sat on the mat', 'a dog lay on the rug', 'the weather is cold today'];
  await openTab(page, 'similarity');
  await page.locator('#panel-similarity').getByLabel('Sentences, one per line').fill(texts.join('\n'));
  await runPanel(page, 'similarity', 'Compare');
  const want = await page.evaluate((t) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.similarity(d.app.model!, t);
  }, texts);
  const rows = await tableCells(page, '[data-testid="similarity-results"] table');
  expect(rows.length).toBe(texts.length);
  rows.forEach((r, i) => r.slice(1).forEach((v, j) => expectShown(Number(v), want.matrix[i][j], `matrix[${i}][${j}]`)));
  const tip = await hoverCell(page, '#panel-similarity', 0, 2);
  expect(tip).toContain(`"${texts[0]}" vs "${texts[2]}"`);
  expectShown(tipValue(tip), want.matrix[0][2], 'tooltip of cell (0, 2)');
  await screenshot(page, testInfo, '03-similarity');
});

test('attention explorer shows the fused kernel\'s maps for any layer and head', async ({}, testInfo) => {
  const text = 'the cat sat on the mat because it was tired';
  const { layers, heads } = await page.evaluate(() => {
    const c = (window as unknown as DemoWindow).demo.app.model!.config;
    return { layers: c.numHiddenLayers, heads: c.numAttentionHeads };
  });
  await openTab(page, 'attention');
  await page.locator('#panel-attention').getByLabel('Text', { exact: true }).fill(text);
  await runPanel(page, 'attention', 'Show attention');
  await expect(page.getByTestId('head-grid').locator('button')).toHaveCount(layers * heads);
  const want = (layer: number, head: number, i: number, j: number) => page.evaluate(async (a) => {
    const m = (window as unknown as DemoWindow).demo.app.model!;
    const enc = m.tokenizer!.encode(a.text);
    const r = await m.forward({ inputIds: [enc.inputIds] }, { attentions: true });
    const S = enc.inputIds.length;
    return r.attentions![a.layer][(a.head * S + a.i) * S + a.j];
  }, { text, layer, head, i, j });

  const layer = layers - 1;
  const head = heads - 1;
  await page.getByTestId('attention-layer').selectOption(String(layer));
  await page.getByTestId('attention-head').selectOption(String(head));
  const tip = await hoverCell(page, '#panel-attention', 3, 5);
  expect(tip).toContain(`layer ${layer}, head ${head}`);
  expectShown(tipValue(tip), await want(layer, head, 3, 5), `attention layer ${layer} head ${head} (3, 5)`);
  await screenshot(page, testInfo, '04-attention');

  // The overview opens a head on click; the map is reachable from the keyboard.
  await page.getByTestId('head-grid').getByRole('button', { name: 'layer 0, head 1' }).click();
  await expect(page.getByTestId('attention-layer')).toHaveValue('0');
  await expect(page.getByTestId('attention-head')).toHaveValue('1');
  await page.locator('#panel-attention [data-testid="heatmap-cells"]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  const keyed = page.locator('#panel-attention [data-testid="heatmap-tip"]');
  await expect(keyed).toHaveAttribute('data-row', '1');
  await expect(keyed).toHaveAttribute('data-col', '1');
  expectShown(tipValue((await keyed.textContent())!), await want(0, 1, 1, 1), 'attention layer 0 head 1 (1, 1) by keyboard');
});

test('performance panel times the forward and shows the stage breakdown and dispatch count', async ({}, testInfo) => {
  await openTab(page, 'timing');
  await expect(page.getByTestId('load-facts')).toContainText('compile (first − second)');
  await expect(page.getByTestId('load-facts')).toContainText(/engine: first plan.*pipelines compiled/);
  await page.locator('#panel-timing').getByLabel('Steady runs').fill('3');
  await runPanel(page, 'timing', 'Measure');
  const facts = page.getByTestId('forward-facts');
  await expect(facts).toContainText('median of 3');
  const { dispatches, timestamps } = await page.evaluate(() => {
    const d = (window as unknown as DemoWindow).demo;
    return { dispatches: d.app.model!.stats().dispatchesPerForward, timestamps: d.app.gpu.hasTimestamps };
  });
  await expect(facts.locator('dt:text-is("dispatches per forward") + dd')).toHaveText(new RegExp(`^${dispatches} `));
  if (timestamps) {
    const stages = await tableCells(page, '[data-testid="stage-table"] table');
    expect(stages.length).toBeGreaterThan(3);
    expect(stages.reduce((a, r) => a + Number(r[1]), 0), 'dispatches summed over the stages').toBe(dispatches);
  } else {
    await expect(page.getByTestId('timing-results')).toContainText('no GPU timestamps');
  }
  await screenshot(page, testInfo, '05-performance');
});

/** Waits for the model bar to show a new model (or fails with the load error it shows). */
async function waitForModel(text: string): Promise<void> {
  const error = page.getByTestId('load-error');
  await expect(summary(), `the model bar shows: ${await error.textContent()}`).toContainText(text, { timeout: 60_000 });
  await expect(error).toBeHidden();
}

test('search embeds the corpus in the page and ranks it as featureExtraction\'s cosines do; a cross-encoder reranks', async ({ baseURL }, testInfo) => {
  await openTab(page, 'search');
  const panel = page.locator('#panel-search');
  await panel.getByLabel('Query').fill('snow and rain this weekend');
  await runPanel(page, 'search', 'Embed corpus');
  await expect(panel.locator('progress')).toHaveAttribute('value', '1');
  await runPanel(page, 'search', 'Search');
  const shown = await tableCells(page, '[data-testid="search-results"] table.search-hits');
  const want = await page.evaluate(async () => {
    const d = (window as unknown as DemoWindow).demo;
    const texts = d.panels.search.corpus!.texts;
    const [q, ...docs] = await d.lib.featureExtraction(d.app.model!, ['snow and rain this weekend', ...texts], { normalize: true });
    const scores = docs.map((v, i) => ({ i, s: v.reduce((a, x, k) => a + x * q[k], 0) })).sort((a, b) => b.s - a.s || a.i - b.i);
    return scores.slice(0, 5).map((x) => ({ text: texts[x.i], score: x.s }));
  });
  expect(shown.map((r) => r[2])).toEqual(want.map((w) => w.text));
  shown.forEach((r, i) => expectShown(Number(r[1]), want[i].score, `hit ${i + 1}`));
  await expect(page.getByTestId('search-plot').locator('circle')).toHaveCount(25);
  await screenshot(page, testInfo, '13-search');
  // Reranking with the cross-encoder fixture, served from 127.0.0.1.
  await panel.getByLabel('Rerank the top 10 with').fill(`${baseURL}/tests/fixtures/sentence/cross-encoder/`);
  await runPanel(page, 'search', 'Search');
  const reranked = await tableCells(page, '[data-testid="search-results"] table.search-reranked');
  const wantRerank = await page.evaluate(async (url) => {
    const d = (window as unknown as DemoWindow).demo;
    const top = d.panels.search.last!.hits;
    const ce = await d.lib.loadModel(url, { gpu: d.app.gpu });
    const all = d.panels.search.corpus!;
    const [q, ...docs] = await d.lib.featureExtraction(d.app.model!, ['snow and rain this weekend', ...all.texts], { normalize: true });
    const order = docs.map((v, i) => ({ i, s: v.reduce((a, x, k) => a + x * q[k], 0) })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 10);
    const r = await d.lib.rerank(ce, 'snow and rain this weekend', order.map((o) => all.texts[o.i]));
    ce.dispose();
    return { top: top.length, ranked: r.slice(0, 5).map((x) => ({ text: x.document, score: x.score })) };
  }, `${baseURL}/tests/fixtures/sentence/cross-encoder/`);
  expect(wantRerank.top).toBe(5);
  expect(reranked.map((r) => r[2])).toEqual(wantRerank.ranked.map((w) => w.text));
  reranked.forEach((r, i) => expectShown(Number(r[1]), wantRerank.ranked[i].score, `reranked ${i + 1}`));
  await screenshot(page, testInfo, '14-search-rerank');
});

test('loads a checkpoint from a URL on 127.0.0.1, and a URL without one leaves it loaded', async ({ baseURL }, testInfo) => {
  // Kept to check that switching models disposed it.
  await page.evaluate(() => { (window as unknown as { previous: unknown }).previous = (window as unknown as DemoWindow).demo.app.model; });
  const url = page.locator('.model-bar').getByLabel('Or a URL base');
  await url.fill(`${baseURL}/tests/fixtures/pytorch-bert-mlm-h32/`);
  await page.getByRole('button', { name: 'Load URL' }).click();
  await waitForModel('hidden 32');
  await expect(page.locator('#random-weights')).toHaveCount(0);
  const previous = await page.evaluate(async () => {
    const old = (window as unknown as { previous: DemoWindow['demo']['app']['model'] }).previous!;
    return old.forward({ inputIds: [[2, 3]] }).then(() => 'still usable', (e: Error) => e.message);
  });
  expect(previous).toBe('this model was disposed');

  await url.fill(`${baseURL}/tests/fixtures/no-such-model/`);
  await page.getByRole('button', { name: 'Load URL' }).click();
  const error = page.getByTestId('load-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toContainText(`config.json: not found: HTTP 404 for ${baseURL}/tests/fixtures/no-such-model/config.json`);
  await expect(error).toContainText('the previous model is still loaded');
  await expect(summary()).toContainText('hidden 32');

  await openTab(page, 'fill-mask');
  await runPanel(page, 'fill-mask', 'Fill the mask');
  const rows = await tableCells(page, '[data-testid="fill-mask-results"] table');
  const text = await page.locator('#panel-fill-mask').getByLabel('Text with mask tokens').inputValue();
  const want = await page.evaluate((t) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.fillMask(d.app.model!, t, { topK: 5 });
  }, text);
  rows.forEach((r, i) => expectShown(Number(r[3]), want[0][i].score, `candidate ${i} probability (fixture model)`));
  await screenshot(page, testInfo, '06-url-load-error');
});

test('loads a folder picked from disk (text classification) and an incomplete one leaves it loaded', async ({}, testInfo) => {
  const dir = path.join(scratch, 'bert-sst2');
  await writeCheckpointFolder(dir, generateCheckpoint({ ...DEFAULT_MODEL_OPTIONS, architecture: 'BertForSequenceClassification', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, seed: 5 }));
  await page.getByTestId('folder-input').setInputFiles(dir);
  await waitForModel('BertForSequenceClassification');
  await expect(summary()).toContainText('from bert-sst2');

  await openTab(page, 'classify');
  await runPanel(page, 'classify', 'Classify');
  const rows = await tableCells(page, '[data-testid="classify-results"] table');
  const text = await page.locator('#panel-classify').getByLabel('Text', { exact: true }).inputValue();
  const want = await page.evaluate((t) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.classify(d.app.model!, t, { topK: null });
  }, text);
  expect(rows.map((r) => r[0])).toEqual(want.map((s) => s.label));
  rows.forEach((r, i) => expectShown(Number(r[1]), want[i].score, `label ${want[i].label}`));
  await screenshot(page, testInfo, '07-classification');

  // Config and vocabulary but PyTorch weights only: the loader's one-line error, plus why.
  const broken = path.join(scratch, 'bert-pt-only');
  const files = generateCheckpoint({ ...DEFAULT_MODEL_OPTIONS, hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 });
  await writeCheckpointFolder(broken, new Map([['config.json', files.get('config.json')!], ['vocab.txt', files.get('vocab.txt')!]]));
  await writeFile(path.join(broken, 'pytorch_model.bin'), 'not a real weight file');
  await page.getByTestId('folder-input').setInputFiles(broken);
  const error = page.getByTestId('load-error');
  await expect(error).toBeVisible({ timeout: 30_000 });
  await expect(error).toContainText('model.safetensors: not among the given files (config.json, vocab.txt)');
  await expect(error).toContainText('the engine reads safetensors');
  await expect(summary()).toContainText('BertForSequenceClassification');
  await runPanel(page, 'classify', 'Classify');
  await screenshot(page, testInfo, '08-incomplete-folder');
});

test('loads dropped files (NER) and picked files (question answering)', async ({}, testInfo) => {
  // A drop of files built in the page from the generator: the drop zone's path without a file picker.
  await page.evaluate(() => {
    const d = (window as unknown as DemoWindow).demo;
    const files = d.lab.generateCheckpoint({ ...d.lab.DEFAULT_MODEL_OPTIONS, architecture: 'BertForTokenClassification', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 });
    const data = new DataTransfer();
    for (const [name, bytes] of files) data.items.add(new File([bytes as BlobPart], name));
    document.querySelector('[data-testid="drop-zone"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await waitForModel('BertForTokenClassification');
  await openTab(page, 'ner');
  await runPanel(page, 'ner', 'Find entities');
  const text = await page.locator('#panel-ner').getByLabel('Text', { exact: true }).inputValue();
  const entities = await page.evaluate((t) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.tokenClassification(d.app.model!, t, { aggregation: 'simple' });
  }, text);
  if (entities.length === 0) {
    await expect(page.getByTestId('ner-results')).toContainText('No entities found');
  } else {
    const rows = await tableCells(page, '[data-testid="ner-results"] table');
    expect(rows.map((r) => [r[0], r[1]])).toEqual(entities.map((e) => [e.entity_group, e.word]));
    rows.forEach((r, i) => expectShown(Number(r[2]), entities[i].score, `entity ${i}`));
  }
  await screenshot(page, testInfo, '09-ner');

  const dir = path.join(scratch, 'bert-squad');
  await writeCheckpointFolder(dir, generateCheckpoint({ ...DEFAULT_MODEL_OPTIONS, architecture: 'BertForQuestionAnswering', hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64 }));
  await page.getByTestId('files-input').setInputFiles(['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json'].map((f) => path.join(dir, f)));
  await waitForModel('BertForQuestionAnswering');
  await openTab(page, 'qa');
  await runPanel(page, 'qa', 'Answer');
  const panel = page.locator('#panel-qa');
  const [question, context] = [await panel.getByLabel('Question').inputValue(), await panel.getByLabel('Context').inputValue()];
  const answers = await page.evaluate(([q, c]) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.questionAnswering(d.app.model!, q, c, { topK: 3 });
  }, [question, context]);
  const rows = await tableCells(page, '[data-testid="qa-results"] table');
  expect(rows.map((r) => r[1])).toEqual(answers.map((a) => a.answer));
  rows.forEach((r, i) => expectShown(Number(r[2]), answers[i].score, `answer ${i}`));
  await screenshot(page, testInfo, '10-question-answering');
});

test('a built-in RoBERTa: the fill-mask text takes its <mask>, and the candidates are fillMask\'s', async ({}, testInfo) => {
  await page.locator('.model-bar').getByLabel('Built-in model (random weights)').selectOption('RobertaForMaskedLM');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await waitForModel('RobertaForMaskedLM');
  await openTab(page, 'fill-mask');
  const input = page.locator('#panel-fill-mask').getByLabel('Text with mask tokens');
  const text = await input.inputValue();
  expect(text).toContain('<mask>');
  expect(text).not.toContain('[MASK]');
  await runPanel(page, 'fill-mask', 'Fill the mask');
  const rows = await tableCells(page, '[data-testid="fill-mask-results"] table');
  const want = await page.evaluate((t) => {
    const d = (window as unknown as DemoWindow).demo;
    return d.lib.fillMask(d.app.model!, t, { topK: 5 });
  }, text);
  expect(rows.map((r) => Number(r[2]))).toEqual(want[0].map((c) => c.tokenId));
  rows.forEach((r, i) => expectShown(Number(r[3]), want[0][i].score, `candidate ${i} probability`));
  await screenshot(page, testInfo, '10b-roberta-fill-mask');
});

test('without WebGPU the page says so and how to get it', async ({ browser }, testInfo) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => { delete (Navigator.prototype as { gpu?: unknown }).gpu; });
  const bare = await context.newPage();
  await bare.goto('/demo/');
  const box = bare.locator('#no-webgpu');
  await expect(box).toBeVisible({ timeout: 30_000 });
  await expect(box).toContainText('navigator.gpu is missing');
  await expect(box).toContainText('Chrome or Edge 113');
  await expect(bare.locator('#status')).toContainText('WebGPU is not available');
  await screenshot(bare, testInfo, '11-no-webgpu');
  await context.close();
});
