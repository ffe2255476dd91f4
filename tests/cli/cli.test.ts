// The CLI end to end: `node bin/webgpu-bert.js …` as a child process, as a user runs it. Success cases check
// shapes, the adapter and numbers (against PyTorch's reference, and browser against node); failure cases check
// the contract: exit code 1 (2 for a wrong command line), one `error: …` line naming the file or flag on
// stderr, nothing on stdout. SwiftShader is slow: fixtures are tiny and most runs use the naive matmul
// (autotuning every shape costs seconds there); the default-model run keeps the defaults.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ATTENTION_VARIANTS, variantRefuses } from '../../src/kernels/attention.ts';
import { TOLERANCES, compare } from '../../src/reference/compare.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/webgpu-bert.js');
const H64 = path.join(ROOT, 'tests/fixtures/pytorch-bert-h64');
const H32 = path.join(ROOT, 'tests/fixtures/pytorch-bert-mlm-h32');
const FAST = ['--matmul', 'naive'];

interface Result { code: number | null; stdout: string; stderr: string }

/** Runs the CLI from `cwd` (default: a temp folder, so nothing depends on the caller's directory). */
function cli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.WEBGPU_BERT_DEBUG;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exit 0, nothing on stderr (no progress on a pipe), and the stdout JSON. */
async function ok(args: string[], opts?: { cwd?: string }): Promise<Record<string, any>> {
  const r = await cli(args, opts);
  assert.equal(r.code, 0, `exit ${r.code}; stderr: ${r.stderr}`);
  assert.equal(r.stderr, '', 'stderr must be empty without --progress');
  return JSON.parse(r.stdout);
}

