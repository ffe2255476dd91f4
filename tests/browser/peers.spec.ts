// Every benchmark peer (bench/peers) on a tiny generated model folder served by Vite: its last_hidden_state
// on a padded batch must match this engine's within PEER_TOLERANCE, and the page may not reach past 127.0.0.1.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { prepareModelFolder } from '../../bench/model-folder.ts';
import { PEERS } from '../../bench/peers/index.ts';
import type { PeersPage } from './peers-page.ts';

const MODEL = 'test-peers-h32';
const BATCH = 2;
const SEQ_LEN = 16;
const SEED = 7;

let page: Page;
let dir: string;
/** Requests for anything but the local server; aborted, and each test asserts there were none. */
const outside: string[] = [];
let baseline: Awaited<ReturnType<PeersPage['baseline']>>;

test.beforeAll(async ({ browser, baseURL }) => {
  dir = await prepareModelFolder(MODEL, {
    architecture: 'BertModel', hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, maxPositions: 64, seed: 3,
  }, { log: (line) => console.log(line) });
  const local = new URL(baseURL!).origin;
  const context = await browser.newContext();
  await context.route((url) => !['data:', 'blob:'].includes(url.protocol) && url.origin !== local, (route) => {
    outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`page console: ${m.text()}`); });
  await page.goto('/tests/browser/peers.html');
  await page.evaluate(() => (window as unknown as { peersPage: PeersPage }).peersPage.ready);
  console.log(`adapter: ${await page.evaluate(() => (window as unknown as { peersPage: PeersPage }).peersPage.describe())}`);
  // Every peer test compares with this run, so it happens here whichever tests are selected.
  baseline = await page.evaluate(
    ([m, b, s, seed]) => (window as unknown as { peersPage: PeersPage }).peersPage.baseline(`/bench/models/${m}/`, b, s, seed),
    [MODEL, BATCH, SEQ_LEN, SEED] as const,
  );
});

test.afterAll(async () => {
  await page?.context().close();
});

test('Vite serves the model folder byte for byte (json, safetensors, onnx)', async () => {
  for (const file of ['config.json', 'model.safetensors', 'onnx/model.onnx']) {
    const want = createHash('sha256').update(await readFile(path.join(dir, file))).digest('hex');
    const got = await page.evaluate((p) => (window as unknown as { peersPage: PeersPage }).peersPage.sha256(p), `/bench/models/${MODEL}/${file}`);
    expect(got, file).toBe(want);
  }
  expect(outside).toEqual([]);
});

test('this engine matches the float64 reference on the padded batch (the peers\' baseline)', async () => {
  console.log(baseline.message);
  expect(baseline.ok, baseline.message).toBe(true);
});

for (const name of Object.keys(PEERS)) {
  test(`${name} matches this engine on ${BATCH} x ${SEQ_LEN} with padding`, async () => {
    const r = await page.evaluate((n) => (window as unknown as { peersPage: PeersPage }).peersPage.runPeer(n), name);
    console.log(`${name} (${r.engine} ${r.version}, ${r.backend}): load ${r.loadMs.toFixed(0)} ms, first forward ${r.forwardMs.toFixed(0)} ms; ${r.message}`);
    expect(r.ok, r.message).toBe(true);
    expect(outside, 'requests outside the local server').toEqual([]);
  });
}
