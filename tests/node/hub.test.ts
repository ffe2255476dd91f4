// Hub model ids against a hub-shaped server on 127.0.0.1 (tests/hub/hub-server.ts): files resolved as the hub
// resolves them (the LFS redirect included), only the files the model needs fetched, the cache written in
// huggingface_hub's layout (blobs named by hash, snapshot symlinks, refs, .no_exist markers), a second load
// served from it, offline mode and an unreachable server served from it, a truncated blob fetched again,
// revisions, a renamed repo, 404 and 401 with one-line messages; then `webgpu-bert --model org/name` with
// HF_ENDPOINT and HF_HUB_CACHE, again with the server gone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createNodeGpu, fillMask, loadModel } from '../../src/node.ts';
import { generateCheckpoint, loadCheckpoint } from '../../src/lab.ts';
import { commitOf, startHub, type LocalHub } from '../hub/hub-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TINY = { hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 32 } as const;
const MAIN = commitOf('main');
const V1 = commitOf('v1');

const bert = generateCheckpoint({ architecture: 'BertForMaskedLM', ...TINY, seed: 1 });
const bertV1 = generateCheckpoint({ architecture: 'BertForMaskedLM', ...TINY, seed: 2 });
const sharded = generateCheckpoint({ architecture: 'RobertaForSequenceClassification', ...TINY, shards: 3 });
// Files the engine never reads: they must not be downloaded.
const extras = new Map([['pytorch_model.bin', new Uint8Array(4096)], ['README.md', new TextEncoder().encode('# a model\n')], ['onnx/model.onnx', new Uint8Array(2048)]]);

let hub: LocalHub;
let scratch = '';
let gpu: Awaited<ReturnType<typeof createNodeGpu>>;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-hub-'));
  hub = await startHub({
    'acme/tiny-bert': { revisions: { main: MAIN, v1: V1 }, commits: { [MAIN]: new Map([...bert, ...extras]), [V1]: bertV1 } },
    'acme/sharded-roberta': { revisions: { main: MAIN }, commits: { [MAIN]: sharded } },
    'acme/gated': { revisions: { main: MAIN }, commits: { [MAIN]: bert }, token: 'hf_secret' },
  }, { 'old-org/tiny-bert': 'acme/tiny-bert' });
  gpu = await createNodeGpu();
});
after(async () => {
  await hub?.close();
  gpu?.destroy();
  await rm(scratch, { recursive: true, force: true });
});

const cacheDir = (name: string) => path.join(scratch, name);
const opts = (name: string, more: object = {}) => ({ hub: { endpoint: hub.endpoint, cacheDir: cacheDir(name), ...more } });

test('a hub id downloads only what the model needs into the huggingface_hub cache layout', async () => {
  const progress: string[] = [];
  const ckpt = await loadCheckpoint('acme/tiny-bert', { ...opts('layout'), onProgress: (p) => progress.push(`${p.file} ${p.loaded}/${p.total}`) });
  assert.deepEqual(ckpt.config.architectures, ['BertForMaskedLM']);
  assert.equal(hub.downloads('pytorch_model.bin') + hub.downloads('README.md') + hub.downloads('model.onnx'), 0, 'files the engine does not read are not fetched');
  assert.equal(hub.downloads('model.safetensors'), 1);
  assert.ok(progress.includes(`model.safetensors ${bert.get('model.safetensors')!.length}/${bert.get('model.safetensors')!.length}`), 'progress in bytes per file');

  const repo = path.join(cacheDir('layout'), 'models--acme--tiny-bert');
  assert.equal((await readFile(path.join(repo, 'refs/main'), 'utf8')).trim(), MAIN);
  const snapshot = path.join(repo, 'snapshots', MAIN);
  const files = (await readdir(snapshot)).sort();
  assert.deepEqual(files, [...bert.keys()].sort(), 'the snapshot holds the files read');
  for (const f of files) {
    assert.ok((await lstat(path.join(snapshot, f))).isSymbolicLink(), `${f} is a symlink`);
    const target = await readlink(path.join(snapshot, f));
    assert.match(target, /^\.\.\/\.\.\/blobs\/[0-9a-f]{40,64}$/, `${f} -> ${target}`);
    assert.deepEqual(new Uint8Array(await readFile(path.join(snapshot, f))), bert.get(f));
  }
  assert.match(await readlink(path.join(snapshot, 'model.safetensors')), /blobs\/[0-9a-f]{64}$/, 'LFS blobs are named by sha256');
  assert.match(await readlink(path.join(snapshot, 'config.json')), /blobs\/[0-9a-f]{40}$/, 'git blobs by their sha1');
  const missing = await readdir(path.join(repo, '.no_exist', MAIN));
  assert.ok(missing.includes('model.safetensors.index.json') || missing.includes('vocab.json'), `absent files are recorded: ${missing}`);
});

