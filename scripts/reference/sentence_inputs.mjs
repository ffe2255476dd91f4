#!/usr/bin/env node
// The inputs of the sentence-transformers / cross-encoder / zero-shot fixtures (tests/fixtures/sentence/),
// tokenized by Hugging Face's Rust tokenizers (the npm package `tokenizers`) on
// tests/fixtures/pytorch-bert-h64/tokenizer.json: the tokenization oracle. scripts/reference/sentence_fixtures.py
// runs this script and reads its JSON (stdout, or the path given as the first argument).
//
//     node scripts/reference/sentence_inputs.mjs [out.json]
//
// It reproduces what the pipelines hand the model:
//  - SentenceTransformer.encode: prompt + text (the prompt string prepended, nothing in between), the string
//    stripped (Transformer.tokenize), truncation "longest_first" to max_seq_length (special tokens included),
//    padding to the longest row, right side, pad id 0 / type 0 / mask 0. prompt_length: the ids of the prompt
//    tokenized alone (same settings), minus 1 when the last id is a special token ([SEP] here).
//  - CrossEncoder.predict / rank: (query, document) pairs, truncation longest_first to the tokenizer's
//    model_max_length (64 = min(model_max_length, max_position_embeddings)), padding to the longest.
//  - ZeroShotClassificationPipeline: (premise, hypothesis_template.format(label)) pairs, truncation only_first
//    (the hypothesis is never cut), one pair per model call (no padding); here also given as a padded batch.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Tokenizer } from 'tokenizers';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKENIZER = join(ROOT, 'tests', 'fixtures', 'pytorch-bert-h64', 'tokenizer.json');
const require = createRequire(import.meta.url);
const TOKENIZERS_VERSION = JSON.parse(readFileSync(require.resolve('tokenizers/package.json'), 'utf8')).version;

// Words from the fixture's vocab.txt (a Python-code vocabulary), capitals (the normalizer lowercases), words
// that split into ## pieces, punctuation, and one character outside the vocabulary ([UNK]).
const TEXTS = [
  'How to open a file in Python',
  'Read the socket buffer until the timeout',
  'The server returned an error: invalid request headers.',
  'Parse the date string',
  'Close the network connection when the client is done, then flush the cache and write the log file.',
  'Thread',
  'Decoding UTF-8 bytes raises UnicodeDecodeError',
  'It costs 5 € per month',
];

const PROMPTS_QP = { query: 'query: ', passage: 'passage: ' };

// One entry per SentenceTransformer fixture: max_seq_length, prompts, default_prompt_name, and the prompt name
// each text is encoded with (null: encode(text) without a prompt; with a default prompt name that means
// encode(text, prompt="")).
const ST = {
  'st-mean-dense-normalize': {
    max_seq_length: 12, prompts: PROMPTS_QP, default_prompt_name: null,
    prompt_names: ['query', 'query', 'passage', null, 'passage', null, 'query', null],
  },
  'st-cls': { max_seq_length: 64, prompts: { query: '', document: '' }, default_prompt_name: null },
  'st-max': { max_seq_length: 64, prompts: {}, default_prompt_name: null },
  'st-mean-sqrt': { max_seq_length: 64, prompts: {}, default_prompt_name: null },
  'st-weighted': { max_seq_length: 64, prompts: {}, default_prompt_name: null },
  'st-lasttoken': { max_seq_length: 64, prompts: {}, default_prompt_name: null },
  'st-multi': { max_seq_length: 64, prompts: {}, default_prompt_name: null },
  'st-prompt-excluded': {
    max_seq_length: 14, prompts: { query: 'query: ' }, default_prompt_name: 'query',
    prompt_names: ['query', 'query', 'query', 'query', 'query', 'query', null, null],
  },
};

const CROSS = {
  query: 'How do I close a socket connection?',
  documents: [
    'Close the socket connection when the client is done.',
    'The date string is parsed with the given format.',
    'A socket connection is closed by calling close on the socket object.',
    'Python threads share the same memory.',
    'Open the file, read the lines, then close it.',
    'Timeout errors mean the server did not send a response.',
  ],
};

const NLI = {
  premises: [
    'The server closed the connection after the request timed out.',
    'Read the file line by line and parse every date.',
  ],
  candidate_labels: ['network', 'file', 'error', 'time'],
  hypothesis_template: 'This example is {}.',
};

const tokenizer = Tokenizer.fromFile(TOKENIZER);
const specialIds = new Set([0, 6, 7, 8, 9]); // [PAD] [UNK] [CLS] [SEP] [MASK]: tokenizer.json's special added tokens
for (const t of JSON.parse(readFileSync(TOKENIZER, 'utf8')).added_tokens) if (!t.special) specialIds.delete(t.id);

function configure(maxLength, strategy) {
  tokenizer.setTruncation(maxLength, { strategy, direction: 'right', stride: 0 });
  tokenizer.disablePadding();
}

// A padded batch as the pipelines' tokenizer call returns it (padding=True: to the longest row, on the right).
async function batch(inputs) {
  const encs = await Promise.all(inputs.map((x) => (typeof x === 'string' ? tokenizer.encode(x) : tokenizer.encode(x[0], x[1]))));
  const longest = Math.max(...encs.map((e) => e.getLength()));
  for (const e of encs) e.pad(longest, { direction: 'right', padId: 0, padTypeId: 0, padToken: '[PAD]' });
  return {
    input_ids: encs.map((e) => e.getIds()),
    attention_mask: encs.map((e) => e.getAttentionMask()),
    token_type_ids: encs.map((e) => e.getTypeIds()),
    tokens: encs.map((e) => e.getTokens().filter((_, i) => e.getAttentionMask()[i] === 1)),
  };
}

async function promptLength(prompt) {
  const ids = (await tokenizer.encode(prompt.trim())).getIds();
  return specialIds.has(ids[ids.length - 1]) ? ids.length - 1 : ids.length;
}

const out = { tokenizer: 'tests/fixtures/pytorch-bert-h64/tokenizer.json', tokenizers_version: TOKENIZERS_VERSION, fixtures: {} };

for (const [name, f] of Object.entries(ST)) {
  configure(f.max_seq_length, 'LongestFirst');
  const promptNames = f.prompt_names ?? TEXTS.map(() => null);
  const prompts = promptNames.map((p) => (p === null ? '' : f.prompts[p]));
  const lengths = {};
  for (const p of new Set(prompts)) if (p) lengths[p] = await promptLength(p);
  const inputs = TEXTS.map((t, i) => (prompts[i] + t).trim());
  out.fixtures[name] = {
    kind: 'sentence-transformer', max_seq_length: f.max_seq_length, prompts: f.prompts, default_prompt_name: f.default_prompt_name,
    texts: TEXTS, prompt_names: promptNames, inputs, prompt_lengths: prompts.map((p) => (p ? lengths[p] : null)),
    ...(await batch(inputs)),
  };
}

configure(64, 'LongestFirst');
const pairs = CROSS.documents.map((d) => [CROSS.query, d]);
out.fixtures['cross-encoder'] = { kind: 'cross-encoder', max_length: 64, ...CROSS, pairs, ...(await batch(pairs)) };

configure(64, 'OnlyFirst');
const nliPairs = NLI.premises.flatMap((p) => NLI.candidate_labels.map((l) => [p, NLI.hypothesis_template.replace('{}', l)]));
out.fixtures.nli = { kind: 'zero-shot', max_length: 64, ...NLI, pairs: nliPairs, ...(await batch(nliPairs)) };

const text = JSON.stringify(out) + '\n';
if (process.argv[2]) writeFileSync(process.argv[2], text);
else process.stdout.write(text);
