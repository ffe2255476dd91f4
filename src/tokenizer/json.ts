// Reading tokenizer.json pieces: fields with the types `tokenizers` requires, errors naming piece and field.
import { TokenizerError } from './errors.ts';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Types = { boolean: boolean; string: string; number: number };

/** A field the piece cannot do without. */
export function field<K extends keyof Types>(j: Json, key: string, type: K, piece: string): Types[K] {
  const v = j[key];
  if (typeof v !== type) throw new TokenizerError(`tokenizer.json ${piece} needs "${key}" as a ${type}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v as Types[K];
}

/** A field with a default when absent or null. */
export function optional<K extends keyof Types>(j: Json, key: string, type: K, piece: string, fallback: Types[K]): Types[K] {
  return j[key] === undefined || j[key] === null ? fallback : field(j, key, type, piece);
}
