// The families this engine runs, and config.json → (family, checked config).
import { albert } from './albert.ts';
import { bert } from './bert.ts';
import { distilbert } from './distilbert.ts';
import { electra } from './electra.ts';
import { gte } from './gte.ts';
import { jinaBert } from './jina-bert.ts';
import { modernbert } from './modernbert.ts';
import { mpnet } from './mpnet.ts';
import { nomic } from './nomic.ts';
import { roberta } from './roberta.ts';
import { ConfigReader, describe, type EncoderConfig } from './config.ts';
import type { AnyFamily } from './family.ts';
import { readQuantizationConfig } from './quantization.ts';

export const FAMILIES: readonly AnyFamily[] = [bert, distilbert, roberta, electra, mpnet, modernbert, nomic, albert, jinaBert, gte];

export function supportedModelTypes(): string[] {
  return [...new Set(FAMILIES.flatMap((f) => f.modelTypes))];
}

/**
 * The family of a config: its model_type, or (old configs have none) the family whose head classes its
 * `architectures` name, else BERT, which is what configs without either were written for.
 */
export function parseConfig(json: unknown, file = 'config.json'): { family: AnyFamily; config: EncoderConfig } {
  const c = new ConfigReader(json, file);
  let modelType: string;
  if (c.has('model_type')) {
    modelType = c.str('model_type');
  } else {
    const named = c.strings('architectures');
    const byArch = FAMILIES.find((f) => named.some((a) => f.architectures.includes(a)));
    modelType = byArch?.modelTypes[0] ?? 'bert';
  }
  const candidates = FAMILIES.filter((f) => f.modelTypes.includes(modelType));
  const family = candidates.find((f) => f.claims?.(c)) ?? candidates.find((f) => !f.claims);
  if (!family) return c.fail(`unsupported model_type ${describe(modelType).replace(/ \(string\)$/, '')} (supported: ${supportedModelTypes().map((t) => `"${t}"`).join(', ')})`);
  const config = family.parseConfig(c, modelType);
  const quantization = readQuantizationConfig((json as Record<string, unknown>).quantization_config, (detail) => c.fail(detail));
  const st = c.json.sentence_transformers as Record<string, unknown> | undefined;
  const activation = (typeof st === 'object' && st !== null ? st.activation_fn : undefined) ?? c.json.sbert_ce_default_activation_function;
  if (activation !== undefined && activation !== null && typeof activation !== 'string') c.fail(`the cross-encoder activation_fn must be a class name, got ${describe(activation)}`);
  return {
    family,
    config: { ...config, ...(quantization && { quantization }), ...(typeof activation === 'string' && { crossEncoderActivation: activation }) },
  };
}
