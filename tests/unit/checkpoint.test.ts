import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PostLnWeights } from '../../src/families/encoder.ts';
import { parseConfig } from '../../src/families/index.ts';
import { computedValues, TensorTable, type GetTensor, type Weight } from '../../src/families/weights.ts';
import { f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from '../../src/gpu/float16.ts';
import { type TensorToWrite, parseSafetensors, tensorToFloat32, writeSafetensors } from '../../src/model/safetensors.ts';
import { type LoadedCheckpoint, type Progress, loadCheckpoint } from '../../src/model/source.ts';

// Independent PyTorch reference checkpoints (see tests/fixtures/README.md).
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const H64 = `${FIXTURES}/pytorch-bert-h64`;
const MLM = `${FIXTURES}/pytorch-bert-mlm-h32`;

type FloatTensor = { dtype: 'F32'; shape: number[]; data: Float32Array };
type Tensors = Record<string, TensorToWrite>;

function fixtureTensors(dir: string): Record<string, FloatTensor> {
  const bytes = new Uint8Array(readFileSync(`${dir}/model.safetensors`));
  const parsed = parseSafetensors(bytes, 'model.safetensors');
  const out: Record<string, FloatTensor> = {};
  for (const [name, info] of parsed.tensors) out[name] = { dtype: 'F32', shape: info.shape, data: tensorToFloat32(bytes, info, 'model.safetensors') };
  return out;
}
const h64Tensors = fixtureTensors(H64);
const mlmTensors = fixtureTensors(MLM);
const h64Config = JSON.parse(readFileSync(`${H64}/config.json`, 'utf8'));
const mlmConfig = JSON.parse(readFileSync(`${MLM}/config.json`, 'utf8'));

let scratch = '';
let counter = 0;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webgpu-bert-checkpoint-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh folder holding config.json and either model.safetensors or the given files. */
async function writeCheckpoint(config: unknown, tensors: Tensors | undefined, files: Record<string, Uint8Array | string> = {}): Promise<string> {
  const dir = join(scratch, `ckpt-${counter++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  if (tensors) await writeFile(join(dir, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

async function rejectsWith(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (e: Error) => {
    assert.equal(e.name, 'CheckpointError');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

/** Per file: loaded never decreases, total never changes once known, the last event has loaded = total. */
function assertProgress(events: Progress[], files: string[], sizesFrom?: string): void {
  assert.deepEqual([...new Set(events.map((e) => e.file))].sort(), [...files].sort());
  for (const file of files) {
    const mine = events.filter((e) => e.file === file);
    for (let i = 1; i < mine.length; i++) {
      assert.ok(mine[i].loaded >= mine[i - 1].loaded, `${file}: loaded went back`);
      if (mine[i - 1].total !== undefined) assert.equal(mine[i].total, mine[i - 1].total, `${file}: total changed`);
    }
    const last = mine[mine.length - 1];
    assert.equal(last.loaded, last.total, `${file}: last event ${JSON.stringify(last)}`);
    if (sizesFrom) assert.equal(last.total, readFileSync(`${sizesFrom}/${file}`).byteLength);
  }
}

const CHECKPOINT_FILES = ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json'];
const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

/** A loaded BERT's weight tree and the values of its weights. */
function bertOf(ckpt: Pick<LoadedCheckpoint, 'weights' | 'data'>): { w: PostLnWeights; v: (x: Weight | undefined) => Float32Array } {
  return {
    w: ckpt.weights as PostLnWeights,
    v: (x) => {
      const d = x && ckpt.data.get(x);
      if (!d) throw new Error(`no values for ${x?.name ?? 'a missing weight'}`);
      return d.f32();
    },
  };
}

describe('loading the PyTorch fixtures from a folder', () => {
  test('pytorch-bert-h64: EncoderModel names, pooler, values as PyTorch wrote them', async () => {
    const events: Progress[] = [];
    const ckpt = await loadCheckpoint(H64, { onProgress: (p) => events.push(p) });
    const { config: c } = ckpt;
    const { w, v } = bertOf(ckpt);
    assert.equal(ckpt.family.name, 'bert');
    assert.equal(w.embeddings.word.name, 'embeddings.word_embeddings.weight');
    assert.equal(w.layers.length, 2);
    assert.deepEqual(ckpt.family.heads(c, w), { pooler: true, mlm: false, classifier: undefined, qa: false, discriminator: false });
    const e = w.embeddings;
    assert.deepEqual(
      [v(e.word).length, v(e.position).length, v(e.tokenType).length, v(e.norm!.gamma).length],
      [c.vocabSize * 64, c.maxPositionEmbeddings * 64, 2 * 64, 64],
    );
    const l1 = w.layers[1];
    const qkv = v(l1.qkv.weight);
    assert.deepEqual([qkv.length, v(l1.qkv.bias).length, v(l1.ffnIn.weight).length, v(l1.ffnOut.weight).length], [3 * 64 * 64, 3 * 64, 256 * 64, 64 * 256]);
    // Spot values read by numpy from the file, independent of this code.
    assert.equal(v(e.word)[5 * 64 + 3], 0.10571077466011047);
    assert.equal(qkv[64 * 64 + 2 * 64 + 7], -0.046560242772102356); // key.weight[2][7]
    assert.equal(v(l1.qkv.bias)[2 * 64 + 63], -0.09619227051734924); // value.bias[63]
    assert.equal(v(w.heads.pooler!.bias)[0], -0.044429827481508255);
    assert.ok(Math.abs(sum(v(e.word)) - -25.647942086017338) < 1e-9);
    // Query, key, value stacked in that order.
    const t = h64Tensors;
    assert.deepEqual(qkv.subarray(0, 4096), t['encoder.layer.1.attention.self.query.weight'].data);
    assert.deepEqual(qkv.subarray(4096, 8192), t['encoder.layer.1.attention.self.key.weight'].data);
    assert.deepEqual(qkv.subarray(8192), t['encoder.layer.1.attention.self.value.weight'].data);
    assert.deepEqual(v(l1.ffnNorm.beta), t['encoder.layer.1.output.LayerNorm.bias'].data);
    assert.deepEqual(ckpt.dtypeSummary, { F32: { tensors: 39, bytes: 852736 } });
    assert.deepEqual(ckpt.weightFiles, ['model.safetensors']);
    assert.deepEqual(ckpt.metadata, { format: 'pt' });
    assert.match(ckpt.files.vocabTxt!, /^\[PAD\]\n/);
    assert.equal((ckpt.files.tokenizerJson as { model: { type: string } }).model.type, 'WordPiece');
    assert.equal(typeof ckpt.files.tokenizerConfig, 'object');
    assertProgress(events, CHECKPOINT_FILES, H64);
  });

  test('pytorch-bert-mlm-h32: bert. prefix, tied MLM head, no pooler', async () => {
    const ckpt = await loadCheckpoint(MLM);
    const { w, v } = bertOf(ckpt);
    assert.equal(w.embeddings.word.name, 'bert.embeddings.word_embeddings.weight');
    assert.equal(ckpt.config.architectures[0], 'BertForMaskedLM');
    const mlm = w.heads.mlm!;
    assert.ok(mlm && !w.heads.pooler);
    assert.equal(mlm.decoder.weight, w.embeddings.word, 'the decoder is the word-embedding weight itself');
    assert.equal(v(mlm.decoder.bias).length, 536);
    assert.equal(v(mlm.decoder.bias)[535], -0.08392435312271118);
    assert.equal(v(w.layers[0].qkv.weight)[31 * 32], -0.009995372034609318); // query.weight[31][0]
    assert.ok(Math.abs(sum(v(w.embeddings.word)) - 79.68391410604954) < 1e-9);
    assert.deepEqual(v(mlm.transform.weight), mlmTensors['cls.predictions.transform.dense.weight'].data);
    assert.deepEqual(ckpt.ignoredTensors, []);
  });
});

describe('loading over HTTP from a local server', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];
  before(async () => {
    server = createServer(async (req, res) => {
      requests.push(req.url!);
      const [, mode, ...rest] = req.url!.split('/');
      const path = join(FIXTURES, ...rest.map(decodeURIComponent));
      if (rest.includes('..')) return res.writeHead(403).end();
      if (mode === 'status500') return res.writeHead(500).end('boom');
      let body: Buffer;
      try {
        body = await readFile(path);
      } catch {
        return res.writeHead(404).end('not found');
      }
      if (mode === 'chunked') {
        // No Content-Length: Node sends Transfer-Encoding: chunked, the total is unknown until the end.
        res.writeHead(200);
        for (let i = 0; i < body.length; i += 100_000) res.write(body.subarray(i, i + 100_000));
        return res.end();
      }
      if (mode === 'truncate' && rest.at(-1) === 'model.safetensors') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000));
        return setTimeout(() => res.destroy(), 20);
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('both fixtures load over HTTP with the same weights as from the folder', async () => {
    for (const [name, dir] of [['pytorch-bert-h64', H64], ['pytorch-bert-mlm-h32', MLM]]) {
      const events: Progress[] = [];
      const fromHttp = await loadCheckpoint(`${base}/plain/${name}`, { onProgress: (p) => events.push(p) });
      const fromDisk = await loadCheckpoint(dir);
      // Everything but how long each took; the weights by their values (read from each load's own bytes).
      const values = (c: typeof fromHttp) => new Map([...c.data].map(([w, v]) => [w.name, v.f32()]));
      assert.deepEqual({ ...fromHttp, timings: undefined, data: undefined }, { ...fromDisk, timings: undefined, data: undefined });
      assert.deepEqual(values(fromHttp), values(fromDisk));
      if (name === 'pytorch-bert-h64') {
        assertProgress(events, CHECKPOINT_FILES, H64);
        assert.ok(events.filter((e) => e.file === 'model.safetensors').length > 3, 'the body should arrive in several chunks');
      }
    }
    assert.ok(requests.includes('/plain/pytorch-bert-h64/model.safetensors'));
  });

  test('a body without Content-Length reports total undefined until the end', async () => {
    const events: Progress[] = [];
    await loadCheckpoint(`${base}/chunked/pytorch-bert-h64/`, { onProgress: (p) => events.push(p) });
    const model = events.filter((e) => e.file === 'model.safetensors');
    assert.ok(model.slice(0, -1).every((e) => e.total === undefined));
    assertProgress(events, CHECKPOINT_FILES, H64);
  });

  test('HTTP errors name the URL', async () => {
    await rejectsWith(loadCheckpoint(`${base}/plain/no-such-model`), `config.json: not found: HTTP 404 for ${base}/plain/no-such-model/config.json`);
    await rejectsWith(loadCheckpoint(`${base}/status500/pytorch-bert-h64`), `config.json: HTTP 500 Internal Server Error for ${base}/status500/pytorch-bert-h64/config.json`);
    await rejectsWith(
      loadCheckpoint(`${base}/truncate/pytorch-bert-h64`),
      new RegExp(`^model\\.safetensors: (network error downloading ${base}/truncate/pytorch-bert-h64/model\\.safetensors after \\d+ bytes: .+|download of .+ ended after \\d+ of 856776 bytes)$`),
    );
  });

  test('a refused connection is a network error naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await rejectsWith(
      loadCheckpoint(`http://127.0.0.1:${port}/m`),
      new RegExp(`^config\\.json: network error fetching http://127\\.0\\.0\\.1:${port}/m/config\\.json: fetch failed: ECONNREFUSED`),
    );
  });
});

