// Hub model ids in a page: a hub-shaped server on another 127.0.0.1 port (CORS as the hub sends it), files
// cached in the Cache API, the second load served from it with no request, offline mode, a truncated entry
// fetched again, a gated model with and without its token; and a lying server's endless body, cut off at
// maxDownloadBytes in the page as in Node (tests/hub/hostile-server.ts).
import { expect, test } from '@playwright/test';
import { generateCheckpoint } from '../../src/model/generate.ts';
import { commitOf, startHub, type LocalHub } from '../hub/hub-server.ts';
import { startHostileHub, stream } from '../hub/hostile-server.ts';
import type { Harness } from './harness.ts';
import { useHarnessPage } from './page.ts';

const page = useHarnessPage();
const MAIN = commitOf('main');
const files = generateCheckpoint({ architecture: 'BertForMaskedLM', hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 32 });
let hub: LocalHub;

test.beforeAll(async () => {
  hub = await startHub({
    'acme/tiny-bert': { revisions: { main: MAIN }, commits: { [MAIN]: files } },
    'acme/gated': { revisions: { main: MAIN }, commits: { [MAIN]: files }, token: 'hf_secret' },
  });
});
test.afterAll(async () => {
  await hub?.close();
});

const harness = () => ({
  fill: (id: string, hub: object) => page().evaluate(([i, h]) => (window as unknown as { harness: Harness }).harness.hubFillMask(i as string, h as object), [id, hub] as const),
  cache: (action: Parameters<Harness['hubCache']>[0]) => page().evaluate((a) => (window as unknown as { harness: Harness }).harness.hubCache(a), action),
});
const gets = () => hub.downloads();

test('a hub id loads through the Cache API; the second load and offline make no request', async () => {
  const h = harness();
  await h.cache('clear');
  const first = await h.fill('acme/tiny-bert', { endpoint: hub.endpoint });
  expect(first.ok, JSON.stringify(first)).toBe(true);
  const keys = await h.cache('keys');
  const weights = `${hub.endpoint}/acme/tiny-bert/resolve/main/model.safetensors`;
  expect(keys).toContain(weights);
  expect(keys).toContain(`${hub.endpoint}/acme/tiny-bert/resolve/main/config.json`);
  const before = gets();
  expect(await h.fill('acme/tiny-bert', { endpoint: hub.endpoint })).toEqual(first);
  expect(gets(), 'cached files are not fetched again').toBe(before);
  expect(await h.fill('acme/tiny-bert', { endpoint: hub.endpoint, offline: true })).toEqual(first);

  await h.cache({ truncate: weights });
  const offline = await h.fill('acme/tiny-bert', { endpoint: hub.endpoint, offline: true });
  expect(offline.ok).toBe(false);
  expect(offline.ok ? '' : offline.error).toMatch(/model\.safetensors: not in the cache for acme\/tiny-bert@main \(offline mode/);
  expect(await h.fill('acme/tiny-bert', { endpoint: hub.endpoint })).toEqual(first);
  expect(gets(), 'the truncated entry was fetched again').toBe(before + 1);
});

test('a gated model needs its token; without the cache nothing is stored', async () => {
  const h = harness();
  await h.cache('clear');
  const refused = await h.fill('acme/gated', { endpoint: hub.endpoint });
  expect(refused.ok ? '' : refused.error).toMatch(/^CheckpointError: config\.json: HTTP 401 .* acme\/gated@main is gated or private; set HF_TOKEN/);
  const ok = await h.fill('acme/gated', { endpoint: hub.endpoint, token: 'hf_secret', cache: false });
  expect(ok.ok, JSON.stringify(ok)).toBe(true);
  expect(await h.cache('keys')).toEqual([]);
});

test('in a page, an endless body stops at maxDownloadBytes and nothing is cached', async () => {
  const h = harness();
  await h.cache('clear');
  const hostile = await startHostileHub();
  try {
    hostile.reset(files, async (req, res, url) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization' });
        res.end();
        return true;
      }
      if (!url.pathname.endsWith('/config.json')) return false;
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Transfer-Encoding': 'chunked' });
      await stream(hostile, res, Infinity);
      return true;
    });
    const r = await h.fill('acme/endless', { endpoint: hostile.endpoint, maxDownloadBytes: 1 << 20 });
    expect(r.ok ? '' : r.error).toMatch(/^CheckpointError: config\.json: download of http:\/\/127\.0\.0\.1:\d+\/acme\/endless\/resolve\/main\/config\.json stopped: more than 1048576 bytes, the download limit \(maxDownloadBytes\)$/);
    expect(hostile.sentBytes, 'the page stopped reading').toBeLessThan(64 << 20);
    expect(await h.cache('keys')).toEqual([]);
  } finally {
    await hostile.close();
  }
});
