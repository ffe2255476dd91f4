// The commands' flags and help, in one place (the parser, the help text and the tests read them from here).
// The implementations (run.ts, tokenize.ts, embed.ts) are imported only when their command runs, so
// `tokenize` and `--help` do not load the GPU stack.
import type { CommandSpec, FlagSpec } from './args.ts';

const modelFlag: FlagSpec = { name: 'model', value: '<dir|url|org/name>', help: 'checkpoint folder, http(s) base URL or Hugging Face model id (default: the embedded default model)' };
const revision: FlagSpec = { name: 'revision', value: '<rev>', help: 'hub model ids: branch, tag or commit (default main)' };
const offline: FlagSpec = { name: 'offline', help: 'hub model ids: the cache only, no network (also HF_HUB_OFFLINE=1)' };
/** --model and the hub flags that go with it. */
const model = [modelFlag, revision, offline];
const attention: FlagSpec = { name: 'attention', value: '<variant>', help: 'attention kernel variant by name (default: the engine\'s; a wrong name lists them)' };
const matmul: FlagSpec = { name: 'matmul', value: '<config[,config…]|autotune>', help: 'matmul configuration by name (a wrong name lists them), several (autotune among those), or autotune (default: time each on this adapter)' };
const plan: FlagSpec = { name: 'plan', value: 'autotune|fixed', help: 'autotune: time fused/unfused dense + LayerNorm and the attention variants on one layer (default on a GPU); fixed: the defaults (default on a software adapter)' };
const weights: FlagSpec = { name: 'weights', value: 'auto|f32|f16|int8', help: 'weight storage on the GPU: auto (the checkpoint\'s own, default), f32, f16, or int8 (quantized on load); f32 arithmetic' };
const runtime: FlagSpec = { name: 'runtime', value: 'node|browser', help: 'node: Dawn in this process (default); browser: headless Chromium via Playwright' };
const progress: FlagSpec = { name: 'progress', help: 'progress on stderr even when it is not a terminal' };

export const RUN: CommandSpec = {
  name: 'run',
  summary: 'one raw forward; prints the hidden states (and pooler output / logits / attentions) as JSON',
  usage: '[--model <dir|url|org/name>] (--input <in.json> | --text <text> [--pair <text>]) [flags]',
  positionals: { min: 0, max: 0, name: 'argument' },
  flags: [
    ...model,
    { name: 'input', value: '<in.json>', help: 'inputs: {"input_ids": [[…]], "attention_mask": [[…]], "token_type_ids": [[…]]} (the last two optional)' },
    { name: 'text', value: '<text>', help: 'tokenize this text with the model\'s tokenizer instead' },
    { name: 'pair', value: '<text>', help: 'second sequence of a pair (with --text)' },
    { name: 'output', value: '<out.json>', help: 'write the JSON here; stdout then gets {output, shapes}' },
    { name: 'attentions', help: 'also output every layer\'s attention probabilities [layer][batch][heads][seq][seq]' },
    attention,
    matmul,
    plan,
    weights,
    runtime,
    { name: 'repeat', value: '<N>', help: 'run N more forwards after the first and add timing {first_ms, median_ms, min_ms, runs, dispatches}' },
    { name: 'occupancy', help: 'add occupancy: every dispatch\'s workgroups, invocations and bytes read/written, and why (a table of layer 0 on stderr)' },
    progress,
  ],
  details: `Output: {adapter, stats, phases_ms, timing?, last_hidden_state [B][S][H], pooler_output? [B][H], logits?,
start_logits?, end_logits?, attentions? [layer][B][heads][S][S], occupancy?}; the heads' outputs when the checkpoint has
them. phases_ms: fetch, parse, upload, first forward and, of it, plan, tune and compile (summed) milliseconds.
Timings are forward + readback, model loading excluded; first_ms includes planning and compilation.

Examples:
  webgpu-bert run --text "hello world"
  webgpu-bert run --model ./my-bert --input examples/input.json --output out.json
  webgpu-bert run --input examples/input.json --repeat 5 --runtime browser`,
};