describe('sharded checkpoints', () => {
  const INDEX = 'model.safetensors.index.json';
  const SHARD1 = 'model-00001-of-00002.safetensors';
  const SHARD2 = 'model-00002-of-00002.safetensors';
  const names = Object.keys(h64Tensors).sort();
  const half = Math.ceil(names.length / 2);
  const pick = (list: string[]) => Object.fromEntries(list.map((n) => [n, h64Tensors[n]]));
  const mapOf = (shardOf: (name: string, i: number) => string) => Object.fromEntries(names.map((n, i) => [n, shardOf(n, i)]));
  const defaultMap = mapOf((_, i) => (i < half ? SHARD1 : SHARD2));
  const sharded = (weightMap: Record<string, string>, shard1 = pick(names.slice(0, half)), shard2: Tensors = pick(names.slice(half))) =>
    writeCheckpoint(h64Config, undefined, {
      [INDEX]: JSON.stringify({ metadata: { total_size: 852736 }, weight_map: weightMap }),
      [SHARD1]: writeSafetensors(shard1),
      [SHARD2]: writeSafetensors(shard2),
    });

  test('two shards written by our writer load like the single file', async () => {
    const dir = await sharded(defaultMap);
    const events: Progress[] = [];
    const ckpt = await loadCheckpoint(dir, { onProgress: (p) => events.push(p) });
    const single = await loadCheckpoint(H64);
    assert.deepEqual(ckpt.weights, single.weights);
    assert.deepEqual(ckpt.weightFiles, [INDEX, SHARD1, SHARD2]);
    assert.deepEqual(ckpt.dtypeSummary, single.dtypeSummary);
    assert.deepEqual([...new Set(events.map((e) => e.file))], ['config.json', INDEX, SHARD1, SHARD2]);
  });

  test('index errors: missing shard, tensor in the wrong shard, unlisted tensor, bad shard name, no weight_map', async () => {
    const missingShard = await sharded(mapOf((_, i) => (i === 0 ? 'model-00003-of-00003.safetensors' : i < half ? SHARD1 : SHARD2)));
    await rejectsWith(loadCheckpoint(missingShard), `model-00003-of-00003.safetensors: not found in ${missingShard} (named by ${INDEX})`);

    const wrongShard = await sharded({ ...defaultMap, [names[0]]: SHARD2 });
    await rejectsWith(loadCheckpoint(wrongShard), `${INDEX}: tensor "${names[0]}" is mapped to "${SHARD2}", which does not contain it`);

    const { [names[1]]: _, ...unlisted } = defaultMap;
    await rejectsWith(loadCheckpoint(await sharded(unlisted)), `${SHARD1}: tensor "${names[1]}" is not in the weight_map of ${INDEX}`);

    const twice = await sharded(defaultMap, pick(names.slice(0, half)), pick([names[0], ...names.slice(half)]));
    await rejectsWith(loadCheckpoint(twice), `${SHARD2}: tensor "${names[0]}" is mapped to "${SHARD1}" by ${INDEX}`);

    const escape = await sharded({ ...defaultMap, [names[0]]: '../model.safetensors' });
    await rejectsWith(loadCheckpoint(escape), `${INDEX}: weight_map entry "${names[0]}" names "../model.safetensors", not a file name inside the model folder: it has a ".." segment`);
    const notAName = await sharded({ ...defaultMap, [names[0]]: 42 as unknown as string });
    await rejectsWith(loadCheckpoint(notAName), `${INDEX}: weight_map entry "${names[0]}" names 42, not a file name inside the model folder: it is number, not a string`);

    const noMap = await writeCheckpoint(h64Config, undefined, { [INDEX]: '{"metadata": {}}' });
    await rejectsWith(loadCheckpoint(noMap), `${INDEX}: missing object field "weight_map"`);

    const badJson = await writeCheckpoint(h64Config, undefined, { [INDEX]: '{"weight_map": ' });
    await rejectsWith(loadCheckpoint(badJson), /^model\.safetensors\.index\.json: not valid JSON: .+$/);
  });

  test('a mis-shaped tensor in a shard names the shard', async () => {
    const name = names[names.length - 1]; // pooler.dense.weight, in shard 2
    const dir = await sharded(defaultMap, undefined, { ...pick(names.slice(half)), [name]: { dtype: 'F32', shape: [64, 32], data: new Float32Array(2048) } });
    await rejectsWith(loadCheckpoint(dir), `${SHARD2}: tensor "${name}" has shape [64,32], config expects [64,64]`);
  });
});