test('the second load reads the cache (no body downloaded); offline and with the server unreachable too', async () => {
  await loadCheckpoint('acme/tiny-bert', opts('second'));
  const before = hub.downloads();
  const again = await loadCheckpoint('acme/tiny-bert', opts('second'));
  assert.equal(hub.downloads(), before, 'no file body fetched again');
  assert.deepEqual(again.config.architectures, ['BertForMaskedLM']);

  const heads = [...hub.requests.values()].reduce((a, b) => a + b, 0);
  const offline = await loadCheckpoint('acme/tiny-bert', opts('second', { offline: true }));
  assert.equal([...hub.requests.values()].reduce((a, b) => a + b, 0), heads, 'offline makes no request');
  assert.deepEqual(offline.weights, again.weights);
  // An endpoint nobody listens on: the cached revision serves, as in huggingface_hub.
  const unreachable = await loadCheckpoint('acme/tiny-bert', { hub: { endpoint: 'http://127.0.0.1:9', cacheDir: cacheDir('second') } });
  assert.deepEqual(unreachable.weights, again.weights);
  await assert.rejects(loadCheckpoint('acme/tiny-bert', opts('empty-cache', { offline: true })), /config\.json: not in the cache for acme\/tiny-bert@main \(offline mode/);
});

test('a truncated cached blob is fetched again online and refused offline', async () => {
  await loadCheckpoint('acme/tiny-bert', opts('truncated'));
  const repo = path.join(cacheDir('truncated'), 'models--acme--tiny-bert');
  const blob = path.resolve(path.join(repo, 'snapshots', MAIN), await readlink(path.join(repo, 'snapshots', MAIN, 'model.safetensors')));
  await truncate(blob, 100);
  await assert.rejects(loadCheckpoint('acme/tiny-bert', opts('truncated', { offline: true })), /model\.safetensors: not in the cache/);
  const before = hub.downloads('model.safetensors');
  const ckpt = await loadCheckpoint('acme/tiny-bert', opts('truncated'));
  assert.equal(hub.downloads('model.safetensors'), before + 1, 'fetched again');
  assert.equal((await lstat(blob)).size, bert.get('model.safetensors')!.length, 'and the blob repaired');
  assert.deepEqual(ckpt.config.architectures, ['BertForMaskedLM']);
});

test('revisions, sharded weights, a renamed repo', async () => {
  const v1 = await loadCheckpoint('acme/tiny-bert', opts('revisions', { revision: 'v1' }));
  const main = await loadCheckpoint('acme/tiny-bert', opts('revisions'));
  const word = (c: typeof v1) => c.data.get((c.weights as { embeddings: { word: never } }).embeddings.word)!.f32();
  assert.notDeepEqual(word(v1), word(main), 'v1 is another commit');
  assert.equal((await readFile(path.join(cacheDir('revisions'), 'models--acme--tiny-bert/refs/v1'), 'utf8')).trim(), V1);
  const pinned = await loadCheckpoint('acme/tiny-bert', opts('revisions', { revision: V1, offline: true }));
  assert.deepEqual(word(pinned), word(v1), 'a commit hash resolves offline without a ref');

  const roberta = await loadCheckpoint('acme/sharded-roberta', opts('sharded'));
  assert.equal(roberta.weightFiles.length, 4);
  const renamed = await loadCheckpoint('old-org/tiny-bert', opts('renamed'));
  assert.deepEqual(renamed.config.architectures, ['BertForMaskedLM']);
});

test('404 and 401 are one-line errors naming the model and what to do', async () => {
  await assert.rejects(loadCheckpoint('acme/no-such-model', opts('errors')), (e: Error) => {
    assert.equal(e.name, 'CheckpointError');
    assert.match(e.message, /no model acme\/no-such-model on this hub, or it is private \(set HF_TOKEN/);
    return true;
  });
  await assert.rejects(loadCheckpoint('acme/tiny-bert', opts('errors', { revision: 'v9' })), /acme\/tiny-bert@v9: no such revision/);
  await assert.rejects(loadCheckpoint('acme/gated', opts('errors')), /HTTP 401 .*acme\/gated@main is gated or private; set HF_TOKEN/);
  await assert.rejects(loadCheckpoint('acme/gated', opts('errors', { token: 'hf_wrong' })), /the token given \(HF_TOKEN\) has no access/);
  const ok = await loadCheckpoint('acme/gated', opts('errors', { token: 'hf_secret' }));
  assert.deepEqual(ok.config.architectures, ['BertForMaskedLM']);
});

test('loadModel(org/name) runs a task; --model org/name with HF_ENDPOINT, then offline with the server gone', async () => {
  const model = await loadModel('acme/tiny-bert', { gpu, matmul: 'naive', ...opts('cli') });
  const [candidates] = await fillMask(model, 'the [MASK] sat', { topK: 2 });
  assert.equal(candidates.length, 2);
  model.dispose();

  const env: NodeJS.ProcessEnv = { ...process.env, HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir('cli-env') };
  delete env.HF_HUB_OFFLINE;
  // Asynchronous: the hub server runs in this process, so a synchronous child would block it.
  const cli = (args: string[], e = env) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/webgpu-bert.js'), ...args], { env: e, cwd: scratch });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const first = await cli(['run', '--model', 'acme/tiny-bert', '--text', 'hello', '--matmul', 'naive', '--progress']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /model\.safetensors/, 'progress names the files downloaded');
  assert.ok((await readdir(path.join(cacheDir('cli-env'), 'models--acme--tiny-bert/snapshots'))).includes(MAIN));
  const browser = await cli(['run', '--model', 'acme/tiny-bert', '--text', 'hello', '--matmul', 'naive', '--runtime', 'browser']);
  assert.equal(browser.status, 0, browser.stderr);
  assert.equal(JSON.parse(browser.stdout).adapter.runtime, 'browser');
  assert.equal(JSON.parse(browser.stdout).last_hidden_state[0].length, JSON.parse(first.stdout).last_hidden_state[0].length);
  const tokens = await cli(['tokenize', '--model', 'acme/tiny-bert', 'hello world']);
  assert.equal(tokens.status, 0, tokens.stderr);

  const gone = { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' };
  const second = await cli(['run', '--model', 'acme/tiny-bert', '--text', 'hello', '--matmul', 'naive'], gone);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout).last_hidden_state, JSON.parse(first.stdout).last_hidden_state);
  const offline = await cli(['run', '--model', 'acme/tiny-bert', '--revision', 'v1', '--text', 'hello', '--offline'], gone);
  assert.equal(offline.status, 1);
  assert.match(offline.stderr, /^error: config\.json: not in the cache for acme\/tiny-bert@v1 \(offline mode/);
  const missing = await cli(['run', '--model', 'acme/nothing-here', '--text', 'hello'], env);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
});
