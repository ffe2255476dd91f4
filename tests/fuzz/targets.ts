// What the fuzzer damages and how each damaged input is read: real fixtures (generated checkpoints of every
// generated family, sharded, f16/bf16 and int8-quantized ones, a sentence-transformers folder, real
// tokenizer.json files, run inputs, JSONL corpora), one seeded mutation per case, then the code a user's
// file goes through (loadCheckpoint from a Map of files, the tokenizer, the CLI's input and corpus readers).
// A case's input is a pure function of (target, seed): any failure replays from those two numbers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openCheckpointSource, loadCheckpoint, type CheckpointFiles } from '../../src/model/source.ts';
import { generateCheckpoint, type GenerateOptions } from '../../src/model/generate.ts';
import { quantizeCheckpoint } from '../../src/model/quantize-checkpoint.ts';
import { parseSafetensors, tensorToFloat32 } from '../../src/model/safetensors.ts';
import { parseConfig } from '../../src/families/index.ts';
import { loadTokenizer, readTokenizerFiles, type Tokenizer } from '../../src/tokenizer/index.ts';
import { parseJsonText } from '../../src/tokenizer/json-text.ts';
import { checkInputs } from '../../src/cli/inputs.ts';
import { parseCorpusLine } from '../../src/cli/tokenize.ts';
import { CliError } from '../../src/cli/errors.ts';
import { Rng } from '../../src/random.ts';
import { concat, jsonBytes, mutateBytes, mutateJson, mutateJsonFile, mutateSafetensors, NASTY_PATTERNS, pick } from './mutate.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Target {
  name: string;
  /** Share of the cases drawn for it. */
  weight: number;
  /** The damaged input of case `seed` and what reads it; resolves on success, throws what the reader throws.
   * `mark('read')` is called between damaging and reading (a replay uses it to tell which one is slow). */
  run(seed: number, mark?: (phase: string) => void): Promise<void>;
}

const TINY = { hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 32 } as const;

/** A folder of files as a Map (subfolders as `dir/file`), as a browser's dropped folder arrives. */
function readFolder(dir: string, prefix = ''): CheckpointFiles {
  const files: CheckpointFiles = new Map();
  for (const name of readdirSync(dir)) {
    const full = `${dir}/${name}`;
    if (statSync(full).isDirectory()) for (const [k, v] of readFolder(full, `${prefix}${name}/`)) files.set(k, v);
    else if (name !== 'reference.json') files.set(`${prefix}${name}`, new Uint8Array(readFileSync(full)));
  }
  return files;
}

let bases: Promise<CheckpointFiles[]> | undefined;

/** The undamaged checkpoints, built once per process (generation is deterministic). */
export function baseCheckpoints(): Promise<CheckpointFiles[]> {
  bases ??= (async () => {
    const gen = (o: Partial<GenerateOptions>) => generateCheckpoint({ architecture: 'BertModel', ...TINY, ...o } as GenerateOptions);
    const bert = gen({ architecture: 'BertForMaskedLM' });
    const quantized = (await quantizeCheckpoint(await openCheckpointSource(gen({ architecture: 'BertForSequenceClassification' })), 32)).files;
    return [
      bert,
      gen({ architecture: 'BertModel', shards: 2 }),
      gen({ architecture: 'RobertaForMaskedLM', dtype: 'F16' }),
      gen({ architecture: 'XLMRobertaModel', dtype: 'BF16' }),
      gen({ architecture: 'DistilBertForSequenceClassification' }),
      gen({ architecture: 'ElectraForTokenClassification' }),
      quantized,
      readFolder(`${FIXTURES}sentence/st-mean-dense-normalize`),
    ];
  })();
  return bases;
}

const tokenizerJsons = (() => {
  let cached: Uint8Array[] | undefined;
  return () => (cached ??= [
    ...['wordpiece-cased', 'spm-bpe-fallback', 'xlmr-unigram'].map((n) => new Uint8Array(readFileSync(`${FIXTURES}tokenizers/${n}.json`))),
    new Uint8Array(readFileSync(`${FIXTURES}pytorch-bert-h64/tokenizer.json`)),
  ]);
})();