export const TOKENIZE: CommandSpec = {
  name: 'tokenize',
  summary: 'tokenize a text (or pair), or a JSONL corpus, with a model\'s tokenizer; no weights are loaded',
  usage: '[--model <dir|url|org/name>] [--pair <text>] [--max-length N] [--offsets] (<text> | --input <file.jsonl>)',
  positionals: { min: 0, max: 1, name: 'text' },
  flags: [
    ...model,
    { name: 'input', value: '<file.jsonl|->', help: 'one JSON string or {"text": …, "pair": …} per line (- reads stdin); one encoding per line out' },
    { name: 'pair', value: '<text>', help: 'second sequence of a pair (with <text>)' },
    { name: 'max-length', value: '<N>', help: 'truncate to N tokens, specials included (longest first for pairs)' },
    { name: 'offsets', help: 'add offsets: [start, end) of each token in its text, UTF-16 indices ([0, 0] for specials)' },
  ],
  details: `Output: {tokens, input_ids, token_type_ids, attention_mask, offsets?}; with --input, one such line per
non-blank input line, in order. The whole file is checked first: a malformed line fails with its line number
and nothing written. The tokenizer is the checkpoint's: tokenizer.json (WordPiece, BPE, Unigram, WordLevel),
else vocab.txt, else vocab.json + merges.txt.

Examples:
  webgpu-bert tokenize --pair "the answer" "what is the question?"
  webgpu-bert tokenize --model ./xlm-roberta-base --input corpus.jsonl > encodings.jsonl`,
};

export const EMBED: CommandSpec = {
  name: 'embed',
  summary: 'sentence embeddings pooled on the GPU: a sentence-transformers folder\'s own pipeline, else cls or mean pooling',
  usage: '[--model <dir|url|org/name>] [--pooling cls|mean] [--normalize] [--prompt <name>] (<text>... | --input <corpus.jsonl> --output <vectors.jsonl|.npy|.f16> [--batch-tokens N] [--precision f32|f16|int8|binary])',
  positionals: { min: 0, max: Infinity, name: 'text' },
  flags: [
    ...model,
    { name: 'pooling', value: 'cls|mean', help: 'cls: the first token\'s hidden state; mean: average over real tokens (default: the folder\'s sentence-transformers pipeline, else mean)' },
    { name: 'normalize', help: 'scale each embedding to unit L2 norm (default: as the pipeline says, else no)' },
    { name: 'prompt', value: '<name>', help: 'a prompt of config_sentence_transformers.json (query, document, ...) put before every text (default: its default_prompt_name)' },
    { name: 'input', value: '<corpus.jsonl|->', help: 'a corpus, one JSON string or {"text": …} per line (- = stdin): embedded in length-sorted batches, written in input order' },
    { name: 'output', value: '<file>', help: 'with --input: .jsonl (one object per text), .npy ([texts, D]) or .f16 (raw float16)' },
    { name: 'batch-tokens', value: '<N>', help: 'with --input: padded tokens per forward (default 8192)' },
    { name: 'precision', value: 'f32|f16|int8|binary', help: 'with --input: f32 (default; .f16: f16), f16, int8 (per-vector scale) or binary (sign bits)' },
    attention,
    matmul,
    plan,
    weights,
    runtime,
    progress,
  ],
  details: `Output: {embeddings [texts][D], pooling, normalized, adapter} (and modules, prompt for a
sentence-transformers folder). A folder with modules.json runs as sentence-transformers runs it: its Pooling
modes (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken, concatenated in that order), Dense modules, Normalize,
max_seq_length, do_lower_case and prompts (include_prompt false leaves the prompt out of the pooling). Texts are
padded to the longest and truncated to the model's maximum length.

With --input, any number of texts: read 4096 at a time, sorted by length, batched to --batch-tokens padded
tokens, padded only within a batch, written to --output in input order (memory stays flat); --progress shows
texts, tokens/s and the ETA on stderr; stdout gets a summary (texts, dimension, tokens_per_s, peak_rss_mib).
.jsonl lines: {"embedding": [...]}, {"int8": [...], "scale": s} or {"binary": [...]}; .npy: <f4, <f2, |i1
(scales in FILE.scales.npy) or |u1 (packed sign bits).

Example:
  webgpu-bert embed --model sentence-transformers/all-MiniLM-L6-v2 "a first sentence" "and a second one"
  webgpu-bert embed --model ./e5-small --prompt query "how do magnets work"
  webgpu-bert embed --model sentence-transformers/all-MiniLM-L6-v2 --input corpus.jsonl --output vectors.npy --progress`,
};

