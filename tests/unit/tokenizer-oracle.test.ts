// This engine's tokenizer against Hugging Face's own Rust `tokenizers` (npm tokenizers 0.23, prebuilt
// binaries), on real vocabularies (tests/tokenizer/configs.ts) and thousands of real multilingual strings
// (tests/tokenizer/corpus.ts): ids, tokens, type ids, attention and special masks, word ids and offsets
// (the Rust binding reports code points; this engine UTF-16 indices, converted here), for single texts,
// pairs, every truncation strategy from both sides, padded batches, and decoding. The bar is 0 mismatches.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tokenizer as RustTokenizer, type Encoding as RustEncoding } from 'tokenizers';
import { Tokenizer } from '../../src/tokenizer/tokenizer.ts';
import type { Encoding } from '../../src/tokenizer/encoding.ts';
import { tokenizerConfigs } from '../tokenizer/configs.ts';
import { EDGE_CASES, randomTexts, udhr } from '../tokenizer/corpus.ts';

const TEXTS = [...udhr(6).map((p) => p.text), ...EDGE_CASES, ...randomTexts(500, 42)];

/** UTF-16 [start, end) of `text` as code-point indices, the Rust binding's unit. */
function codePoints(text: string, [s, e]: [number, number]): [number, number] {
  let cs = 0;
  let ce = 0;
  for (let i = 0; i < e; i++) {
    const surrogate = text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
    if (surrogate) continue;
    if (i < s) cs++;
    ce++;
  }
  return [cs, ce];
}

function view(e: Encoding, text: string, pair?: string) {
  return {
    ids: e.inputIds, tokens: e.tokens, types: e.tokenTypeIds, attention: e.attentionMask, special: e.specialTokensMask,
    words: e.wordIds, offsets: e.offsets.map((o, k) => (e.sequenceIds[k] === 1 ? codePoints(pair!, o) : e.sequenceIds[k] === 0 ? codePoints(text, o) : o)),
  };
}

function rustView(r: RustEncoding) {
  return {
    ids: r.getIds(), tokens: r.getTokens(), types: r.getTypeIds(), attention: r.getAttentionMask(), special: r.getSpecialTokensMask(),
    words: r.getWordIds().map((w) => w ?? null), offsets: r.getOffsets(),
  };
}

/** Compares one input; returns a description of the first difference, or undefined. */
function differs(ours: ReturnType<typeof view> | Error, rust: ReturnType<typeof rustView> | Error, what: string): string | undefined {
  if (ours instanceof Error || rust instanceof Error) {
    if (ours instanceof Error && rust instanceof Error) return undefined; // both refuse (e.g. a sequence too short to truncate)
    return `${what}: ${ours instanceof Error ? `ours threw "${ours.message}"` : `the Rust library threw "${(rust as Error).message}"`}`;
  }
  for (const k of Object.keys(rust) as (keyof typeof rust)[]) {
    const [a, b] = [JSON.stringify(ours[k]), JSON.stringify(rust[k])];
    if (a !== b) return `${what}: ${k} ${a.slice(0, 300)} vs Rust ${b.slice(0, 300)}`;
  }
  return undefined;
}

const attempt = <T>(f: () => T): T | Error => {
  try {
    return f();
  } catch (e) {
    return e as Error;
  }
};

async function rustBatch(rust: RustTokenizer, inputs: (string | [string, string])[], addSpecialTokens = true): Promise<(ReturnType<typeof rustView> | Error)[]> {
  // One by one: a batch rejects as a whole when one input fails (truncation of a too-short sequence).
  return Promise.all(inputs.map((x) => (typeof x === 'string' ? rust.encode(x, null, { addSpecialTokens }) : rust.encode(x[0], x[1], { addSpecialTokens })).then(rustView, (e: Error) => e)));
}

const results: string[] = [];