/** The failure contract, and that the line mentions each of `mentions`. */
async function fails(args: string[], code: number, ...mentions: string[]): Promise<void> {
  const r = await cli(args);
  assert.equal(r.code, code, `exit ${r.code}, expected ${code}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'stdout must be empty on error');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one stderr line expected, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.doesNotMatch(lines[0], /internal error|\bat .*:\d+:\d+/, 'user errors carry no stack or internal-error hint');
  for (const m of mentions) assert.ok(lines[0].includes(m), `"${lines[0]}" should mention ${m}`);
}

const shape = (x: unknown): number[] => (Array.isArray(x) ? [x.length, ...shape(x[0])] : []);
const flat = (x: unknown): number[] => (x as unknown[]).flat(Infinity) as number[];
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

function assertAdapter(out: Record<string, any>, runtime: RegExp): void {
  const a = out.adapter;
  for (const key of ['vendor', 'architecture', 'description']) assert.equal(typeof a[key], 'string', `adapter.${key}`);
  assert.equal(typeof a.isFallback, 'boolean');
  assert.match(a.runtime, runtime);
}

let temp: string;
before(async () => {
  temp = await mkdtemp(path.join(tmpdir(), 'webgpu-bert-cli-'));
});
after(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe('run', () => {
  test('default model, examples/input.json, from another directory', async (t) => {
    const input = await readJson(path.join(ROOT, 'examples/input.json'));
    const out = await ok(['run', '--input', path.join(ROOT, 'examples/input.json')]);
    t.diagnostic(`adapter: ${JSON.stringify(out.adapter)}`);
    assertAdapter(out, /^node/);
    const [B, S] = shape(input.input_ids);
    const H = shape(out.last_hidden_state)[2];
    assert.deepEqual(shape(out.last_hidden_state), [B, S, H]);
    assert.ok(H > 0);
    // The default model is a BertForMaskedLM: logits over the vocabulary, no pooler.
    assert.equal(shape(out.logits).slice(0, 2).join(), [B, S].join());
    assert.equal(out.pooler_output, undefined);
    assert.equal(out.attentions, undefined);
    assert.ok(flat(out.last_hidden_state).every(Number.isFinite));
    const s = out.stats;
    assert.ok(s.dispatches_per_forward > 0 && s.dispatches_per_layer > 0 && s.weight_bytes > 0 && s.peak_activation_bytes > 0, JSON.stringify(s));
  });

  test('pytorch-bert-h64 matches the PyTorch reference, attentions included', async () => {
    const ref = await readJson(path.join(H64, 'reference.json'));
    const out = await ok(['run', '--model', H64, '--input', path.join(H64, 'reference.json'), '--attentions', ...FAST]);
    for (const name of ['last_hidden_state', 'pooler_output']) {
      assert.deepEqual(shape(out[name]), shape(ref[name]), name);
      const report = compare(flat(out[name]), flat(ref[name]), TOLERANCES.model, name);
      assert.ok(report.pass, report.message);
    }
    const [B, S] = shape(ref.input_ids);
    assert.deepEqual(shape(out.attentions), [2, B, 4, S, S], 'attentions [layer][batch][heads][seq][seq]');
    const report = compare(flat(out.attentions[0]), flat(ref.attentions_layer0), TOLERANCES.model, 'attentions[0]');
    assert.ok(report.pass, report.message);
  });

  test('--plan autotune times the candidate plans; --matmul A,B tunes among those; --plan fixed keeps the defaults', async () => {
    // The reference batch's shortest sequence alone (its real tokens compute as they do in the padded batch): a
    // shape small enough for the tuning budget to time every candidate on SwiftShader.
    const ref = await readJson(path.join(H64, 'reference.json'));
    const lengths: number[] = ref.attention_mask.map((m: number[]) => m.reduce((a, b) => a + b, 0));
    const [b, n] = [lengths.indexOf(Math.min(...lengths)), Math.min(...lengths)];
    assert.ok(ref.attention_mask[b].slice(0, n).every((v: number) => v === 1), 'padding on the right');
    const input = path.join(temp, 'shortest.json');
    await writeFile(input, JSON.stringify({ input_ids: [ref.input_ids[b].slice(0, n)], token_type_ids: [ref.token_type_ids[b].slice(0, n)] }));
    const tuned = await ok(['run', '--model', H64, '--input', input, '--plan', 'autotune', '--matmul', 'naive,reg4x8']);
    const plan = tuned.stats.plan;
    assert.equal(typeof plan.fuse_layernorm, 'boolean');
    // Each LayerNorm choice with each variant of the registry that takes head dim 16 (not flash-d64) was timed.
    const config = await readJson(path.join(H64, 'config.json'));
    const candidates = ATTENTION_VARIANTS.filter((v) => !variantRefuses(v, config.hidden_size / config.num_attention_heads))
      .flatMap((v) => [`fused+${v.name}`, `unfused+${v.name}`]);
    assert.ok(candidates.length >= 4 && candidates.every((c) => plan.tuned_ms[c] > 0), `${candidates.join(', ')} in ${JSON.stringify(plan)}`);
    assert.equal(plan.tuned_ms[`${plan.fuse_layernorm ? 'fused' : 'unfused'}+${plan.attention}`], Math.min(...Object.values(plan.tuned_ms) as number[]), 'the fastest was kept');
    const fixed = await ok(['run', '--model', H64, '--input', input, '--plan', 'fixed', ...FAST]);
    assert.deepEqual(fixed.stats.plan, { fuse_layernorm: true, attention: 'flash' });
    // Each plan held to PyTorch's float64 run, not to the other plan.
    const want = flat(ref.last_hidden_state[b].slice(0, n));
    for (const [name, out] of [['tuned', tuned], ['fixed', fixed]] as const) {
      const report = compare(flat(out.last_hidden_state), want, TOLERANCES.model, `${name} plan last_hidden_state`);
      assert.ok(report.pass, report.message);
    }
  });

  test('--repeat 3 adds timing', async () => {
    const out = await ok(['run', '--model', H64, '--text', 'hello world', '--repeat', '3', ...FAST]);
    const { timing, stats } = out;
    assert.deepEqual(Object.keys(timing).sort(), ['dispatches', 'first_ms', 'median_ms', 'min_ms', 'runs']);
    assert.equal(timing.runs, 3);
    assert.equal(timing.dispatches, stats.dispatches_per_forward);
    assert.ok(timing.first_ms > 0 && timing.min_ms > 0 && timing.min_ms <= timing.median_ms, JSON.stringify(timing));
  });

  test('--output writes the JSON to a file; stdout gets the summary; --progress goes to stderr', async () => {
    const file = path.join(temp, 'out.json');
    const r = await cli(['run', '--model', H64, '--text', 'hello world', '--pair', 'a pair', '--output', file, '--progress', ...FAST]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /loading/);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.output, file);
    const out = await readJson(file);
    assert.deepEqual(summary.shapes, { last_hidden_state: shape(out.last_hidden_state), pooler_output: shape(out.pooler_output) });
    assert.equal(shape(out.last_hidden_state)[2], 64);
    assertAdapter(out, /^node/);
  });

  test('--runtime browser and --runtime node on pytorch-bert-mlm-h32 both match PyTorch within fp32 rounding', async (t) => {
    const args = ['run', '--model', H32, '--input', path.join(H32, 'reference.json'), ...FAST];
    const ref = await readJson(path.join(H32, 'reference.json'));
    const [node, browser] = [await ok(args), await ok([...args, '--runtime', 'browser'])];
    t.diagnostic(`browser adapter: ${JSON.stringify(browser.adapter)}`);
    assertAdapter(browser, /^browser$/);
    assert.deepEqual(Object.keys(browser).sort(), Object.keys(node).sort());
    assert.deepEqual(browser.stats, node.stats);
    // Each runtime against the float64 reference at the kernels' fp32 tolerance (one layer stays near 1e-7
    // relative), not against the other runtime: a fault both share would pass that.
    for (const name of ['last_hidden_state', 'logits']) {
      assert.deepEqual(shape(browser[name]), shape(node[name]), name);
      for (const [runtime, out] of [['browser', browser], ['node', node]] as const) {
        const report = compare(flat(out[name]), flat(ref[name]), TOLERANCES.fp32, `${name} ${runtime} vs PyTorch`);
        assert.ok(report.pass, report.message);
      }
    }
  });
});

// Every family's PyTorch fixture through `run --input` (reference.json holds the inputs too): what
// transformers returns, by its names, within the model tolerance; a few again in the browser.
describe('run on every family', () => {
  const FAMILIES = path.join(ROOT, 'tests/fixtures/families');
  const OUTPUTS = ['last_hidden_state', 'pooler_output', 'logits', 'start_logits', 'end_logits'] as const;
  const check = async (name: string, runtime: 'node' | 'browser') => {
    const dir = path.join(FAMILIES, name);
    const want = await readJson(path.join(dir, 'reference.json'));
    const out = path.join(temp, `${name}-${runtime}.json`);
    const r = await cli(['run', '--model', dir, '--input', path.join(dir, 'reference.json'), '--output', out, '--runtime', runtime, ...FAST]);
    assert.equal(r.code, 0, r.stderr);
    const got = await readJson(out);
    const compared: string[] = [];
    for (const key of OUTPUTS) {
      if (want[key] === undefined) continue;
      assert.deepEqual(shape(got[key]), shape(want[key]), `${name} ${key} shape`);
      const report = compare(flat(got[key]), flat(want[key]), TOLERANCES.model, `${name} ${key}`);
      assert.ok(report.pass, report.message);
      compared.push(`${key} ${report.relNorm.toExponential(1)}`);
    }
    const heads = want.architecture.endsWith('Model') ? 0 : 1;
    assert.ok(compared.length >= 1 + heads, `${name}: the hidden state${heads ? ' and the head' : ''} compared (${compared})`);
    return `${name} (${want.architecture}, ${want.dtype}): ${compared.join(', ')}`;
  };
  test('node: every fixture', async (t) => {
    // Not the two wide ones: xlm-roberta-h768 (tests/node/large-tables) and modernbert-8k (tests/node/long-context).
    const names = (await readdir(FAMILIES, { withFileTypes: true })).filter((d) => d.isDirectory() && !['xlm-roberta-h768', 'modernbert-8k'].includes(d.name)).map((d) => d.name);
    assert.ok(names.length >= 19, `${names.length} fixtures`);
    for (const name of names) t.diagnostic(await check(name, 'node'));
  });
  test('browser: DistilBERT, RoBERTa, XLM-R (BF16) and ELECTRA', async (t) => {
    for (const name of ['distilbert-seqcls', 'roberta-mlm', 'xlm-roberta-mlm', 'electra-discriminator']) t.diagnostic(await check(name, 'browser'));
  });
});

// sentence-transformers folders, a cross-encoder and an NLI model (tests/fixtures/sentence: PyTorch's
// pipelines in float64) through embed, rerank and zero-shot.
describe('embed, rerank and zero-shot on sentence-transformers fixtures', () => {
  const SENTENCE = path.join(ROOT, 'tests/fixtures/sentence');
  test('embed runs the folder\'s pipeline (mean, Dense, Normalize) with --prompt, as PyTorch does', async () => {
    const dir = path.join(SENTENCE, 'st-mean-dense-normalize');
    const ref = await readJson(path.join(dir, 'reference.json'));
    const idx = ref.prompt_names.flatMap((p: string | null, i: number) => (p === 'query' ? [i] : []));
    const out = await ok(['embed', '--model', dir, '--prompt', 'query', ...idx.map((i: number) => ref.texts[i]), ...FAST]);
    assert.deepEqual([out.pooling, out.modules, out.normalized, out.prompt], ['mean', ['Transformer', 'Pooling', 'Dense', 'Normalize'], true, 'query: ']);
    const report = compare(flat(out.embeddings), flat(idx.map((i: number) => ref.embeddings[i])), TOLERANCES.model, 'embeddings');
    assert.ok(report.pass, report.message);
    await fails(['embed', '--model', dir, '--prompt', 'nosuch', 'x'], 1, 'no prompt named "nosuch"', '"query", "passage"');
  });
  test('rerank orders the documents as PyTorch\'s scores do; zero-shot gives its probabilities', async () => {
    const ce = await readJson(path.join(SENTENCE, 'cross-encoder/reference.json'));
    const ranked = await ok(['rerank', '--model', path.join(SENTENCE, 'cross-encoder'), ce.query, ...ce.documents, ...FAST]);
    assert.deepEqual(ranked.result.map((r: { index: number }) => r.index), ce.ranking);
    const nli = await readJson(path.join(SENTENCE, 'nli/reference.json'));
    const zs = await ok(['zero-shot', '--model', path.join(SENTENCE, 'nli'), '--labels', nli.candidate_labels.join(','), '--template', nli.hypothesis_template, ...nli.premise, ...FAST]);
    zs.result.forEach((r: { labels: string[]; scores: number[] }, i: number) => {
      assert.deepEqual(r.labels, nli.single_label[i].labels);
      const report = compare(r.scores, nli.single_label[i].scores, TOLERANCES.model, 'scores');
      assert.ok(report.pass, report.message);
    });
    await fails(['zero-shot', '--model', path.join(SENTENCE, 'cross-encoder'), '--labels', 'a,b', 'x', ...FAST], 1, 'needs an NLI model');
  });
});

// A corpus through embed --input: input order, the vector formats, and memory that does not grow with the
// corpus (peak RSS at 10,000 texts against 1,000).
describe('embed --input: a corpus streamed in length-sorted batches', () => {
  const words = 'the cat sat on a mat dogs ran far'.split(' ');
  const corpusFile = async (name: string, n: number) => {
    const file = path.join(temp, name);
    const lines = Array.from({ length: n }, (_, i) => {
      const text = Array.from({ length: 1 + ((i * 7) % 3) }, (_, j) => words[(i + 3 * j) % words.length]).join(' ');
      return JSON.stringify(i % 4 === 0 ? { text } : text);
    });
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  };
  const FASTER = ['--matmul', 'unrolled4x4'];

  test('vectors in input order, as embed gives them one text at a time; jsonl, npy, f16, int8 and binary', async () => {
    const texts = ['a mat', 'the cat sat on a mat while the dogs ran far', 'dogs', 'the cat', 'ran far on a mat'];
    const file = path.join(temp, 'small.jsonl');
    await writeFile(file, texts.map((t) => JSON.stringify(t)).join('\n'));
    const alone: number[][] = [];
    for (const t of texts) alone.push((await ok(['embed', '--normalize', t, ...FASTER])).embeddings[0]);
    const jsonl = path.join(temp, 'v.jsonl');
    const summary = (await ok(['embed', '--input', file, '--output', jsonl, '--normalize', '--batch-tokens', '24', ...FASTER])).result;
    assert.deepEqual([summary.texts, summary.dimension, summary.precision], [5, 64, 'f32']);
    const rows = (await readFile(jsonl, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).embedding);
    assert.ok(compare(rows.flat(), alone.flat(), TOLERANCES.fp32, 'jsonl vs alone').pass);
    const npy = path.join(temp, 'v.npy');
    await ok(['embed', '--input', file, '--output', npy, '--normalize', ...FASTER]);
    const bytes = await readFile(npy);
    const header = bytes.subarray(10, 128).toString('latin1');
    assert.match(header, /'descr': '<f4', 'fortran_order': False, 'shape': \(5, 64\)/);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 128, bytes.byteOffset + bytes.length));
    assert.ok(compare(values, alone.flat(), TOLERANCES.fp32, 'npy vs alone').pass);
    const f16 = path.join(temp, 'v.f16');
    await ok(['embed', '--input', file, '--output', f16, '--normalize', ...FASTER]);
    assert.equal((await readFile(f16)).length, 5 * 64 * 2);
    const q = path.join(temp, 'q.jsonl');
    await ok(['embed', '--input', file, '--output', q, '--precision', 'int8', '--normalize', ...FASTER]);
    const first = JSON.parse((await readFile(q, 'utf8')).split('\n')[0]);
    assert.ok(first.int8.every((v: number, i: number) => Math.abs(v * first.scale - alone[0][i]) <= first.scale / 2 + 1e-7), 'int8 * scale within half a step');
    const b = path.join(temp, 'b.npy');
    await ok(['embed', '--input', file, '--output', b, '--precision', 'binary', ...FASTER]);
    const bits = await readFile(b);
    assert.match(bits.subarray(10, 128).toString('latin1'), /'descr': '\|u1', 'fortran_order': False, 'shape': \(5, 8\)/);
    assert.equal(bits[128] >> 7, alone[0][0] > 0 ? 1 : 0);
    await fails(['embed', '--input', file, '--output', path.join(temp, 'v.txt')], 2, 'must end in .jsonl, .npy or .f16');
    await fails(['embed', '--input', file, '--output', file], 2, 'is the --input file');
    await writeFile(path.join(temp, 'bad.jsonl'), '"fine"\n{"nope": 1}\n');
    await fails(['embed', '--input', path.join(temp, 'bad.jsonl'), '--output', jsonl], 1, 'bad.jsonl:2', '"text" must be a string');
  });

  test('peak memory at 10,000 texts is about that at 1,000', async () => {
    const peaks: number[] = [];
    for (const n of [1000, 10000]) {
      const out = path.join(temp, `c${n}-vectors.jsonl`);
      const r = (await ok(['embed', '--input', await corpusFile(`c${n}.jsonl`, n), '--output', out, '--batch-tokens', '16384', ...FASTER])).result;
      assert.equal(r.texts, n);
      assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, n);
      peaks.push(r.peak_rss_mib);
    }
    console.log(`embed --input peak RSS: ${peaks[0]} MiB at 1,000 texts, ${peaks[1]} MiB at 10,000`);
    assert.ok(peaks[1] < peaks[0] * 1.5, `peak RSS ${peaks[1]} MiB at 10,000 texts vs ${peaks[0]} MiB at 1,000`);
  });
});

describe('tokenize', () => {
  test('one text', async () => {
    const out = await ok(['tokenize', 'Hello World']); // the default model's vocabulary
    assert.deepEqual(Object.keys(out), ['tokens', 'input_ids', 'token_type_ids', 'attention_mask']);
    assert.deepEqual(out.tokens, ['[CLS]', 'hello', 'world', '[SEP]']);
    assert.equal(out.input_ids.length, 4);
    assert.deepEqual(out.attention_mask, [1, 1, 1, 1]);
  });

  test('a pair truncated by --max-length', async () => {
    const full = await ok(['tokenize', '--model', H64, '--pair', 'the answer is here', 'what is the question']);
    const ids = full.token_type_ids as number[];
    assert.equal(ids[0], 0);
    assert.equal(ids.at(-1), 1, 'the pair has token type 1');
    const cut = await ok(['tokenize', '--model', H64, '--max-length', '7', '--pair', 'the answer is here', 'what is the question']);
    assert.equal(cut.input_ids.length, 7);
    assert.equal(cut.tokens.filter((x: string) => x === '[SEP]').length, 2);
    assert.ok(cut.token_type_ids.includes(1));
  });

  test('--input: a JSONL corpus of strings and pairs, one encoding per line, equal to the Rust tokenizers', async () => {
    const { Tokenizer: RustTokenizer } = await import('tokenizers');
    const { udhr } = await import('../tokenizer/corpus.ts');
    const model = path.join(temp, 'unigram-model');
    await mkdir(model, { recursive: true });
    await copyFile(path.join(ROOT, 'tests/fixtures/tokenizers/xlmr-unigram.json'), path.join(model, 'tokenizer.json'));
    const texts = udhr(2).map((p) => p.text).slice(0, 400);
    const lines = texts.map((t, i) => (i % 3 === 0 ? JSON.stringify({ text: t, pair: texts[(i + 7) % texts.length], label: 'ignored' }) : JSON.stringify(t)));
    const corpus = path.join(temp, 'corpus.jsonl');
    await writeFile(corpus, `${lines.slice(0, 10).join('\n')}\n\n${lines.slice(10).join('\r\n')}\n`); // a blank line and CRLFs on the way
    const r = await cli(['tokenize', '--model', model, '--input', corpus, '--offsets', '--max-length', '48']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(out.length, texts.length, 'one line out per non-blank line in');
    const rust = RustTokenizer.fromString(await readFile(path.join(model, 'tokenizer.json'), 'utf8'));
    rust.setTruncation(48);
    let mismatches = 0;
    for (let i = 0; i < texts.length; i++) {
      const pair = i % 3 === 0 ? texts[(i + 7) % texts.length] : undefined;
      const e = await rust.encode(texts[i], pair);
      const units = (s: string, k: number) => [...s].slice(0, k).join('').length; // code points -> UTF-16
      const seq = e.getSequenceIds();
      const offsets = e.getOffsets().map(([a, b], k) => (seq[k] === null ? [a, b] : [units(seq[k] === 1 ? pair! : texts[i], a), units(seq[k] === 1 ? pair! : texts[i], b)]));
      const want = { tokens: e.getTokens(), input_ids: e.getIds(), token_type_ids: e.getTypeIds(), attention_mask: e.getAttentionMask(), offsets };
      if (JSON.stringify(out[i]) !== JSON.stringify(want)) mismatches++;
    }
    assert.equal(mismatches, 0, `${mismatches} of ${texts.length} lines differ from the Rust library`);
    // stdin, and a pair line without --offsets
    const child = spawn(process.execPath, [BIN, 'tokenize', '--model', model, '--input', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end('"hello"\n{"text": "a", "pair": "b"}\n');
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0);
    const fromStdin = stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(fromStdin.length, 2);
    assert.deepEqual(Object.keys(fromStdin[0]), ['tokens', 'input_ids', 'token_type_ids', 'attention_mask']);
  });

  test('--input errors name the file and line; nothing is written', async () => {
    const file = async (name: string, content: string) => {
      const f = path.join(temp, name);
      await writeFile(f, content);
      return f;
    };
    await fails(['tokenize', '--input', await file('bad-json.jsonl', '"ok"\n{"text": oops}\n')], 1, 'bad-json.jsonl:2', 'not valid JSON');
    await fails(['tokenize', '--input', await file('no-text.jsonl', '"ok"\n"fine"\n{"pair": "x"}\n')], 1, 'no-text.jsonl:3', '"text"');
    await fails(['tokenize', '--input', await file('number.jsonl', '42\n')], 1, 'number.jsonl:1', 'JSON string');
    await fails(['tokenize', '--input', await file('blank.jsonl', '\n\n')], 1, 'blank.jsonl', 'no texts');
    await fails(['tokenize', '--input', path.join(temp, 'absent.jsonl')], 1, 'absent.jsonl', 'not found');
    await fails(['tokenize', '--input', await file('one.jsonl', '"a"\n'), 'and a text'], 2, '--input');
    await fails(['tokenize', '--input', await file('two.jsonl', '"a"\n'), '--pair', 'b'], 2, '--pair');
    await fails(['tokenize'], 2, '--input');
    await fails(['tokenize', '--input', await file('short.jsonl', '"a"\n{"text": "a b c", "pair": "d e f"}\n'), '--max-length', '2'], 1, 'short.jsonl:', '--max-length 2');
  });
});

describe('embed', () => {
  const texts = ['hello world', 'the quick brown fox jumps over the lazy dog'];
  test('cls = first hidden state; mean ignores padding; --normalize gives unit norm', async () => {
    const single = await ok(['run', '--model', H64, '--text', texts[0], ...FAST]);
    const hidden = single.last_hidden_state[0] as number[][];
    const cls = await ok(['embed', '--model', H64, '--pooling', 'cls', ...FAST, ...texts]);
    assert.deepEqual(shape(cls.embeddings), [2, 64]);
    assertAdapter(cls, /^node/);
    let report = compare(cls.embeddings[0], hidden[0], TOLERANCES.fp32, 'cls');
    assert.ok(report.pass, report.message);

    // texts[0] is padded in the batch; its mean must equal the unpadded run's mean over its own tokens.
    const mean = await ok(['embed', '--model', H64, '--normalize', ...FAST, ...texts]);
    const want = hidden[0].map((_, h) => hidden.reduce((a, row) => a + row[h], 0) / hidden.length);
    const norm = Math.hypot(...want);
    report = compare(mean.embeddings[0], want.map((x) => x / norm), TOLERANCES.fp32, 'mean, normalized');
    assert.ok(report.pass, report.message);
    for (const e of mean.embeddings as number[][]) assert.ok(Math.abs(Math.hypot(...e) - 1) < 1e-6, `norm ${Math.hypot(...e)} (normalised on the GPU in f32)`);
  });
});

describe('help and version', () => {
  test('--help (top level and per command) and --version exit 0', async () => {
    for (const args of [['--help'], ['run', '--help'], ['tokenize', '-h'], ['embed', '--help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage: webgpu-bert/);
    }
    const pkg = await readJson(path.join(ROOT, 'package.json'));
    assert.equal((await cli(['--version'])).stdout.trim(), pkg.version);
  });
});

describe('bad input: exit code, one error line naming the culprit, empty stdout', { concurrency: 4 }, () => {
  const text = ['--text', 'hello'];
  test('missing --model folder', () => fails(['run', '--model', path.join(ROOT, 'no-such-model'), ...text], 1, 'no-such-model'));

  test('model folder without config.json', async () => {
    const dir = path.join(temp, 'no-config');
    await mkdir(dir);
    await copyFile(path.join(H64, 'vocab.txt'), path.join(dir, 'vocab.txt'));
    await fails(['run', '--model', dir, ...text], 1, 'config.json');
  });

  test('truncated model.safetensors', async () => {
    const dir = path.join(temp, 'truncated');
    await mkdir(dir);
    for (const f of await readdir(H64)) await copyFile(path.join(H64, f), path.join(dir, f));
    const bytes = await readFile(path.join(H64, 'model.safetensors'));
    await writeFile(path.join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length >> 1));
    await fails(['run', '--model', dir, ...text, ...FAST], 1, 'model.safetensors');
  });

  const inputFile = async (name: string, content: string) => {
    const file = path.join(temp, name);
    await writeFile(file, content);
    return file;
  };
  test('in.json that is not JSON', async () => {
    await fails(['run', '--model', H64, '--input', await inputFile('not-json.json', '{"input_ids": [[1, 2')], 1, 'not-json.json', 'JSON');
  });
  test('in.json with ragged rows', async () => {
    await fails(['run', '--model', H64, '--input', await inputFile('ragged.json', '{"input_ids": [[7, 10, 8], [7, 8]]}')], 1, 'ragged.json', 'input_ids');
  });
  test('token id >= vocab size', async () => {
    await fails(['run', '--model', H64, '--input', await inputFile('big-id.json', '{"input_ids": [[7, 10, 1636, 8]]}')], 1, 'big-id.json', 'input_ids[0][2]', '1636');
  });
  test('unknown flag', () => fails(['run', '--bogus', ...text], 2, '--bogus'));
  test('unknown command', () => fails(['frobnicate'], 2, 'frobnicate'));
  test('unknown attention variant', () => fails(['run', '--model', H64, ...text, '--attention', 'quantum'], 2, '--attention', 'quantum'));
  test('unknown matmul configuration in a list', () => fails(['run', '--model', H64, ...text, '--matmul', 'naive,reg5x5'], 2, '--matmul', 'reg5x5'));
  test('bad --plan', () => fails(['run', '--model', H64, ...text, '--plan', 'sometimes'], 2, '--plan', 'sometimes'));
  test('--repeat 0', () => fails(['run', '--model', H64, ...text, '--repeat', '0'], 2, '--repeat'));
});

// The task commands on generated checkpoints with each head (tiny, so SwiftShader runs them in seconds).
// The numbers are the tasks' own (tested against the float64 reference in tests/node/tasks.test.ts);
// here: the command line, the output shape and the errors.
test('task commands: fill-mask, classify, ner, qa, similarity', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { generateCheckpoint } = await import('../../src/model/generate.ts');
  const { writeCheckpointFolder } = await import('../../src/model/generate-node.ts');
  const dir = mkdtempSync(`${tmpdir()}/webgpu-bert-tasks-`);
  const make = async (architecture: 'BertForSequenceClassification' | 'BertForTokenClassification' | 'BertForQuestionAnswering') => {
    const out = `${dir}/${architecture}`;
    await writeCheckpointFolder(out, generateCheckpoint({ architecture, hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, seed: 3 }));
    return out;
  };
  const fast = ['--matmul', 'naive'];
  const fill = await ok(['fill-mask', ...fast, '--top-k', '3', 'the [MASK] sat on the [MASK]']);
  assert.equal(fill.result.length, 2, 'one list per [MASK]');
  assert.equal(fill.result[0].length, 3);
  assert.deepEqual(Object.keys(fill.result[0][0]).sort(), ['score', 'sequence', 'token', 'tokenId']);
  const cls = await ok(['classify', ...fast, '--model', await make('BertForSequenceClassification'), '--all', '--pair', 'b', 'a']);
  assert.deepEqual(cls.result.map((r: { label: string }) => r.label).sort(), ['NEGATIVE', 'POSITIVE']);
  assert.ok(Math.abs(cls.result[0].score + cls.result[1].score - 1) < 1e-6);
  const text = 'Ada Lovelace lived in London';
  const ner = await ok(['ner', ...fast, '--model', await make('BertForTokenClassification'), text]);
  for (const e of ner.result) assert.equal(text.slice(e.start, e.end), e.word);
  const context = 'It was written by Ada in London.';
  const qa = await ok(['qa', ...fast, '--model', await make('BertForQuestionAnswering'), '--top-k', '2', 'who wrote it?', context]);
  assert.equal(qa.result.length, 2);
  for (const a of qa.result) assert.equal(context.slice(a.start, a.end), a.answer);
  const sim = await ok(['similarity', ...fast, 'a cat sat', 'a cat was sitting', 'stock prices fell']);
  assert.equal(sim.result.matrix.length, 3);
  sim.result.matrix.forEach((row: number[], i: number) => assert.ok(Math.abs(row[i] - 1) < 1e-5));
  // A checkpoint without the head, and a missing positional: one line each.
  await fails(['classify', ...fast, 'hello'], 1, 'sequence classification head');
  await fails(['qa', 'only a question'], 2, 'qa');
});

test('task commands on the other families: <mask> in RoBERTa and XLM-R, DistilBERT classify, ELECTRA ner and qa', async () => {
  const { generateCheckpoint } = await import('../../src/model/generate.ts');
  const { writeCheckpointFolder } = await import('../../src/model/generate-node.ts');
  const make = async (architecture: Parameters<typeof generateCheckpoint>[0]['architecture']) => {
    const out = path.join(temp, `task-${architecture}`);
    await writeCheckpointFolder(out, generateCheckpoint({ architecture, hiddenSize: 32, numLayers: 1, numHeads: 2, intermediateSize: 64, seed: 4 }));
    return out;
  };
  for (const architecture of ['RobertaForMaskedLM', 'XLMRobertaForMaskedLM'] as const) {
    const fill = await ok(['fill-mask', ...FAST, '--model', await make(architecture), '--top-k', '2', 'the <mask> sat on the <mask>']);
    assert.equal(fill.result.length, 2, `${architecture}: one list per <mask>`);
  }
  await fails(['fill-mask', ...FAST, '--model', await make('RobertaForMaskedLM'), 'the [MASK] sat'], 1, '<mask>');
  const cls = await ok(['classify', ...FAST, '--model', await make('DistilBertForSequenceClassification'), '--all', '--pair', 'b', 'a']);
  assert.deepEqual(cls.result.map((r: { label: string }) => r.label).sort(), ['NEGATIVE', 'POSITIVE']);
  const text = 'Ada Lovelace lived in London';
  const ner = await ok(['ner', ...FAST, '--model', await make('ElectraForTokenClassification'), text]);
  for (const e of ner.result) assert.equal(text.slice(e.start, e.end), e.word);
  const context = 'It was written by Ada in London.';
  const qa = await ok(['qa', ...FAST, '--model', await make('ElectraForQuestionAnswering'), '--top-k', '2', 'who wrote it?', context]);
  for (const a of qa.result) assert.equal(context.slice(a.start, a.end), a.answer);
});

test('quantize writes an int8 checkpoint every command loads; compare reports its accuracy; --weights picks the storage', async () => {
  const out = path.join(temp, 'h64-int8');
  const q = await ok(['quantize', '--model', H64, '--out', out, '--group', '32']);
  assert.deepEqual(Object.keys(q), ['out', 'group', 'quantized', 'kept', 'bytes_before', 'bytes_after']);
  assert.equal(q.quantized, 13, '2 layers x 6 Linear weights + the pooler');
  assert.ok(q.bytes_after < q.bytes_before / 2.5, JSON.stringify(q));
  const run = await ok(['run', '--model', out, '--text', 'hello world', ...FAST]);
  assert.equal(run.stats.weight_storage.i8.tensors, 9, `2 layers x (QKV stacked, attention out, FFN in, FFN out) + pooler: ${JSON.stringify(run.stats.weight_storage)}`);
  const cmp = await ok(['compare', '--model', out, '--against', H64, ...FAST]);
  assert.ok(cmp.pooled_cosine.min >= 0.999, JSON.stringify(cmp));
  assert.ok(cmp.weight_bytes.model < cmp.weight_bytes.against / 2);
  const half = await ok(['run', '--model', H64, '--text', 'hello world', '--weights', 'f16', ...FAST]);
  assert.ok(half.stats.weight_storage.f16.tensors > 0 && half.stats.weight_bytes < run.stats.weight_bytes * 2);
  await fails(['quantize', '--model', H64], 2, '--out');
  await fails(['quantize', '--model', H64, '--out', out], 1, 'already holds a checkpoint');
  await fails(['quantize', '--model', H64, '--out', path.join(temp, 'q4'), '--bits', '4'], 2, '--bits');
  await fails(['quantize', '--model', H64, '--out', path.join(temp, 'q48'), '--group', '48'], 2, '--group');
  await fails(['quantize', '--model', out, '--out', path.join(temp, 'twice')], 1, 'already quantized');
  await fails(['run', '--model', H64, '--text', 'hi', '--weights', 'int4'], 2, '--weights');
});