/** One file of a checkpoint damaged as its kind is damaged: safetensors by layout, JSON by value, the rest by bytes. */
function damageFile(rng: Rng, name: string, bytes: Uint8Array): Uint8Array {
  if (name.endsWith('.safetensors')) return mutateSafetensors(rng, bytes);
  if (name.endsWith('.json')) return name === 'tokenizer.json' && rng.next() < 0.3 ? injectPattern(rng, bytes) : mutateJsonFile(rng, bytes);
  return mutateBytes(rng, bytes);
}

/** A Split or Replace with a hostile or unsupported regex put into the tokenizer's pipeline. */
function injectPattern(rng: Rng, bytes: Uint8Array): Uint8Array {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(dec.decode(bytes)) as Record<string, unknown>;
    if (typeof json !== 'object' || json === null) throw new Error('not an object');
  } catch {
    return mutateBytes(rng, bytes); // damaged already in this case
  }
  const pattern = { Regex: pick(rng, NASTY_PATTERNS) };
  if (rng.next() < 0.15) { // steps that each double the text, in some stage
    const doubling = { type: 'Replace', pattern: { String: pick(rng, ['a', 'e', ' ', 'Ġ']) }, content: pick(rng, ['aa', 'ee', '  ', 'ĠĠ']) };
    const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
    const n = rng.int(10, 40);
    if (rng.next() < 0.4) json.normalizer = { type: 'Sequence', normalizers: Array(n).fill(doubling) };
    else if (rng.next() < 0.5) json.pre_tokenizer = { type: 'Sequence', pretokenizers: Array(n).fill(byteLevel) };
    else json.decoder = { type: 'Sequence', decoders: Array(n).fill(doubling) };
    return jsonBytes(json);
  }
  if (rng.next() < 0.5) json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern, behavior: pick(rng, ['Isolated', 'Removed', 'Contiguous']), invert: rng.next() < 0.3 }, json.pre_tokenizer ?? { type: 'WhitespaceSplit' }] };
  else json.normalizer = { type: 'Sequence', normalizers: [{ type: 'Replace', pattern, content: pick(rng, ['', ' ', 'xx']) }, json.normalizer ?? { type: 'Lowercase' }] };
  return jsonBytes(json);
}

/** Case `seed` of the checkpoint target: a base checkpoint with one or two files damaged (or gone). */
export async function damagedCheckpoint(seed: number): Promise<{ files: CheckpointFiles; rng: Rng }> {
  const rng = new Rng(seed);
  const files = new Map(pick(rng, await baseCheckpoints()));
  for (let k = rng.int(1, 3); k > 0; k--) {
    const name = pick(rng, [...files.keys()]);
    if (rng.next() < 0.08) files.delete(name);
    else files.set(name, damageFile(rng, name, files.get(name)!));
  }
  return { files, rng };
}

const TEXTS = ['Hello, world! The quick brown fox.', `${'aaaa '.repeat(200)}!`, 'a'.repeat(3000), '日本語 😀 e\u0301 \u0000\ufffd', "don't   stop\n\n\tnow", ''];

/** What a user does with a tokenizer: encode single and pair texts, truncated and padded, and decode. */
function exercise(tok: Tokenizer, rng: Rng): void {
  const text = pick(rng, TEXTS);
  const e = tok.encode(text, rng.next() < 0.5 ? { pair: pick(rng, TEXTS), maxLength: rng.int(3, 64) } : {});
  tok.decode(e.inputIds, { skipSpecialTokens: rng.next() < 0.5 });
  tok.encodeBatch([text, pick(rng, TEXTS)], { maxLength: 48, padding: 'max_length', truncation: true });
}

