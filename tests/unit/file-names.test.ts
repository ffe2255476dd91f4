// The one check of names inside a model (src/model/file-names.ts) and of hub revisions: what passes, what is
// refused and how the one-line error reads; then that every source applies it (memory, folder) and that
// modules.json, weight_map and quantize go through it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkFileName, MAX_NAME_LENGTH, pathProblem, revisionProblem } from '../../src/model/file-names.ts';
import { openCheckpointSource, parseIndex } from '../../src/model/source.ts';
import { quantizeCheckpoint } from '../../src/model/quantize-checkpoint.ts';
import { generateCheckpoint, loadCheckpoint } from '../../src/lab.ts';

const TINY = { hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 32 } as const;
const text = (s: string) => new TextEncoder().encode(s);

/** Asserts a one-line CheckpointError whose message is exactly `message`. */
async function refused(p: Promise<unknown> | (() => unknown), message: string | RegExp): Promise<void> {
  await assert.rejects(typeof p === 'function' ? (async () => p())() : p, (e: Error) => {
    assert.equal(e.name, 'CheckpointError', String(e.stack));
    assert.ok(!e.message.includes('\n'), `one line: ${JSON.stringify(e.message)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('model-relative names', () => {
  test('plain names and subfolders pass, as sentence-transformers and sharded checkpoints use them', () => {
    for (const ok of ['config.json', '1_Pooling/config.json', '2_Dense/model.safetensors', 'model-00001-of-00002.safetensors',
      '.hidden', 'a b/c d.json', 'x?y#z%2e%2e', '...', 'é/ü.json', 'a'.repeat(MAX_NAME_LENGTH)]) {
      assert.equal(pathProblem(ok), undefined, ok);
      assert.equal(checkFileName(ok, 'modules.json'), ok);
    }
  });

  test('every way out of the folder is refused, with the reason', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/], ['..', /"\.\." segment/], ['../config.json', /"\.\." segment/], ['a/../../b', /"\.\." segment/],
      ['./config.json', /"\." segment/], ['a/./b', /"\." segment/], ['/etc/hostname', /absolute/], ['//evil.example/x', /absolute/],
      ['a//b', /empty segment/], ['1_Pooling/', /empty segment/], ['..\\..\\x', /backslash/], ['a\\b', /backslash/],
      ['C:/Windows/win.ini', /colon/], ['http://evil.example/x', /colon/], ['file:///etc/passwd', /colon/], ['data:,x', /colon/],
      ['a\0b', /control character/], ['a\nb', /control character/], ['a'.repeat(MAX_NAME_LENGTH + 1), /longer than/],
    ];
    for (const [name, why] of cases) assert.match(pathProblem(name) ?? 'passed', why, JSON.stringify(name));
  });

  test('the error names the file that gave the name, where in it, and the name escaped on one line', async () => {
    await refused(() => checkFileName('../../../../etc/hostname', 'model.safetensors.index.json', 'weight_map entry "w"'),
      'model.safetensors.index.json: weight_map entry "w" names "../../../../etc/hostname", not a file name inside the model folder: it has a ".." segment');
    await refused(() => checkFileName(42, 'model.safetensors.index.json'), 'model.safetensors.index.json: names 42, not a file name inside the model folder: it is number, not a string');
    await refused(() => checkFileName(null, 'modules.json'), /names null, .*it is null, not a string$/);
    await refused(() => checkFileName({ a: 1 }, 'modules.json'), /names \{"a":1\}, .*it is object, not a string$/);
    // Asked for by name (no file gave it): the name is the error's file, escaped.
    await refused(() => checkFileName('a\nb\0'), '"a\\nb\\u0000": not a file name inside the model folder: it holds a control character');
    await refused(() => checkFileName(`${'x'.repeat(300)}/..`), /^"x{120}…": not a file name/);
  });
});

describe('hub revisions', () => {
  test('branches, tags, commits and PR refs pass', () => {
    for (const ok of ['main', 'v1.0', 'refs/pr/1', 'feature/x-y_z', '0123456789abcdef0123456789abcdef01234567']) assert.equal(revisionProblem(ok), undefined, ok);
  });
  test('paths out, schemes and what git refuses are refused', () => {
    for (const bad of ['', '..', '../../x', 'a/../b', 'a..b', '/abs', 'a\\b', 'C:x', 'http://x', 'a\0', 'a b', 'a?b', 'a#b', 'a%2fb', 'a~1', 'a^', 'a*', 'a[b']) {
      assert.notEqual(revisionProblem(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('every source and every name a model gives', () => {
  const scratch = mkdtemp(path.join(tmpdir(), 'webgpu-bert-names-'));
  after(async () => rm(await scratch, { recursive: true, force: true }));

  test('memory and folder sources refuse a name out of the model before touching anything', async () => {
    const dir = path.join(await scratch, 'nest', 'model');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, '..', 'secret.txt'), 'secret');
    const sources = [await openCheckpointSource(new Map([['config.json', text('{}')]])), await openCheckpointSource(dir)];
    for (const src of sources) {
      await refused(src.tryRead('../secret.txt'), '"../secret.txt": not a file name inside the model folder: it has a ".." segment');
      await refused(src.tryRead(path.join(dir, '..', 'secret.txt')), /it is an absolute path$/);
      assert.equal(await src.tryRead('nothing.json'), undefined);
    }
  });

  test('modules.json module paths: ../, absolute, URL and non-string paths are refused naming modules.json', async () => {
    const base = generateCheckpoint({ architecture: 'BertModel', ...TINY });
    const modules = (poolingPath: unknown) => new Map([...base, ['modules.json', text(JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: poolingPath, type: 'sentence_transformers.models.Pooling' },
    ]))]]);
    const where = 'modules.json: modules.json[1] (sentence_transformers.models.Pooling): "path" names';
    await refused(loadCheckpoint(modules('../../../../etc')), `${where} "../../../../etc", not a file name inside the model folder: it has a ".." segment`);
    await refused(loadCheckpoint(modules('/etc')), `${where} "/etc", not a file name inside the model folder: it is an absolute path`);
    await refused(loadCheckpoint(modules('//evil.example/x')), /"path" names "\/\/evil\.example\/x", .*absolute path$/);
    await refused(loadCheckpoint(modules('https://evil.example/x')), /"path" names "https:\/\/evil\.example\/x", .*colon/);
    await refused(loadCheckpoint(modules(7)), `${where} 7, not a file name inside the model folder: it is number, not a string`);
  });

  test('weight_map: parseIndex refuses ../ and non-strings; quantize reads the index the same way', async () => {
    await refused(() => parseIndex({ weight_map: { w: '../../../../etc/hostname' } }), /weight_map entry "w" names "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname", .*".." segment$/);
    await refused(() => parseIndex({ weight_map: { w: 3 } }), /weight_map entry "w" names 3, .*it is number, not a string$/);
    const files = generateCheckpoint({ architecture: 'BertModel', ...TINY, shards: 2 });
    const index = JSON.parse(new TextDecoder().decode(files.get('model.safetensors.index.json'))) as { weight_map: Record<string, unknown> };
    const first = Object.keys(index.weight_map)[0];
    for (const [bad, why] of [['../../../../etc/hostname', /".." segment$/], [12, /it is number, not a string$/], ['/etc/hostname', /absolute path$/]] as const) {
      const edited = new Map(files);
      edited.set('model.safetensors.index.json', text(JSON.stringify({ ...index, weight_map: { ...index.weight_map, [first]: bad } })));
      await refused(quantizeCheckpoint(await openCheckpointSource(edited), 64), why);
      await refused(loadCheckpoint(edited), why);
    }
  });
});
