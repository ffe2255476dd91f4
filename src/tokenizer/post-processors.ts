// tokenizer.json `post_processor`: the specials around one sequence or a pair and their type ids, as
// `tokenizers` adds them. Which processor a JSON object is goes by its shape, as the Rust deserializer tries
// them (RobertaProcessing needs all four fields; with only sep and cls it is BertProcessing).
import { concat, specialTokens, withSequence, type Encoding } from './encoding.ts';
import { TokenizerError } from './errors.ts';
import { field, isRecord, type Json } from './json.ts';
import { SequenceBudget } from './limits.ts';
import { isWhitespace } from './unicode.ts';

export interface PostProcessor {
  /** Specials it adds to one sequence or to a pair. */
  added(pair: boolean): number;
  /** The encodings (A, and B for a pair) with sequence ids set and type ids 0 / 1, as the processor leaves them;
   * `texts` are the sequences' texts (offset trimming counts chars in them). */
  process(encodings: Encoding[], addSpecial: boolean, texts: readonly string[]): Encoding[];
  /** The specials of the single and pair templates, in order, for the tokenizer's cls / sep. */
  readonly specials: { single: string[]; pair: string[] };
}

/** A processor's specials and template pieces. */
type Piece = { special: string; typeId: number } | { sequence: 0 | 1; typeId: number };

function pairOf(j: Json, key: string, what: string): [string, number] {
  const v = j[key];
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !Number.isInteger(v[1])) {
    throw new TokenizerError(`tokenizer.json ${what} needs "${key}" as [token, id], got ${JSON.stringify(v)}`);
  }
  return v as [string, number];
}

/**
 * ByteLevel's offset trimming (process_offsets): leading and trailing 'Ġ' / whitespace of a token's text
 * come off its offsets, except the single prefix space of a sequence's first token when add_prefix_space.
 * "First" is index 0 or an offset starting at 0, as the Rust code tests it. The Rust code counts in the
 * offsets' unit, chars: here a step is one code point of `text` (two UTF-16 units for an astral char).
 */
export function trimOffsets(e: Encoding, addPrefixSpace: boolean, text: string): Encoding {
  const spaceLike = (c: string) => c === '\u0120' || isWhitespace(c);
  const forward = (at: number, n: number) => {
    for (let k = 0; k < n; k++) at += text.codePointAt(at)! > 0xffff ? 2 : 1;
    return at;
  };
  const back = (at: number, n: number) => {
    for (let k = 0; k < n; k++) at -= at >= 2 && text.codePointAt(at - 2)! > 0xffff ? 2 : 1;
    return at;
  };
  const count = (from: number, to: number) => [...text.slice(from, to)].length;
  const offsets = e.offsets.map(([start, end], i): [number, number] => {
    const chars = [...e.tokens[i]];
    let lead = 0;
    while (lead < chars.length && spaceLike(chars[lead])) lead++;
    let trail = 0;
    while (trail < chars.length && spaceLike(chars[chars.length - 1 - trail])) trail++;
    if (lead > 0) {
      if ((i === 0 || start === 0) && addPrefixSpace && lead === 1) lead = 0;
      start = count(start, end) < lead ? end : forward(start, lead);
    }
    if (trail > 0 && count(0, end) >= trail) end = count(start, end) < trail ? start : back(end, trail);
    return [start, end];
  });
  return { ...e, offsets };
}

function templateProcessor(single: Piece[], pair: Piece[], specials: Map<string, { ids: number[]; tokens: string[] }>): PostProcessor {
  const count = (t: Piece[]) => t.reduce((n, p) => n + ('special' in p ? specials.get(p.special)?.ids.length ?? 0 : 0), 0);
  const names = (t: Piece[]) => t.flatMap((p) => ('special' in p ? specials.get(p.special)?.tokens ?? [] : []));
  return {
    added: (isPair) => count(isPair ? pair : single),
    specials: { single: names(single), pair: names(pair) },
    process(encodings, addSpecial) {
      const template = encodings.length === 2 ? pair : single;
      const out: Encoding[] = [];
      for (const p of template) {
        if ('sequence' in p) {
          const e = encodings[p.sequence];
          if (!e) throw new TokenizerError(`the TemplateProcessing template uses $${p.sequence ? 'B' : 'A'}, which this input lacks`);
          out.push(withSequence(e, p.sequence, p.typeId));
        } else if (addSpecial) {
          const s = specials.get(p.special);
          if (!s) throw new TokenizerError(`TemplateProcessing special token ${JSON.stringify(p.special)} is not in its special_tokens`);
          out.push(specialTokens(s.tokens, s.ids, p.typeId));
        }
      }
      return [concat(out)];
    },
  };
}