const topK: FlagSpec = { name: 'top-k', value: '<N>', help: 'how many results to keep' };
const taskFlags = [...model, attention, matmul, plan, weights, progress];
const taskDetails = (output: string, example: string) => `Output: {result: ${output}, adapter}. Runs in Node (Dawn); the head must be in the checkpoint.

Example:
  ${example}`;

export const FILL_MASK: CommandSpec = {
  name: 'fill-mask',
  summary: 'top-k tokens for each mask token of a text ([MASK], or <mask> for RoBERTa and XLM-R), from the MLM head',
  usage: '[--model <dir|url|org/name>] [--top-k N] <text with [MASK] or <mask>>',
  positionals: { min: 1, max: 1, name: 'text' },
  flags: [...taskFlags, topK],
  details: taskDetails('per mask: [{score, token, tokenId, sequence}]', 'webgpu-bert fill-mask "the [MASK] sat on the mat"'),
};

export const CLASSIFY: CommandSpec = {
  name: 'classify',
  summary: 'text (or pair) classification with a *ForSequenceClassification checkpoint; labels from id2label',
  usage: '[--model <dir|url|org/name>] [--pair <text>] [--top-k N | --all] <text>',
  positionals: { min: 1, max: 1, name: 'text' },
  flags: [...taskFlags, { name: 'pair', value: '<text>', help: 'second sequence of a pair' }, topK, { name: 'all', help: 'every label with its score' }],
  details: taskDetails('[{label, score}]', 'webgpu-bert classify --model ./sst2-bert "what a lovely day"'),
};

export const NER: CommandSpec = {
  name: 'ner',
  summary: 'token classification / named entities with a *ForTokenClassification checkpoint',
  usage: '[--model <dir|url|org/name>] [--aggregation simple|none] <text>',
  positionals: { min: 1, max: 1, name: 'text' },
  flags: [...taskFlags, { name: 'aggregation', value: 'simple|none', help: 'simple: B-/I- spans merged, scores averaged (default); none: one entry per token' }],
  details: taskDetails('[{entity_group, score, word, start, end}] (character offsets into the text)', 'webgpu-bert ner --model ./ner-bert "Ada Lovelace lived in London"'),
};

export const QA: CommandSpec = {
  name: 'qa',
  summary: 'extractive question answering with a *ForQuestionAnswering checkpoint; long contexts in strided windows',
  usage: '[--model <dir|url|org/name>] [--top-k N] [--max-answer-length N] [--max-seq-length N] [--doc-stride N] <question> <context>',
  positionals: { min: 2, max: 2, name: 'argument' },
  flags: [...taskFlags, topK,
    { name: 'max-answer-length', value: '<N>', help: 'longest answer in tokens (default 15)' },
    { name: 'max-seq-length', value: '<N>', help: 'window length in tokens (default min(384, model limit))' },
    { name: 'doc-stride', value: '<N>', help: 'tokens shared by consecutive windows (default min(max-seq-length / 2, 128))' }],
  details: taskDetails('[{answer, score, start, end}] (character offsets into the context)', 'webgpu-bert qa --model ./squad-bert "who wrote it?" "It was written by Ada."'),
};

