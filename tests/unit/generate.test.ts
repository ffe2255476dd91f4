// The checkpoint generator: every architecture and dtype loads through loadCheckpoint, weights are a pure
// function of the seed, 16-bit files are the f32 weights rounded, shards equal the single file, the
// built-in vocabulary tokenizes ordinary text, both tokenizer files agree, the default-model cache is
// written once, and the CLI reports bad arguments in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import type { PostLnWeights } from '../../src/families/encoder.ts';
import { parseConfig } from '../../src/families/index.ts';
import type { Weight } from '../../src/families/weights.ts';
import { f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from '../../src/gpu/float16.ts';
import {
  ARCHITECTURES, type Architecture, DEFAULT_MODEL_OPTIONS, FAMILY_ARCHITECTURES, type GenerateOptions, defaultVocabulary, familyOf,
  generateCheckpoint, generateWeights,
} from '../../src/model/generate.ts';
import { FAMILY_PREFIX } from '../../src/model/generate-families.ts';
import { KIND_SPECIALS } from '../../src/model/generate-tokenizers.ts';
import { STAMP_FILE, ensureDefaultModel, writeCheckpointFolder } from '../../src/model/generate-node.ts';
import { parseSafetensors, tensorToFloat32 } from '../../src/model/safetensors.ts';
import { loadCheckpoint } from '../../src/model/source.ts';
import { loadTokenizer, Tokenizer, tokenizerConfig } from '../../src/tokenizer/index.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DTYPES = ['F32', 'F16', 'BF16'] as const;
const TINY = { hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 24, maxPositions: 16 } as const;
const tiny = (architecture: Architecture, more: Partial<GenerateOptions> = {}): GenerateOptions => ({ architecture, ...TINY, ...more });

let scratch = '';
let counter = 0;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webgpu-bert-generate-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function written(files: Map<string, Uint8Array>): Promise<string> {
  const dir = join(scratch, `model-${counter++}`);
  await writeCheckpointFolder(dir, files);
  return dir;
}

const text = (files: Map<string, Uint8Array>, name: string) => new TextDecoder().decode(files.get(name));
const json = (files: Map<string, Uint8Array>, name: string) => JSON.parse(text(files, name));

/** Every tensor of every weight file, widened to f32. */
function tensorsOf(files: Map<string, Uint8Array>): Map<string, { dtype: string; shape: number[]; data: Float32Array }> {
  const out = new Map<string, { dtype: string; shape: number[]; data: Float32Array }>();
  for (const [name, bytes] of files) {
    if (!name.endsWith('.safetensors')) continue;
    for (const [t, info] of parseSafetensors(bytes, name).tensors) {
      out.set(t, { dtype: info.dtype, shape: info.shape, data: tensorToFloat32(bytes, info, name) });
    }
  }
  return out;
}

/** What each architecture must carry, by the rules of transformers' head classes. */
function expected(architecture: Architecture) {
  const family = familyOf(architecture);
  const is = (suffix: string) => architecture.endsWith(suffix);
  return {
    family,
    pooler: (is('Model') && ['bert', 'roberta', 'xlm-roberta', 'albert'].includes(family)) || architecture === 'BertForSequenceClassification' || architecture === 'AlbertForSequenceClassification',
    mlm: is('ForMaskedLM'),
    classifier: is('ForSequenceClassification') ? 2 : is('ForTokenClassification') ? 7 : 0,
    qa: is('ForQuestionAnswering'),
    discriminator: architecture === 'ElectraForPreTraining',
    prefix: is('Model') ? '' : FAMILY_PREFIX[family],
    kind: ({ bert: 'wordpiece', distilbert: 'wordpiece', electra: 'wordpiece', roberta: 'bpe', 'xlm-roberta': 'unigram', albert: 'wordpiece' } as const)[family],
  };
}

const TOKENIZER_FILES = {
  wordpiece: ['tokenizer.json', 'vocab.txt'],
  bpe: ['merges.txt', 'tokenizer.json', 'vocab.json'],
  unigram: ['tokenizer.json'],
} as const;

for (const architecture of ARCHITECTURES) {
  for (const dtype of DTYPES) {
    test(`${architecture} ${dtype}: HF files that loadCheckpoint loads with the architecture's heads`, async () => {
      const want = expected(architecture);
      const files = generateCheckpoint(tiny(architecture, { dtype }));
      assert.deepEqual([...files.keys()].sort(), [
        'config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer_config.json', ...TOKENIZER_FILES[want.kind],
      ].sort());
      const rawConfig = json(files, 'config.json');
      assert.deepEqual(Object.keys(rawConfig), Object.keys(rawConfig).sort(), 'config.json keys sorted, as transformers writes them');
      assert.equal(rawConfig.torch_dtype, { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype]);
      assert.equal(rawConfig.model_type, want.family);

      const ckpt = await loadCheckpoint(await written(files));
      const c = ckpt.config;
      assert.equal(ckpt.family.name, want.family === 'xlm-roberta' ? 'roberta' : want.family);
      assert.deepEqual(c.architectures, [architecture]);
      // RoBERTa's table keeps padding_idx + 1 rows before the first position: 16 tokens need 18 rows.
      const positions = want.kind === 'wordpiece' ? 16 : 18;
      assert.deepEqual(
        [c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.intermediateSize, c.maxPositionEmbeddings, c.maxSequenceLength, c.typeVocabSize],
        [16, 2, 2, 24, positions, 16, want.family === 'distilbert' ? 0 : 2],
      );
      assert.equal(c.hiddenAct, 'gelu');
      assert.equal(c.padTokenId, want.kind === 'wordpiece' ? 0 : 1);
      assert.equal(c.layerNormEps, 1e-12);
      assert.deepEqual(parseConfig(rawConfig).config, c);

      const w = ckpt.weights as PostLnWeights;
      const heads = ckpt.family.heads(c, w);
      assert.equal(w.embeddings.word.name, `${want.prefix}embeddings.word_embeddings.weight`);
      const narrow = want.family === 'electra' || want.family === 'albert';
      assert.equal(w.embeddings.word.shape[1], narrow ? 8 : 16, 'ELECTRA and ALBERT embed at half the hidden size');
      assert.equal(Boolean(w.project), narrow);
      assert.equal(w.layers.length, 2);
      // ALBERT: one layer group, run by both layers.
      if (want.family === 'albert') assert.equal(w.layers[0], w.layers[1]);
      assert.equal(heads.pooler, want.pooler, 'pooler');
      assert.equal(heads.mlm, want.mlm, 'MLM head');
      assert.equal(heads.discriminator, want.discriminator, 'discriminator');
      const classifier = w.heads.sequence?.out ?? w.heads.token;
      assert.equal(classifier?.weight.shape[0] ?? 0, want.classifier, 'classifier labels');
      assert.equal(heads.qa, want.qa, 'QA head');
      if (w.heads.mlm) assert.equal(w.heads.mlm.decoder.weight, w.embeddings.word, 'decoder tied');
      assert.deepEqual(ckpt.ignoredTensors, []);
      assert.deepEqual(Object.keys(ckpt.dtypeSummary), [dtype]);
      assert.deepEqual(ckpt.metadata, { format: 'pt' });
      assert.deepEqual(ckpt.weightFiles, ['model.safetensors']);
      if (want.classifier === 2) assert.deepEqual(c.id2label, ['NEGATIVE', 'POSITIVE']);
      if (want.classifier === 7) assert.deepEqual(c.id2label, ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']);
      if (want.classifier === 0) assert.equal(rawConfig.id2label, undefined, 'no labels outside the classification heads');

      // Every tokenizer file came back; each way of building the tokenizer gives the model's vocabulary.
      assert.ok(ckpt.files.tokenizerJson && ckpt.files.tokenizerConfig);
      const options = tokenizerConfig(ckpt.files.tokenizerConfig);
      assert.equal(options.modelMaxLength, 16);
      const fromJson = Tokenizer.fromJson(ckpt.files.tokenizerJson, options);
      assert.equal(fromJson.vocabSize, c.vocabSize);
      assert.equal(fromJson.padTokenId, c.padTokenId);
      assert.equal(fromJson.maskTokenId, fromJson.tokenToId(KIND_SPECIALS[want.kind].mask));
      if (want.kind === 'wordpiece') {
        assert.equal(loadTokenizer({ vocabTxt: ckpt.files.vocabTxt, tokenizerConfig: ckpt.files.tokenizerConfig })!.vocabSize, c.vocabSize);
      }
      if (want.kind === 'bpe') {
        assert.equal(loadTokenizer({ vocabJson: ckpt.files.vocabJson, mergesTxt: ckpt.files.mergesTxt, tokenizerConfig: ckpt.files.tokenizerConfig })!.vocabSize, c.vocabSize);
      }
    });
  }
}

test("every family's tokenizer.json runs the same in Hugging Face's Rust library, and its legacy files agree", async () => {
  const strings = [
    'The quick brown fox jumps over the lazy dog.', 'Hello, world! How are you today?', 'the <mask> sat on the [MASK] mat',
    "I don't think it's working... (really)", 'Café naïve résumé über Zürich', '  spaced\tout\nlines  ', '我在中国', '',
  ];
  for (const family of ['bert', 'roberta', 'xlm-roberta'] as const) {
    const files = generateCheckpoint(tiny(FAMILY_ARCHITECTURES[family][1]));
    const ckpt = await loadCheckpoint(await written(files));
    const ours = loadTokenizer(ckpt.files)!;
    const rust = RustTokenizer.fromString(text(files, 'tokenizer.json'));
    const legacy = family === 'bert' ? loadTokenizer({ vocabTxt: ckpt.files.vocabTxt, tokenizerConfig: ckpt.files.tokenizerConfig })
      : family === 'roberta' ? loadTokenizer({ vocabJson: ckpt.files.vocabJson, mergesTxt: ckpt.files.mergesTxt, tokenizerConfig: ckpt.files.tokenizerConfig })
        : undefined;
    let unknown = 0;
    for (const s of strings) {
      for (const pair of [undefined, 'a second text']) {
        const r = await rust.encode(s, pair);
        const e = ours.encode(s, pair === undefined ? {} : { pair });
        assert.deepEqual(e.inputIds, r.getIds(), `${family} ${JSON.stringify(s)}`);
        assert.deepEqual(e.tokenTypeIds, r.getTypeIds(), `${family} ${JSON.stringify(s)} type ids`);
        if (legacy) assert.deepEqual(legacy.encode(s, pair === undefined ? {} : { pair }), e, `${family} legacy files ${JSON.stringify(s)}`);
        if (s.startsWith('The quick') || s.startsWith('Hello')) unknown += e.inputIds.filter((id) => id === ours.unkTokenId).length;
      }
    }
    assert.equal(unknown, 0, `${family}: ordinary English has no unknown tokens`);
  }
});

test('weights are a function of the seed: same seed same bytes, another seed changes every tensor', () => {
  for (const architecture of ARCHITECTURES) {
    const a = generateCheckpoint(tiny(architecture, { seed: 7 }));
    const b = generateCheckpoint(tiny(architecture, { seed: 7 }));
    assert.deepEqual([...a.keys()], [...b.keys()]);
    for (const [name, bytes] of a) assert.deepEqual(b.get(name), bytes, `${architecture} ${name}`);
    const one = tensorsOf(a);
    const other = tensorsOf(generateCheckpoint(tiny(architecture, { seed: 8 })));
    assert.deepEqual([...other.keys()], [...one.keys()]);
    for (const [name, t] of one) {
      const u = other.get(name)!.data;
      const same = t.data.filter((v, i) => v === u[i]).length;
      assert.ok(same < Math.max(2, t.data.length / 100), `${architecture} ${name}: ${same} of ${t.data.length} values unchanged`);
    }
  }
});

test('the backbone depends on the seed only: heads and prefix leave it unchanged, in every family', () => {
  for (const [family, architectures] of Object.entries(FAMILY_ARCHITECTURES)) {
    const base = generateWeights(tiny(architectures[0], { seed: 3 }));
    const prefix = FAMILY_PREFIX[family as keyof typeof FAMILY_PREFIX];
    for (const architecture of architectures.slice(1)) {
      const head = generateWeights(tiny(architecture, { seed: 3 }));
      for (const [name, t] of base) {
        if (name.startsWith('pooler.') && !head.has(`${prefix}${name}`)) continue;
        assert.deepEqual(head.get(`${prefix}${name}`)?.data, t.data, `${architecture} ${prefix}${name}`);
      }
    }
  }
});

test('init: weights ~ N(0, 0.02²); LayerNorm gamma near but never exactly 1, beta and biases never exactly 0', () => {
  const w = generateWeights(tiny('BertForMaskedLM'));
  const stats = (d: Float32Array) => {
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    return { mean, std };
  };
  const emb = stats(w.get('bert.embeddings.word_embeddings.weight')!.data); // ~37k values
  assert.ok(Math.abs(emb.mean) < 1e-3 && Math.abs(emb.std - 0.02) < 1e-3, JSON.stringify(emb));
  for (const [name, t] of w) {
    if (/LayerNorm\.weight$/.test(name)) {
      const s = stats(t.data);
      assert.ok(Math.abs(s.mean - 1) < 0.1 && s.std > 0.03 && s.std < 0.3, `${name} ${JSON.stringify(s)}`);
      assert.ok(t.data.every((v) => v !== 1), name);
    } else if (/bias$/.test(name)) {
      const s = stats(t.data);
      assert.ok(s.std > 0.005 && s.std < 0.05, `${name} ${JSON.stringify(s)}`);
      assert.ok(t.data.every((v) => v !== 0), name);
    }
  }
});

test('F16 and BF16 files hold the F32 weights rounded to nearest even', () => {
  for (const architecture of ['BertForMaskedLM', 'BertForQuestionAnswering'] as const) {
    const f32 = tensorsOf(generateCheckpoint(tiny(architecture)));
    const round = { F16: (v: number) => f16BitsToNumber(numberToF16Bits(v)), BF16: (v: number) => new Float32Array(new Uint32Array([numberToBf16Bits(v) << 16]).buffer)[0] };
    for (const dtype of ['F16', 'BF16'] as const) {
      const half = tensorsOf(generateCheckpoint(tiny(architecture, { dtype })));
      assert.deepEqual([...half.keys()], [...f32.keys()]);
      for (const [name, t] of f32) {
        const h = half.get(name)!;
        assert.equal(h.dtype, dtype);
        assert.deepEqual(h.shape, t.shape);
        const bad = t.data.findIndex((v, i) => round[dtype](v) !== h.data[i]);
        assert.equal(bad, -1, `${dtype} ${name}[${bad}]: ${h.data[bad]} is not ${t.data[bad]} rounded`);
        assert.ok(h.data.some((v, i) => v !== t.data[i]), `${dtype} ${name}: rounding changed nothing`);
      }
    }
  }
});

test('sharded checkpoints: HF index and shard names, non-empty shards, load equal to the single file', async () => {
  const single = await loadCheckpoint(await written(generateCheckpoint(tiny('BertForSequenceClassification'))));
  for (const shards of [2, 3, 7]) {
    const files = generateCheckpoint(tiny('BertForSequenceClassification', { shards }));
    const names = Array.from({ length: shards }, (_, k) => `model-${String(k + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`);
    assert.ok(!files.has('model.safetensors'));
    const index = json(files, 'model.safetensors.index.json');
    assert.deepEqual([...new Set(Object.values(index.weight_map))].sort(), names);
    let bytes = 0;
    for (const name of names) {
      const parsed = parseSafetensors(files.get(name)!, name);
      assert.ok(parsed.tensors.size > 0, `${name} is empty`);
      for (const info of parsed.tensors.values()) bytes += info.end - info.begin;
    }
    assert.equal(index.metadata.total_size, bytes);
    const sharded = await loadCheckpoint(await written(files));
    assert.deepEqual([sharded.weightFiles[0], ...sharded.weightFiles.slice(1).sort()], ['model.safetensors.index.json', ...names]);
    assert.deepEqual(sharded.weights, single.weights);
    assert.deepEqual(sharded.config, single.config);
  }
  assert.throws(() => generateCheckpoint(tiny('BertModel', { shards: 1000 })), /shards 1000 exceeds the \d+ tensors/);
});

test('the default vocabulary: compact special ids, no repeats, tokenizes English and CJK text without [UNK]', () => {
  const vocab = defaultVocabulary();
  assert.deepEqual(vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal(new Set(vocab).size, vocab.length);
  assert.ok(vocab.length > 1500 && vocab.length < 4000, `${vocab.length} tokens`);
  assert.ok(vocab.every((t) => t.length > 0 && !/\s/.test(t)));
  assert.notEqual(defaultVocabulary(), defaultVocabulary(), 'a fresh copy each call');

  const files = generateCheckpoint(DEFAULT_MODEL_OPTIONS);
  const tok = Tokenizer.fromJson(json(files, 'tokenizer.json'), tokenizerConfig(json(files, 'tokenizer_config.json')));
  assert.deepEqual(tok.tokenize('The quick brown fox jumps over the lazy dog.'), [
    'the', 'quick', 'brown', 'fox', 'jump', '##s', 'over', 'the', 'lazy', 'dog', '.',
  ]);
  assert.deepEqual(tok.tokenize('我在中国'), ['我', '在', '中', '国']);
  assert.deepEqual(tok.tokenize('Café, naïve résumé!'), ['cafe', ',', 'naive', 'resume', '!']);
  assert.deepEqual(tok.tokenize('In 2024 we walked'), ['in', '2', '##0', '##2', '##4', 'we', 'walked']);
  // Characters outside the vocabulary are the expected [UNK]s: an emoji, Greek, kana.
  assert.deepEqual(tok.tokenize('ok 😀 Ω すし'), ['ok', '[UNK]', '[UNK]', '[UNK]']);
  const enc = tok.encode('Hello world');
  assert.deepEqual(enc.inputIds.slice(0, 1).concat(enc.inputIds.slice(-1)), [2, 3]);
  assert.ok(!enc.inputIds.includes(1), 'no [UNK]');
});

test('vocab.txt and tokenizer.json give identical encodings', () => {
  const strings = [
    'The quick brown fox jumps over the lazy dog.',
    '我在中国',
    'Hello, world! How are you today?',
    "I don't think it's working... (really)",
    'Café naïve résumé über Zürich',
    'E-mail: john.smith@example.com, 555-0199',
    '  spaced\tout\nlines  ',
    'UNBELIEVABLY long wordswithoutspaces antidisestablishmentarianism',
    'The [MASK] sat on the mat.',
    '[CLS] already here [SEP]',
    '他说：“我们去北京。”',
    'Ω 😀 mixed scripts',
    '',
  ];
  for (const opts of [DEFAULT_MODEL_OPTIONS, tiny('BertModel', { vocab: ['x', '[MASK]', '##y', '[SEP]', 'a', '[CLS]', '[UNK]', '[PAD]'] })]) {
    const files = generateCheckpoint(opts);
    const fromTxt = loadTokenizer({ vocabTxt: text(files, 'vocab.txt'), tokenizerConfig: json(files, 'tokenizer_config.json') })!;
    const fromJson = loadTokenizer({ tokenizerJson: json(files, 'tokenizer.json'), tokenizerConfig: json(files, 'tokenizer_config.json') })!;
    for (const id of ['unkTokenId', 'clsTokenId', 'sepTokenId', 'padTokenId', 'maskTokenId', 'vocabSize'] as const) {
      assert.equal(fromJson[id], fromTxt[id], id);
    }
    assert.equal(fromJson.padTokenId, json(files, 'config.json').pad_token_id);
    for (const s of strings) {
      assert.deepEqual(fromJson.encode(s), fromTxt.encode(s), JSON.stringify(s));
      assert.deepEqual(fromJson.encode(s, { pair: 'a second text' }), fromTxt.encode(s, { pair: 'a second text' }), JSON.stringify(s));
    }
  }
});

test('options: labels, activation, eps, type vocabulary, name prefix and a custom vocabulary reach the files', async () => {
  const labels = ['neutral', 'joy', 'anger'];
  const files = generateCheckpoint(tiny('BertForSequenceClassification', {
    labels, hiddenAct: 'gelu_new', layerNormEps: 1e-5, typeVocabSize: 3, namePrefix: false,
  }));
  const raw = json(files, 'config.json');
  assert.deepEqual(raw.id2label, { 0: 'neutral', 1: 'joy', 2: 'anger' });
  assert.deepEqual(raw.label2id, { anger: 2, joy: 1, neutral: 0 });
  const ckpt = await loadCheckpoint(await written(files));
  assert.deepEqual(ckpt.config.id2label, labels);
  assert.equal(ckpt.config.hiddenAct, 'gelu_tanh');
  assert.equal(ckpt.config.layerNormEps, 1e-5);
  const w = ckpt.weights as PostLnWeights;
  const values = (x: Weight | undefined) => ckpt.data.get(x!)!;
  assert.equal(values(w.embeddings.tokenType).length, 3 * 16);
  assert.equal(w.embeddings.word.name, 'embeddings.word_embeddings.weight');
  assert.equal(values(w.heads.sequence?.out.bias).length, 3);

  const prefixed = await loadCheckpoint(await written(generateCheckpoint(tiny('BertModel', { namePrefix: true }))));
  const pw = prefixed.weights as PostLnWeights;
  assert.equal(pw.embeddings.word.name, 'bert.embeddings.word_embeddings.weight');
  assert.ok(pw.heads.pooler);

  const vocab = ['[UNK]', 'hello', '[SEP]', '[PAD]', '[CLS]', '[MASK]', 'world'];
  const small = await loadCheckpoint(await written(generateCheckpoint(tiny('BertForMaskedLM', { vocab }))));
  assert.equal(small.config.vocabSize, 7);
  assert.equal(small.config.padTokenId, 3);
  assert.equal(small.data.get((small.weights as PostLnWeights).heads.mlm!.decoder.bias!)!.length, 7);
  assert.equal(small.files.vocabTxt, vocab.join('\n') + '\n');
});

test('bad options are refused with one-line messages', () => {
  const bad: [Partial<GenerateOptions>, RegExp][] = [
    [{ architecture: 'BertForNothing' as Architecture }, /unknown architecture "BertForNothing"/],
    [{ hiddenSize: 18, numHeads: 4 }, /hiddenSize 18 is not divisible by numHeads 4/],
    [{ numLayers: 0 }, /numLayers must be a positive integer, got 0/],
    [{ intermediateSize: 2.5 }, /intermediateSize must be a positive integer/],
    [{ dtype: 'F64' as 'F32' }, /dtype must be F32, F16 or BF16/],
    [{ seed: -1 }, /seed must be an integer in \[0, 2\^32\)/],
    [{ hiddenAct: 'swish' as 'gelu' }, /hiddenAct must be gelu, gelu_new or relu/],
    [{ vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] }, /vocab lacks the special token \[MASK\]/],
    [{ vocab: [...defaultVocabulary(), 'the'] }, /vocab token "the" appears twice/],
    [{ vocab: [...defaultVocabulary(), 'two\nlines'] }, /line break/],
    [{ architecture: 'BertForTokenClassification', labels: [] }, /labels must not be empty/],
    [{ architecture: 'BertForTokenClassification', labels: ['O', 'O'] }, /labels must be distinct/],
    [{ shards: 0 }, /shards must be a positive integer/],
  ];
  for (const [more, message] of bad) {
    assert.throws(() => generateCheckpoint({ ...tiny('BertModel'), ...more }), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /^generateCheckpoint: [^\n]+$/);
      assert.match(e.message, message);
      return true;
    });
  }
});

