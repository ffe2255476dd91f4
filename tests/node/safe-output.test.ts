// Outputs written safely (src/cli/safe-output.ts): the same-file check by device and inode (a symlink or a hard
// link to the input is the input), a temporary file renamed into place (an existing output replaced only by a
// complete one, a symlink at the output replaced rather than written through), nothing left behind on failure;
// then the same through the CLI: embed --output, run --output and quantize --out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { link, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openPending, sameFile, writeFileAtomic } from '../../src/cli/safe-output.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/webgpu-bert.js');
const H64 = path.join(ROOT, 'tests/fixtures/pytorch-bert-h64');
const FAST = ['--matmul', 'naive'];

let temp = '';
before(async () => {
  temp = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-outputs-'));
});
after(() => rm(temp, { recursive: true, force: true }));

/** A fresh folder with `input.txt` ("the input"), a symlink and a hard link to it. */
async function folder(name: string): Promise<{ dir: string; input: string; sym: string; hard: string }> {
  const dir = path.join(temp, name);
  await mkdir(dir);
  const input = path.join(dir, 'input.txt');
  await writeFile(input, 'the input');
  const sym = path.join(dir, 'sym.txt');
  const hard = path.join(dir, 'hard.txt');
  await symlink('input.txt', sym);
  await link(input, hard);
  return { dir, input, sym, hard };
}

describe('safe-output', () => {
  test('sameFile: the name, a symlink and a hard link are the input; another file or a missing one is not', async () => {
    const f = await folder('same');
    await writeFile(path.join(f.dir, 'other.txt'), 'the input');
    assert.equal(await sameFile(f.input, f.input), true);
    assert.equal(await sameFile(f.input, f.sym), true);
    assert.equal(await sameFile(f.hard, f.input), true);
    assert.equal(await sameFile(f.input, path.join(f.dir, 'other.txt')), false, 'same content, another file');
    assert.equal(await sameFile(f.input, path.join(f.dir, 'missing.txt')), false);
  });

  test('a symlink at the target is replaced, its target untouched; discard leaves the old output and no temp file', async () => {
    const f = await folder('atomic');
    await writeFileAtomic(f.sym, 'new output');
    assert.equal(await readFile(f.input, 'utf8'), 'the input', 'not written through the link');
    assert.ok((await lstat(f.sym)).isFile(), 'the link is now the output file');
    assert.equal(await readFile(f.sym, 'utf8'), 'new output');

    const out = path.join(f.dir, 'out.txt');
    await writeFile(out, 'old output');
    const pending = await openPending(out);
    await pending.handle.write('half of a new one');
    assert.equal(await readFile(out, 'utf8'), 'old output', 'the old output stays until the new one is complete');
    await pending.discard();
    assert.equal(await readFile(out, 'utf8'), 'old output');
    assert.deepEqual((await readdir(f.dir)).sort(), ['hard.txt', 'input.txt', 'out.txt', 'sym.txt'], 'no temporary file left');
  });
});

interface Result { code: number | null; stdout: string; stderr: string }
function cli(args: string[], stdin?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.WEBGPU_BERT_DEBUG;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: temp, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
const oneLine = (r: Result, code: number, pattern: RegExp) => {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
};

describe('the CLI writes its outputs safely', () => {
  test('embed --output through a symlink or hard link to --input is refused, and nothing is touched', async () => {
    const f = await folder('embed-same');
    const input = path.join(f.dir, 'corpus.jsonl');
    await writeFile(input, '"a mat"\n"the cat"\n');
    await symlink('corpus.jsonl', path.join(f.dir, 'link.jsonl'));
    await link(input, path.join(f.dir, 'hard.jsonl'));
    for (const out of ['link.jsonl', 'hard.jsonl']) {
      oneLine(await cli(['embed', '--model', H64, '--input', input, '--output', path.join(f.dir, out)]), 2, /^error: --output .* is the --input file$/m);
      assert.equal(await readFile(input, 'utf8'), '"a mat"\n"the cat"\n');
    }
    assert.ok((await lstat(path.join(f.dir, 'link.jsonl'))).isSymbolicLink(), 'the link is still there');
    const npyInput = path.join(f.dir, 'v.scales.npy');
    await writeFile(npyInput, '"a mat"\n');
    oneLine(await cli(['embed', '--model', H64, '--input', npyInput, '--output', path.join(f.dir, 'v.npy'), '--precision', 'int8']), 2, /is the --input file \(its scales file/);
  });

  test('embed --output: a failure half-way (stdin) leaves the old output as it was and no temporary file', async () => {
    const dir = path.join(temp, 'embed-fail');
    await mkdir(dir);
    const out = path.join(dir, 'v.jsonl');
    await writeFile(out, 'the previous vectors\n');
    // stdin is checked as it streams, so the bad line is met after the first batch was embedded and written.
    const lines = [...Array.from({ length: 40 }, (_, i) => JSON.stringify(`text number ${i}`)), '{"nope": 1}'];
    const r = await cli(['embed', '--model', H64, ...FAST, '--input', '-', '--output', out, '--batch-tokens', '16'], `${lines.join('\n')}\n`);
    oneLine(r, 1, /stdin:41: .*"text" must be a string/);
    assert.equal(await readFile(out, 'utf8'), 'the previous vectors\n');
    assert.deepEqual(await readdir(dir), ['v.jsonl']);
    const ok = await cli(['embed', '--model', H64, ...FAST, '--input', '-', '--output', out], `${lines.slice(0, 3).join('\n')}\n`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 3, 'replaced whole by the complete output');
    assert.deepEqual(await readdir(dir), ['v.jsonl']);
  });

  test('run --output: the --input file (by link) is refused; a symlinked output is replaced, not written through', async () => {
    const f = await folder('run');
    const input = path.join(f.dir, 'in.json');
    await writeFile(input, JSON.stringify({ input_ids: [[101, 102]] }));
    await symlink('in.json', path.join(f.dir, 'in-link.json'));
    oneLine(await cli(['run', '--model', H64, '--input', input, '--output', path.join(f.dir, 'in-link.json')]), 2, /^error: --output .* is the --input file$/m);
    const r = await cli(['run', '--model', H64, ...FAST, '--text', 'hello', '--output', f.sym]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(f.input, 'utf8'), 'the input', 'the link\'s target is untouched');
    assert.ok(Array.isArray(JSON.parse(await readFile(f.sym, 'utf8')).last_hidden_state));
    assert.ok(!(await readdir(f.dir)).some((n) => n.endsWith('.tmp')));
  });

  test('quantize --out: files land by rename, a symlink already there is replaced and its target untouched', async () => {
    const dir = path.join(temp, 'quantized');
    await mkdir(dir);
    const canary = path.join(temp, 'canary.json');
    await writeFile(canary, 'canary');
    await symlink(canary, path.join(dir, 'tokenizer_config.json'));
    const r = await cli(['quantize', '--model', H64, '--out', dir, '--group', '32']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(canary, 'utf8'), 'canary');
    assert.ok((await lstat(path.join(dir, 'tokenizer_config.json'))).isFile());
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('.')), [], 'no staging folder left');
    assert.ok((await readdir(dir)).includes('model.safetensors'));
  });
});