export const SIMILARITY: CommandSpec = {
  name: 'similarity',
  summary: 'cosine-similarity matrix of sentence embeddings (pooled on the GPU)',
  usage: '[--model <dir|url|org/name>] [--pooling mean|cls] <text> <text>...',
  positionals: { min: 2, max: Infinity, name: 'text' },
  flags: [...taskFlags, { name: 'pooling', value: 'mean|cls', help: 'mean over real tokens or the first token (default: the folder\'s sentence-transformers pipeline, else mean)' }],
  details: taskDetails('{embeddings [texts][H], matrix [texts][texts]}', 'webgpu-bert similarity "a cat sat" "a cat was sitting" "stock prices fell"'),
};

export const RERANK: CommandSpec = {
  name: 'rerank',
  summary: 'cross-encoder reranking: score each (query, document) pair, documents best first',
  usage: '[--model <dir|url|org/name>] [--top-k N] [--batch-size N] <query> <document> <document>...',
  positionals: { min: 2, max: Infinity, name: 'text' },
  flags: [...taskFlags, topK, { name: 'batch-size', value: '<N>', help: 'pairs per forward (default 32)' }],
  details: taskDetails('[{index, document, score}] (index: the document\'s position among the arguments; score: sigmoid for one-label models, or the activation saved in config.json)',
    'webgpu-bert rerank --model cross-encoder/ms-marco-MiniLM-L6-v2 "how do magnets work" "Magnets attract iron." "Paris is in France."'),
};

export const ZERO_SHOT: CommandSpec = {
  name: 'zero-shot',
  summary: 'zero-shot classification with an NLI checkpoint: each label as a hypothesis, scored by entailment',
  usage: '[--model <dir|url|org/name>] --labels <a,b,c> [--template "This example is {}."] [--multi-label] <text>...',
  positionals: { min: 1, max: Infinity, name: 'text' },
  flags: [...taskFlags,
    { name: 'labels', value: '<a,b,c>', help: 'candidate labels, comma-separated (required)' },
    { name: 'template', value: '<text>', help: 'hypothesis template with {} for the label (default "This example is {}.")' },
    { name: 'multi-label', help: 'score each label on its own (entailment vs contradiction) instead of a softmax across labels' }],
  details: taskDetails('[{sequence, labels, scores}] per text, best first',
    'webgpu-bert zero-shot --model ./mnli-model --labels sports,politics,cooking "the match went to extra time"'),
};

export const QUANTIZE: CommandSpec = {
  name: 'quantize',
  summary: 'write an int8 weight-only checkpoint: Linear weights per row and group, tables in f16, vectors as they were',
  usage: '[--model <dir|url|org/name>] --out <dir> [--bits 8] [--group 32|64|128]',
  positionals: { min: 0, max: 0, name: 'argument' },
  flags: [...model,
    { name: 'out', value: '<dir>', help: 'the folder to write (config.json, model.safetensors, tokenizer files); must not hold another checkpoint' },
    { name: 'bits', value: '<8>', help: 'bits per weight (8, the only one)' },
    { name: 'group', value: '<32|64|128>', help: 'columns of K per scale (default 64)' },
    progress],
  details: `Output: {out, quantized, kept, bytes_before, bytes_after}. Each quantized Linear weight X.weight is an I8
tensor with its scales X.weight_scale (F32, [rows, ceil(cols / group)]); other F32 matrices (embedding tables)
become F16, vectors stay as they are; config.json gains
"quantization_config": {"quant_method": "webgpu-bert-int8", "bits": 8, "group_size": G, ...}. Every command
loads the result (default --weights auto keeps it int8 on the GPU).

Example:
  webgpu-bert quantize --model ./bert-base-uncased --out ./bert-base-uncased-int8 --group 64`,
};