describe('storage dtypes', () => {
  const recast = (dtype: 'F16' | 'BF16', which: (name: string) => boolean): Tensors =>
    Object.fromEntries(Object.entries(h64Tensors).map(([n, t]) => [n, which(n) ? { ...t, dtype } : t]));

  test('F16 weights widen to exactly the rounded values', async () => {
    const ckpt = await loadCheckpoint(await writeCheckpoint(h64Config, recast('F16', () => true)));
    assert.deepEqual(ckpt.dtypeSummary, { F16: { tensors: 39, bytes: 852736 / 2 } });
    const half = (a: Float32Array) => a.map((x) => f16BitsToNumber(numberToF16Bits(x)));
    const { w, v } = bertOf(ckpt);
    assert.deepEqual(v(w.embeddings.word), half(h64Tensors['embeddings.word_embeddings.weight'].data));
    assert.deepEqual(v(w.layers[1].ffnOut.weight), half(h64Tensors['encoder.layer.1.output.dense.weight'].data));
    assert.notDeepEqual(v(w.embeddings.word), h64Tensors['embeddings.word_embeddings.weight'].data);
  });

  test('mixed BF16/F32/F64 storage', async () => {
    const tensors = recast('BF16', (n) => n.startsWith('embeddings.'));
    const pooler = h64Tensors['pooler.dense.weight'].data;
    tensors['pooler.dense.weight'] = { dtype: 'F64', shape: [64, 64], bytes: new Uint8Array(Float64Array.from(pooler).buffer) };
    const ckpt = await loadCheckpoint(await writeCheckpoint(h64Config, tensors));
    assert.deepEqual(ckpt.dtypeSummary, {
      BF16: { tensors: 5, bytes: (1636 + 64 + 2 + 2) * 64 * 2 },
      F32: { tensors: 33, bytes: 852736 - (1636 + 64 + 2 + 2) * 64 * 4 - 64 * 64 * 4 },
      F64: { tensors: 1, bytes: 64 * 64 * 8 },
    });
    const bf16 = (v: number) => new Float32Array(new Uint32Array([numberToBf16Bits(v) << 16]).buffer)[0];
    const { w, v } = bertOf(ckpt);
    assert.deepEqual(v(w.embeddings.norm!.gamma), h64Tensors['embeddings.LayerNorm.weight'].data.map(bf16));
    assert.deepEqual(v(w.heads.pooler!.weight), pooler);
  });

  test('an integer dtype where a weight belongs is refused', async () => {
    const tensors: Tensors = { ...h64Tensors, 'embeddings.LayerNorm.weight': { dtype: 'I32', shape: [64], bytes: new Uint8Array(256) } };
    await rejectsWith(
      loadCheckpoint(await writeCheckpoint(h64Config, tensors)),
      'model.safetensors: tensor "embeddings.LayerNorm.weight" has dtype I32; only F32, F16, BF16 and F64 load as weights',
    );
  });
});