function parseTemplate(items: unknown, what: string): Piece[] {
  if (!Array.isArray(items)) throw new TokenizerError(`tokenizer.json TemplateProcessing ${what} must be a list of pieces`);
  return items.map((item): Piece => {
    if (isRecord(item) && isRecord(item.Sequence)) {
      const { id, type_id } = item.Sequence;
      if (id !== 'A' && id !== 'B') throw new TokenizerError(`tokenizer.json TemplateProcessing sequence id must be "A" or "B", got ${JSON.stringify(id)}`);
      return { sequence: id === 'A' ? 0 : 1, typeId: Number(type_id ?? 0) };
    }
    if (isRecord(item) && isRecord(item.SpecialToken)) return { special: String(item.SpecialToken.id), typeId: Number(item.SpecialToken.type_id ?? 0) };
    throw new TokenizerError(`tokenizer.json TemplateProcessing ${what} has an unknown piece ${JSON.stringify(item)}`);
  });
}

export function postProcessorFromJson(j: unknown, budget = new SequenceBudget('post_processor'), depth = 0): PostProcessor | undefined {
  if (j === null || j === undefined) return undefined;
  if (!isRecord(j)) throw new TokenizerError('tokenizer.json post_processor must be an object or null');
  const has = (...keys: string[]) => keys.every((k) => j[k] !== undefined);
  if (has('sep', 'cls', 'trim_offsets', 'add_prefix_space')) {
    const [sep, cls] = [pairOf(j, 'sep', 'RobertaProcessing'), pairOf(j, 'cls', 'RobertaProcessing')];
    const trim = field(j, 'trim_offsets', 'boolean', 'RobertaProcessing');
    const prefix = field(j, 'add_prefix_space', 'boolean', 'RobertaProcessing');
    return {
      added: (pair) => (pair ? 4 : 2),
      specials: { single: [cls[0], sep[0]], pair: [cls[0], sep[0], sep[0], sep[0]] },
      // RoBERTa's type ids are all 0, even for a pair (tokenizers: "Roberta is weird").
      process(encodings, addSpecial, texts) {
        const trimmed = encodings.map((e, k) => ({ ...(trim ? trimOffsets(e, prefix, texts[k]) : e), tokenTypeIds: e.tokenTypeIds.map(() => 0) }));
        if (!addSpecial) return [concat(trimmed)];
        const [a, b] = trimmed;
        const parts = [specialTokens([cls[0]], [cls[1]], 0), a, specialTokens([sep[0]], [sep[1]], 0)];
        if (b) parts.push(specialTokens([sep[0]], [sep[1]], 0), b, specialTokens([sep[0]], [sep[1]], 0));
        return [concat(parts)];
      },
    };
  }
  if (has('sep', 'cls')) {
    const [sep, cls] = [pairOf(j, 'sep', 'BertProcessing'), pairOf(j, 'cls', 'BertProcessing')];
    return templateProcessor(
      [{ special: cls[0], typeId: 0 }, { sequence: 0, typeId: 0 }, { special: sep[0], typeId: 0 }],
      [{ special: cls[0], typeId: 0 }, { sequence: 0, typeId: 0 }, { special: sep[0], typeId: 0 }, { sequence: 1, typeId: 1 }, { special: sep[0], typeId: 1 }],
      new Map([[cls[0], { ids: [cls[1]], tokens: [cls[0]] }], [sep[0], { ids: [sep[1]], tokens: [sep[0]] }]]),
    );
  }
  if (j.type === 'ByteLevel') {
    const trim = field(j, 'trim_offsets', 'boolean', 'ByteLevel post_processor');
    const prefix = field(j, 'add_prefix_space', 'boolean', 'ByteLevel post_processor');
    return { added: () => 0, specials: { single: [], pair: [] }, process: (encodings, _, texts) => (trim ? encodings.map((e, k) => trimOffsets(e, prefix, texts[k])) : encodings) };
  }
  if (has('single', 'pair', 'special_tokens')) {
    if (!isRecord(j.special_tokens)) throw new TokenizerError('tokenizer.json TemplateProcessing special_tokens must be an object');
    const specials = new Map<string, { ids: number[]; tokens: string[] }>();
    for (const [name, s] of Object.entries(j.special_tokens)) {
      if (!isRecord(s) || !Array.isArray(s.ids) || !Array.isArray(s.tokens) || s.ids.length !== s.tokens.length) {
        throw new TokenizerError(`tokenizer.json TemplateProcessing special token ${JSON.stringify(name)} needs ids and tokens of one length`);
      }
      specials.set(name, { ids: s.ids.map(Number), tokens: s.tokens.map(String) });
    }
    return templateProcessor(parseTemplate(j.single, 'single'), parseTemplate(j.pair, 'pair'), specials);
  }
  if (j.type === 'Sequence') {
    if (!Array.isArray(j.processors)) throw new TokenizerError('tokenizer.json Sequence post_processor needs a "processors" list');
    const steps = budget.take(j.processors, depth + 1).map((p) => postProcessorFromJson(p, budget, depth + 1)).filter((p): p is PostProcessor => p !== undefined);
    return {
      added: (pair) => steps.reduce((n, s) => n + s.added(pair), 0),
      specials: { single: steps.flatMap((s) => s.specials.single), pair: steps.flatMap((s) => s.specials.pair) },
      process: (encodings, addSpecial, texts) => steps.reduce((es, s) => s.process(es, addSpecial, texts), encodings),
    };
  }
  throw new TokenizerError(`tokenizer.json post_processor ${JSON.stringify(j.type)} is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)`);
}