describe('tokenizer matches the Rust tokenizers library', () => {
  for (const config of tokenizerConfigs()) {
    test(config.name, async () => {
      const ours = Tokenizer.fromJson(config.json);
      const rust = RustTokenizer.fromString(JSON.stringify(config.json));
      const failures: string[] = [];
      let compared = 0;
      const check = (o: ReturnType<typeof view> | Error, r: ReturnType<typeof rustView> | Error, what: string) => {
        compared++;
        const d = differs(o, r, what);
        if (d && failures.length < 8) failures.push(d);
        else if (d) failures.push('');
      };

      for (const add of [true, false]) {
        const want = await rustBatch(rust, TEXTS, add);
        TEXTS.forEach((t, i) => check(attempt(() => view(ours.encode(t, { addSpecialTokens: add }), t)), want[i], `${add ? '' : 'no specials '}${JSON.stringify(t.slice(0, 60))}`));
      }
      if (config.pairs) {
        const pairs = TEXTS.filter((_, i) => i % 3 === 0).map((t, i, all) => [t, all[(i + 7) % all.length]] as [string, string]);
        const want = await rustBatch(rust, pairs);
        pairs.forEach(([a, b], i) => check(attempt(() => view(ours.encode(a, { pair: b }), a, b)), want[i], `pair ${JSON.stringify(a.slice(0, 40))} + ${JSON.stringify(b.slice(0, 40))}`));
      }

      // Truncation: every strategy, both sides, lengths that cut inside words and leave room for few tokens.
      const strategies = config.pairs ? (['longest_first', 'only_first', 'only_second'] as const) : (['longest_first'] as const);
      const rustNames = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' } as const;
      const sample = TEXTS.filter((_, i) => i % 11 === 0);
      for (const strategy of strategies) {
        for (const side of ['right', 'left'] as const) {
          for (const maxLength of [7, 16, 40]) {
            rust.setTruncation(maxLength, { strategy: rustNames[strategy] as never, direction: side, stride: 0 });
            const inputs = sample.map((t, i) => (config.pairs ? [t, sample[(i + 3) % sample.length]] as [string, string] : t));
            const want = await rustBatch(rust, inputs);
            inputs.forEach((x, i) => {
              const [a, b] = typeof x === 'string' ? [x, undefined] : x;
              check(attempt(() => view(ours.encode(a, { pair: b, maxLength, truncation: strategy, truncationSide: side }), a, b)), want[i], `${strategy} ${side} ${maxLength} ${JSON.stringify(a.slice(0, 40))}`);
            });
          }
        }
      }
      rust.disableTruncation();

      // Padded batches: to the longest, to a multiple of 8, from either side.
      const padToken = ours.specials.pad ?? ours.idToToken(0)!;
      for (const [side, multiple] of [['right', undefined], ['left', 8]] as const) {
        rust.setPadding({ padId: ours.tokenToId(padToken), padToken, padTypeId: 0, direction: side, padToMultipleOf: multiple });
        const batch = TEXTS.filter((_, i) => i % 97 === 0);
        const want = (await rust.encodeBatch(batch)).map(rustView);
        const got = (ours.specials.pad ? ours : Tokenizer.fromJson(config.json, { padToken })).encodeBatch(batch, { padToMultipleOf: multiple, paddingSide: side });
        got.forEach((e, i) => check(view(e, batch[i]), want[i], `padded ${side} ${multiple ?? ''} ${JSON.stringify(batch[i].slice(0, 40))}`));
      }
      rust.disablePadding();

      // Decoding the ids of every text, with and without specials.
      let decodeFailures = 0;
      for (const t of TEXTS.filter((_, i) => i % 5 === 0)) {
        const ids = (await rust.encode(t)).getIds();
        for (const skip of [false, true]) {
          compared++;
          const [a, b] = [ours.decode(ids, { skipSpecialTokens: skip, cleanUpTokenizationSpaces: false }), await rust.decode(ids, skip)];
          if (a !== b && decodeFailures++ < 3) failures.push(`decode ${JSON.stringify(t.slice(0, 40))}: ${JSON.stringify(a.slice(0, 80))} vs Rust ${JSON.stringify(b.slice(0, 80))}`);
        }
      }

      const mismatches = failures.length + Math.max(0, decodeFailures - 3);
      results.push(`${config.name}: ${compared} encodings/decodings compared, ${mismatches} mismatches`);
      console.log(results[results.length - 1]);
      assert.equal(mismatches, 0, failures.filter(Boolean).join('\n'));
    });
  }
});