describe('tensor names and shapes against the config', () => {
  const { 'encoder.layer.1.attention.self.key.weight': key, ...withoutKey } = h64Tensors;

  test('missing, mis-shaped and unexpected tensors', async () => {
    await rejectsWith(loadCheckpoint(await writeCheckpoint(h64Config, withoutKey)), 'model.safetensors: missing tensor "encoder.layer.1.attention.self.key.weight"');
    const misShaped = { ...withoutKey, 'encoder.layer.1.attention.self.key.weight': { dtype: 'F32' as const, shape: [64, 32], data: key.data.subarray(0, 2048) } };
    await rejectsWith(
      loadCheckpoint(await writeCheckpoint(h64Config, misShaped)),
      'model.safetensors: tensor "encoder.layer.1.attention.self.key.weight" has shape [64,32], config expects [64,64]',
    );
    const extra = { ...h64Tensors, 'foo.weight': { dtype: 'F32' as const, shape: [1], data: new Float32Array(1) } };
    await rejectsWith(loadCheckpoint(await writeCheckpoint(h64Config, extra)), 'model.safetensors: unexpected tensor "foo.weight" (not part of a bert model with this config)');
    await rejectsWith(
      loadCheckpoint(await writeCheckpoint({ ...h64Config, num_hidden_layers: 1 }, h64Tensors)),
      'model.safetensors: unexpected tensors "encoder.layer.1.attention.output.LayerNorm.bias", "encoder.layer.1.attention.output.LayerNorm.weight", "encoder.layer.1.attention.output.dense.bias" and 13 more (not part of a bert model with this config)',
    );
    await rejectsWith(
      loadCheckpoint(await writeCheckpoint({ ...h64Config, vocab_size: 1000 }, h64Tensors)),
      'model.safetensors: tensor "embeddings.word_embeddings.weight" has shape [1636,64], config expects [1000,64]',
    );
  });

  test('missing files and folders', async () => {
    const nowhere = join(scratch, 'does-not-exist');
    await rejectsWith(loadCheckpoint(nowhere), `${nowhere}: checkpoint folder not found`);
    await rejectsWith(loadCheckpoint(`${H64}/config.json`), `${H64}/config.json: is not a folder`);
    const noConfig = await writeCheckpoint({}, h64Tensors);
    await rm(join(noConfig, 'config.json'));
    await rejectsWith(loadCheckpoint(noConfig), `config.json: not found in ${noConfig}`);
    const noModel = await writeCheckpoint(h64Config, undefined);
    await rejectsWith(loadCheckpoint(noModel), `model.safetensors: not found in ${noModel} (nor model.safetensors.index.json)`);
    const badConfig = await writeCheckpoint(h64Config, h64Tensors, { 'config.json': '{"hidden_size": 64,' });
    await rejectsWith(loadCheckpoint(badConfig), /^config\.json: not valid JSON: .+$/);
    const noTokenizer = await writeCheckpoint(h64Config, h64Tensors);
    assert.deepEqual((await loadCheckpoint(noTokenizer)).files, {});
    const copied = await writeCheckpoint(h64Config, undefined);
    await copyFile(`${H64}/model.safetensors`, join(copied, 'model.safetensors'));
    assert.equal(bertOf(await loadCheckpoint(`file://${copied}`)).w.layers.length, 2);
  });

  test('harmless extras are ignored and listed: position_ids, NSP head', async () => {
    const withExtras: Tensors = {
      ...mlmTensors,
      'bert.embeddings.position_ids': { dtype: 'I64', shape: [1, 32], bytes: new Uint8Array(BigInt64Array.from({ length: 32 }, (_, i) => BigInt(i)).buffer) },
      'cls.seq_relationship.weight': { dtype: 'F32', shape: [2, 32], data: new Float32Array(64) },
      'cls.seq_relationship.bias': { dtype: 'F32', shape: [2], data: new Float32Array(2) },
    };
    const { ignoredTensors } = await loadCheckpoint(await writeCheckpoint({ ...mlmConfig, architectures: ['BertForPreTraining'] }, withExtras));
    assert.deepEqual(ignoredTensors, ['bert.embeddings.position_ids', 'cls.seq_relationship.bias', 'cls.seq_relationship.weight']);
  });
});