test('the default model: BertForMaskedLM 64/2/4/256, its size, and the cache written once per options', async () => {
  const previous = process.env.WEBGPU_BERT_CACHE;
  const cache = join(scratch, 'cache');
  process.env.WEBGPU_BERT_CACHE = cache;
  try {
    const dir = await ensureDefaultModel();
    assert.equal(dir, join(cache, 'default-model'));
    const ckpt = await loadCheckpoint(dir);
    assert.deepEqual(ckpt.config.architectures, ['BertForMaskedLM']);
    assert.deepEqual([ckpt.config.hiddenSize, ckpt.config.numHiddenLayers, ckpt.config.numAttentionHeads, ckpt.config.intermediateSize, ckpt.config.maxPositionEmbeddings], [64, 2, 4, 256, 128]);
    const V = defaultVocabulary().length;
    const H = 64;
    const params = V * H + 128 * H + 2 * H + 2 * H + 2 * (4 * (H * H + H) + 4 * H + 2 * (256 * H) + 256 + H) + (H * H + H + 2 * H + V);
    assert.deepEqual(ckpt.dtypeSummary, { F32: { tensors: 5 + 2 * 16 + 5, bytes: 4 * params } });
    const size = (await stat(join(dir, 'model.safetensors'))).size;
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'model.safetensors'))), generateCheckpoint(DEFAULT_MODEL_OPTIONS).get('model.safetensors'));
    console.log(`default model: ${params} parameters, model.safetensors ${size} bytes, vocabulary ${V}`);

    const before = await stat(join(dir, 'model.safetensors'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await ensureDefaultModel(), dir);
    const again = await stat(join(dir, 'model.safetensors'));
    assert.equal(again.mtimeMs, before.mtimeMs, 'second call rewrote the model');
    assert.equal(again.ino, before.ino);

    // A stamp from other options (or a half-written folder without one) is regenerated, atomically.
    await writeFile(join(dir, STAMP_FILE), '{"hash": "stale"}');
    assert.equal(await ensureDefaultModel(), dir);
    assert.notEqual((await stat(join(dir, 'model.safetensors'))).ino, before.ino, 'stale model kept');
    assert.notEqual(JSON.parse(await readFile(join(dir, STAMP_FILE), 'utf8')).hash, 'stale');

    // Racing callers all get a complete model and leave no temporary folders behind.
    await rm(dir, { recursive: true });
    const dirs = await Promise.all([ensureDefaultModel(), ensureDefaultModel(), ensureDefaultModel()]);
    assert.deepEqual(dirs, [dir, dir, dir]);
    await loadCheckpoint(dir);
    assert.deepEqual(await readdir(cache), ['default-model']);
  } finally {
    if (previous === undefined) delete process.env.WEBGPU_BERT_CACHE;
    else process.env.WEBGPU_BERT_CACHE = previous;
  }
});