export const COMPARE: CommandSpec = {
  name: 'compare',
  summary: 'accuracy of one model or precision against another on the same inputs (embeddings, hidden states, MLM top-1)',
  usage: '[--model <dir|url|org/name>] [--weights W] [--against <dir|url|org/name>] [--against-weights W] [--input <texts.jsonl>]',
  positionals: { min: 0, max: 0, name: 'argument' },
  flags: [...model, weights,
    { name: 'against', value: '<dir|url|org/name>', help: 'the reference model (default: --model itself)' },
    { name: 'against-weights', value: 'auto|f32|f16|int8', help: 'weight storage of the reference (default f32)' },
    { name: 'input', value: '<texts.jsonl>', help: 'one JSON string per line (default: a built-in set of 16 English sentences)' },
    matmul, progress],
  details: `Output: {model, against, texts, pooled_cosine {min, mean}, hidden_max_rel_error, hidden_rel_l2, mlm_top1_agreement?
{masked, agreeing, rate}, weight_bytes {model, against}, weight_storage {model, against}}. Pooled = mean over attended
tokens; hidden errors over every attended token; top-1 over every 4th word position masked, when both have an MLM head.

Examples:
  webgpu-bert compare --model ./bert-int8                       # against itself in f32
  webgpu-bert compare --model ./bert --weights f16 --against ./bert`,
};

export const BENCH: CommandSpec = {
  name: 'bench',
  summary: 'benchmarks in headless Chromium (ceilings, kernels, attention, end to end with peers); same as npm run bench',
  usage: '[suite [suite flags]]... [--size quick|full] [--runs N] [--runtime browser|node] [--out DIR] | report <result.json>...',
  positionals: { min: 0, max: Infinity, name: 'suite' },
  flags: [
    { name: 'size', value: 'quick|full', help: 'quick: sized for a software adapter (its default); full: the whole grid (default on a GPU)' },
    { name: 'runs', value: '<N>', help: 'timed repetitions per figure, median reported (default and minimum 5)' },
    { name: 'runtime', value: 'browser|node', help: 'browser: headless Chromium, peers in the same page (default); node: Dawn, no peers' },
    { name: 'out', value: '<dir>', help: 'where the JSON, Markdown and SVG results go (default bench/results)' },
  ],
  details: `Suites (default: all): ceilings, kernels, attention, e2e; each suite's flags follow its name:
  ceilings [--copy-mib 16,64] [--invocations 65536] [--iterations 1024]
  kernels [--tokens 128,512] [--square 256,1024] [--configs naive,reg8x8,autotuned] [--ops bert,square,layernorm,gelu] [--no-peers]
  attention [--seq 128,512] [--heads 12] [--dim 64] [--batch 1] [--variants naive,flash]
  e2e [--models minilm-l6-h384,bert-base,tiny-h64] [--shapes 1x128,8x128,1x512] [--peers NAMES|none] [--no-peers]
Output: Markdown tables on stdout, progress on stderr, results in bench/results/. Runs from a checkout of
the repository (bench/README.md has the method).

Examples:
  webgpu-bert bench kernels --tokens 32 --square 256 --configs naive,reg8x8
  webgpu-bert bench e2e --models minilm-l6-h384 --shapes 1x128
  webgpu-bert bench report bench/results/kernels-*.json`,
};

export const COMMANDS: readonly CommandSpec[] = [RUN, TOKENIZE, EMBED, FILL_MASK, CLASSIFY, NER, QA, SIMILARITY, RERANK, ZERO_SHOT, QUANTIZE, COMPARE, BENCH];

export function topLevelHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `webgpu-bert ${version}: a WebGPU engine for BERT encoders

Usage: webgpu-bert <command> [flags]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Flags:
  -h, --help     help (also after a command: webgpu-bert run --help)
  -V, --version  the version

Results are JSON on stdout; errors are one line on stderr ("error: …") with exit code 1, or 2 for a wrong
command line. Progress goes to stderr when it is a terminal (or with --progress).
Environment: WEBGPU_BERT_ADAPTER=swiftshader|hardware, CHROMIUM_PATH, WEBGPU_BERT_CACHE, WEBGPU_BERT_DEBUG=1.
`;
}