describe('BERT heads and name variants', () => {
  /** The family's loader over an in-memory table, as loadCheckpoint runs it. */
  const build = (config: unknown, tensors: Record<string, FloatTensor>) => {
    const { family, config: c } = parseConfig(config);
    const get: GetTensor = (n) => tensors[n] && { shape: tensors[n].shape, values: computedValues(tensors[n].data) };
    const t = new TensorTable(Object.keys(tensors), get, 'model.safetensors');
    const w = family.loadWeights(c, t) as PostLnWeights;
    t.finish('a bert model with this config');
    const v = (x: Weight | undefined) => t.data.get(x!)!.f32();
    return { w, v, heads: family.heads(c, w), ignored: t.ignoredTensors };
  };
  const prefixed = (t: Record<string, FloatTensor>) => Object.fromEntries(Object.entries(t).map(([n, x]) => [`bert.${n}`, x]));
  const f32 = (shape: number[], fill: number): FloatTensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b)).fill(fill) });
  const baseline = build(h64Config, h64Tensors);
  const allValues = (b: ReturnType<typeof build>) => [b.w.embeddings.word, b.w.embeddings.norm!.gamma, b.w.layers[1].qkv.weight, b.w.layers[1].ffnNorm.beta, b.w.heads.pooler!.weight].map(b.v);

  test('legacy gamma/beta LayerNorm names load the same weights', () => {
    const legacy = Object.fromEntries(
      Object.entries(h64Tensors).map(([n, t]) => [n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t]),
    );
    assert.ok('encoder.layer.0.output.LayerNorm.gamma' in legacy);
    const b = build(h64Config, legacy);
    assert.equal(b.w.layers[0].ffnNorm.gamma.name, 'encoder.layer.0.output.LayerNorm.gamma');
    assert.deepEqual(allValues(b), allValues(baseline));
  });

  test('sequence classification: bert. prefix, pooler required, classifier sized by the labels', () => {
    const config = { ...h64Config, architectures: ['BertForSequenceClassification'], id2label: { 0: 'a', 1: 'b', 2: 'c' } };
    const tensors: Record<string, FloatTensor> = { ...prefixed(h64Tensors), 'classifier.weight': f32([3, 64], 0.5), 'classifier.bias': f32([3], -1) };
    const b = build(config, tensors);
    assert.equal(b.w.embeddings.word.name, 'bert.embeddings.word_embeddings.weight');
    assert.equal(b.heads.classifier, 'sequence');
    assert.deepEqual([...b.v(b.w.heads.sequence!.out.bias)], [-1, -1, -1]);
    assert.deepEqual(b.v(b.w.heads.pooler!.weight), baseline.v(baseline.w.heads.pooler!.weight));
    const { 'bert.pooler.dense.weight': _w, 'bert.pooler.dense.bias': _b, ...noPooler } = tensors;
    assert.throws(() => build(config, noPooler), { message: 'model.safetensors: missing tensor "bert.pooler.dense.weight"' });
    const { 'classifier.bias': _c, ...noBias } = tensors;
    assert.throws(() => build({ ...config, architectures: [] }, noBias), { message: 'model.safetensors: missing tensor "classifier.bias"' });
    assert.throws(() => build({ ...config, id2label: undefined }, tensors), { message: 'model.safetensors: tensor "classifier.weight" has shape [3,64], config expects [2,64]' });
  });

  test('token classification and question answering heads', () => {
    const tok = build({ ...h64Config, architectures: ['BertForTokenClassification'], num_labels: 5 }, {
      ...prefixed(h64Tensors), 'classifier.weight': f32([5, 64], 1), 'classifier.bias': f32([5], 2),
    });
    assert.equal(tok.heads.classifier, 'token');
    assert.equal(tok.v(tok.w.heads.token!.weight).length, 5 * 64);
    assert.throws(() => build({ ...h64Config, architectures: ['BertForTokenClassification'] }, h64Tensors), { message: 'model.safetensors: missing tensor "classifier.weight"' });
    const qa = build({ ...h64Config, architectures: ['BertForQuestionAnswering'] }, { ...h64Tensors, 'qa_outputs.weight': f32([2, 64], 3), 'qa_outputs.bias': f32([2], 4) });
    assert.deepEqual([...qa.v(qa.w.heads.qa!.bias)], [4, 4]);
    assert.throws(() => build({ ...h64Config, architectures: ['BertForQuestionAnswering'] }, h64Tensors), { message: 'model.safetensors: missing tensor "qa_outputs.weight"' });
  });

  test('MLM decoder: an equal stored copy is dropped, a different one used (as transformers 5 loads it), untied config requires its own', () => {
    const emb = mlmTensors['bert.embeddings.word_embeddings.weight'];
    const tiedCopy = build(mlmConfig, { ...mlmTensors, 'cls.predictions.decoder.weight': { ...emb, data: emb.data.slice() } });
    assert.equal(tiedCopy.w.heads.mlm!.decoder.weight, tiedCopy.w.embeddings.word);
    assert.deepEqual(tiedCopy.ignored, ['cls.predictions.decoder.weight']);
    const other = f32([536, 32], 0.25);
    const different = build(mlmConfig, { ...mlmTensors, 'cls.predictions.decoder.weight': other });
    assert.equal(different.v(different.w.heads.mlm!.decoder.weight), other.data);
    const untied = build({ ...mlmConfig, tie_word_embeddings: false }, { ...mlmTensors, 'cls.predictions.decoder.weight': other });
    assert.equal(untied.v(untied.w.heads.mlm!.decoder.weight), other.data);
    assert.throws(() => build({ ...mlmConfig, tie_word_embeddings: false }, mlmTensors), { message: 'model.safetensors: missing tensor "cls.predictions.decoder.weight"' });
    const { 'cls.predictions.bias': bias, ...noBias } = mlmTensors;
    assert.throws(() => build(mlmConfig, noBias), { message: 'model.safetensors: missing tensor "cls.predictions.bias"' });
    const withDecoderBias = build(mlmConfig, { ...mlmTensors, 'cls.predictions.decoder.bias': bias });
    assert.deepEqual(withDecoderBias.ignored, ['cls.predictions.decoder.bias']);
    // The bias saved under the decoder's name only (transformers keeps one name of a tied pair).
    const onlyDecoderBias = build(mlmConfig, { ...noBias, 'cls.predictions.decoder.bias': bias });
    assert.equal(onlyDecoderBias.v(onlyDecoderBias.w.heads.mlm!.decoder.bias), bias.data);
  });
});