export const TARGETS: Target[] = [
  {
    name: 'safetensors',
    weight: 2,
    async run(seed, mark = () => {}) {
      const rng = new Rng(seed);
      const base = pick(rng, await baseCheckpoints());
      const [name, bytes] = pick(rng, [...base].filter(([n]) => n.endsWith('.safetensors')));
      const damaged = mutateSafetensors(rng, bytes);
      mark('read');
      const parsed = parseSafetensors(damaged, name);
      for (const info of parsed.tensors.values()) if (info.dtype !== 'I8') tensorToFloat32(damaged, info, name);
    },
  },
  {
    name: 'checkpoint',
    weight: 4,
    async run(seed, mark = () => {}) {
      const { files, rng } = await damagedCheckpoint(seed);
      mark('read');
      const loaded = await loadCheckpoint(files);
      const tok = loadTokenizer(loaded.files);
      if (tok) exercise(tok, rng);
    },
  },
  {
    name: 'quantize',
    weight: 1,
    async run(seed, mark = () => {}) {
      const { files } = await damagedCheckpoint(seed);
      mark('read');
      await quantizeCheckpoint(await openCheckpointSource(files), 32);
    },
  },
  {
    name: 'tokenizer.json',
    weight: 3,
    async run(seed, mark = () => {}) {
      const rng = new Rng(seed);
      const base = pick(rng, tokenizerJsons());
      const damaged = rng.next() < 0.3 ? injectPattern(rng, base) : mutateJsonFile(rng, base);
      mark('read');
      const files = await readTokenizerFiles(async (f) => (f === 'tokenizer.json' ? damaged : undefined));
      const tok = loadTokenizer(files);
      if (tok) exercise(tok, rng);
    },
  },
  {
    name: 'run inputs',
    weight: 1,
    async run(seed, mark = () => {}) {
      const rng = new Rng(seed);
      const base = await baseCheckpoints();
      const { config } = parseConfig(JSON.parse(dec.decode(base[0].get('config.json')!)));
      const input = { input_ids: [[2, 7, 8, 9, 3], [2, 10, 3, 0, 0]], attention_mask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], token_type_ids: [[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]] };
      const bytes = rng.next() < 0.3 ? mutateBytes(rng, enc.encode(JSON.stringify(input))) : jsonBytes(mutateJson(rng, input));
      mark('read');
      const text = dec.decode(bytes);
      checkInputs(parseJsonText(text, (d) => new CliError(`in.json: ${d}`)), 'in.json', config);
    },
  },
  {
    name: 'jsonl corpus',
    weight: 1,
    async run(seed, mark = () => {}) {
      const rng = new Rng(seed);
      const lines = ['"plain text"', '{"text": "a text", "pair": "its pair"}', '{"text": "with\\nnewline\\u0000"}', '', '{"text": "x", "id": 7}'];
      const json = lines.filter(Boolean).map((l) => JSON.parse(l));
      const bytes = rng.next() < 0.5 ? mutateBytes(rng, enc.encode(lines.join('\n'))) : concat(...json.flatMap((v, i) => [...(i ? [enc.encode('\n')] : []), jsonBytes(mutateJson(rng, v))]));
      const tok = loadTokenizer(await readTokenizerFiles(async (f) => (f === 'tokenizer.json' ? tokenizerJsons()[3] : undefined)))!;
      mark('read');
      dec.decode(bytes).split('\n').forEach((raw, i) => {
        const item = parseCorpusLine(raw, i + 1, 'corpus.jsonl');
        if (item) tok.encode(item.text, { pair: item.pair, maxLength: 64 });
      });
    },
  },
];

/** The target a case seed draws, by weight. */
export function targetOf(seed: number, only?: string): Target {
  if (only) return TARGETS.find((t) => t.name === only) ?? (() => { throw new Error(`no fuzz target ${only} (targets: ${TARGETS.map((t) => t.name).join(', ')})`); })();
  const total = TARGETS.reduce((n, t) => n + t.weight, 0);
  let r = new Rng(seed ^ 0x5bd1e995).int(0, total);
  for (const t of TARGETS) if ((r -= t.weight) < 0) return t;
  return TARGETS[0];
}