test('scripts/generate-model.ts writes a loadable checkpoint and reports bad arguments in one line', async () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-model.ts', ...args], { cwd: REPO, encoding: 'utf8' });
  const out = join(scratch, 'cli');
  const ok = run(out, '--architecture', 'BertForQuestionAnswering', '--hidden', '32', '--heads', '2', '--layers', '1', '--intermediate', '48', '--dtype', 'BF16', '--seed', '5', '--shards', '2');
  assert.equal(ok.status, 0, ok.stderr);
  const ckpt = await loadCheckpoint(out);
  assert.deepEqual(ckpt.config.architectures, ['BertForQuestionAnswering']);
  assert.deepEqual(Object.keys(ckpt.dtypeSummary), ['BF16']);
  assert.equal(ckpt.weightFiles.length, 3);
  const expected = generateCheckpoint({ architecture: 'BertForQuestionAnswering', hiddenSize: 32, numHeads: 2, numLayers: 1, intermediateSize: 48, maxPositions: 128, dtype: 'BF16', seed: 5, shards: 2 });
  for (const [name, bytes] of expected) assert.deepEqual(new Uint8Array(await readFile(join(out, name))), bytes, name);

  const bad: [string[], RegExp][] = [
    [[], /^error: missing <out-dir>/],
    [[join(scratch, 'x'), '--hidden', 'abc'], /^error: --hidden needs an integer >= 1, got "abc"$/],
    [[join(scratch, 'x'), '--hidden', '30'], /^error: hiddenSize 30 is not divisible by numHeads 4$/],
    [[join(scratch, 'x'), '--dtype', 'F8'], /^error: --dtype must be one of F32, F16, BF16, got "F8"$/],
    [[join(scratch, 'x'), '--frobnicate', '1'], /^error: unknown option --frobnicate/],
    [[join(scratch, 'x'), '--seed'], /^error: --seed needs a value$/],
    [[out, '--shards', '1'], /^error: .* already holds .*model\.safetensors\.index\.json/],
  ];
  for (const [args, message] of bad) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.replace(/\n$/, ''), message);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
});
