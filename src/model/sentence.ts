// A sentence-transformers folder (modules.json beside the Hugging Face checkpoint), read as sentence-transformers
// runs it: the Transformer module (this checkpoint), then Pooling (1_Pooling/config.json: any of its six modes,
// concatenated in its order; include_prompt), Dense modules (their config.json and model.safetensors:
// activation(x W^T + b)), Normalize; sentence_bert_config.json's max_seq_length and do_lower_case;
// config_sentence_transformers.json's prompts and default_prompt_name. Modules this engine does not run are
// refused by name, never skipped. Everything after the encoder runs on the GPU in the same submit.
import type { Activation } from '../kernels/matmul.ts';
import { SENTENCE_POOLING_MODES, type SentencePoolingMode } from '../kernels/pool.ts';
import type { Linear, TensorTable } from '../families/weights.ts';
import { describe } from '../families/config.ts';
import { CheckpointError } from '../errors.ts';
import { parseJsonBytes } from '../tokenizer/json-text.ts';
import { checkFileName } from './file-names.ts';
import { parseSafetensors, tensorToFloat32 } from './safetensors.ts';

export interface SentenceDense {
  path: string;
  inFeatures: number;
  outFeatures: number;
  activation: Activation;
  linear: Linear;
}

export interface SentenceTransformerConfig {
  /** The module types in order ('Transformer', 'Pooling', 'Dense', 'Normalize'). */
  modules: string[];
  pooling: { modes: SentencePoolingMode[]; includePrompt: boolean; dimension: number };
  dense: SentenceDense[];
  normalize: boolean;
  /** Tokens per input, special tokens included (sentence_bert_config.json). */
  maxSeqLength?: number;
  doLowerCase: boolean;
  prompts: Record<string, string>;
  defaultPromptName?: string;
  /** Width of the final embedding. */
  dimension: number;
}

/** Pooling config keys → modes, in the order sentence-transformers concatenates them. */
const POOLING_KEYS: Record<SentencePoolingMode, string> = {
  cls: 'pooling_mode_cls_token', mean: 'pooling_mode_mean_tokens', max: 'pooling_mode_max_tokens',
  mean_sqrt_len_tokens: 'pooling_mode_mean_sqrt_len_tokens', weightedmean: 'pooling_mode_weightedmean_tokens', lasttoken: 'pooling_mode_lasttoken',
};

/** Dense activation_function (a torch class path) → the matmul epilogue. */
const DENSE_ACTIVATIONS: Record<string, Activation> = {
  'torch.nn.modules.linear.Identity': 'none', 'torch.nn.modules.activation.Tanh': 'tanh', 'torch.nn.modules.activation.ReLU': 'relu',
  'torch.nn.modules.activation.GELU': 'gelu', 'torch.nn.modules.activation.SiLU': 'silu',
};

type Read = (file: string) => Promise<Uint8Array | undefined>;

const inFolder = (folder: string, file: string) => (folder === '' ? file : `${folder}/${file}`);

const json = (bytes: Uint8Array, file: string): Record<string, unknown> => {
  const v = parseJsonBytes(bytes, (detail) => new CheckpointError(file, detail));
  if (typeof v !== 'object' || v === null) throw new CheckpointError(file, `expected a JSON object or array, got ${describe(v)}`);
  return v as Record<string, unknown>;
};

/**
 * The sentence-transformers pipeline of a folder, or undefined without modules.json. `hidden` is the
 * encoder's width; Dense weights are added to `table` (kept f32).
 */
export async function readSentenceTransformers(read: Read, hidden: number, table: TensorTable): Promise<SentenceTransformerConfig | undefined> {
  const modulesBytes = await read('modules.json');
  if (!modulesBytes) return undefined;
  const must = async (file: string, why: string) => {
    const b = await read(file);
    if (!b) throw new CheckpointError(file, `not found (${why})`);
    return b;
  };
  const list = json(modulesBytes, 'modules.json');
  if (!Array.isArray(list)) throw new CheckpointError('modules.json', 'expected an array of modules');
  const out: SentenceTransformerConfig = { modules: [], pooling: { modes: ['mean'], includePrompt: true, dimension: hidden }, dense: [], normalize: false, doLowerCase: false, prompts: {}, dimension: hidden };
  let pooled = false;
  for (const [i, m] of (list as unknown[]).entries()) {
    const entry = m as Record<string, unknown>;
    const type = typeof entry?.type === 'string' ? entry.type : '';
    const kind = type.split('.').pop() ?? '';
    const where = `modules.json[${i}] (${type || 'no type'})`;
    // A module's folder, inside the model's like every name a model gives (file-names.ts); "" is the top level.
    const given = entry?.path ?? '';
    const path = given === '' ? '' : checkFileName(typeof given === 'string' ? given.replace(/\/+$/, '') : given, 'modules.json', `${where}: "path"`);
    const stage = out.modules.length;
    if (kind === 'Transformer') {
      if (stage !== 0) throw new CheckpointError('modules.json', `${where}: the Transformer must be the first module`);
      if (path !== '') throw new CheckpointError('modules.json', `${where}: a Transformer in the subfolder "${path}" is not supported (the checkpoint must be at the folder's top level)`);
    } else if (stage === 0) {
      throw new CheckpointError('modules.json', `${where}: the first module must be a Transformer`);
    } else if (kind === 'Pooling') {
      if (pooled) throw new CheckpointError('modules.json', `${where}: a second Pooling module`);
      const file = inFolder(path, 'config.json');
      const c = json(await must(file, `named by ${where}`), file);
      const modes = SENTENCE_POOLING_MODES.filter((mode) => c[POOLING_KEYS[mode]] === true);
      if (modes.length === 0) throw new CheckpointError(file, `no pooling mode is true (keys: ${Object.values(POOLING_KEYS).join(', ')})`);
      const dim = c.word_embedding_dimension;
      if (dim !== undefined && dim !== hidden) throw new CheckpointError(file, `word_embedding_dimension ${describe(dim)} is not the model's hidden size ${hidden}`);
      out.pooling = { modes, includePrompt: c.include_prompt !== false, dimension: hidden };
      out.dimension = modes.length * hidden;
      pooled = true;
    } else if (kind === 'Dense') {
      if (!pooled || out.normalize) throw new CheckpointError('modules.json', `${where}: a Dense module must follow the Pooling module (and come before Normalize)`);
      const file = inFolder(path, 'config.json');
      const c = json(await must(file, `named by ${where}`), file);
      const int = (k: string) => {
        const v = c[k];
        if (!Number.isSafeInteger(v) || (v as number) < 1) throw new CheckpointError(file, `field "${k}" must be a positive integer, got ${describe(v)}`);
        return v as number;
      };
      const [inFeatures, outFeatures] = [int('in_features'), int('out_features')];
      if (inFeatures !== out.dimension) throw new CheckpointError(file, `in_features ${inFeatures} does not match the ${out.dimension} values coming in`);
      const actName = typeof c.activation_function === 'string' ? c.activation_function : 'torch.nn.modules.activation.Tanh';
      if (!Object.hasOwn(DENSE_ACTIVATIONS, actName)) throw new CheckpointError(file, `unsupported activation_function "${actName}" (supported: ${Object.keys(DENSE_ACTIVATIONS).join(', ')})`);
      const weightsFile = inFolder(path, 'model.safetensors');
      const bytes = await read(weightsFile);
      if (!bytes) {
        const bin = await read(inFolder(path, 'pytorch_model.bin'));
        throw new CheckpointError(weightsFile, bin ? 'not found; only pytorch_model.bin is there, and PyTorch pickles are not read (save the module with safetensors)' : `not found (named by ${where})`);
      }
      const parsed = parseSafetensors(bytes, weightsFile);
      const tensor = (name: string, shape: number[]) => {
        const info = parsed.tensors.get(name);
        if (!info) throw new CheckpointError(weightsFile, `missing tensor "${name}"`);
        if (info.shape.join(',') !== shape.join(',')) throw new CheckpointError(weightsFile, `tensor "${name}" has shape [${info.shape}], expected [${shape}]`);
        return table.derived(`${path}/${name}`, shape, tensorToFloat32(bytes, info, weightsFile));
      };
      const bias = c.bias !== false;
      const unexpected = [...parsed.tensors.keys()].filter((n) => n !== 'linear.weight' && !(bias && n === 'linear.bias'));
      if (unexpected.length) throw new CheckpointError(weightsFile, `unexpected tensor "${unexpected[0]}" (a Dense module holds linear.weight${bias ? ' and linear.bias' : ''})`);
      const linear: Linear = { weight: tensor('linear.weight', [outFeatures, inFeatures]), bias: bias ? tensor('linear.bias', [outFeatures]) : undefined };
      out.dense.push({ path, inFeatures, outFeatures, activation: DENSE_ACTIVATIONS[actName], linear });
      out.dimension = outFeatures;
    } else if (kind === 'Normalize') {
      if (!pooled) throw new CheckpointError('modules.json', `${where}: Normalize must follow the Pooling module`);
      out.normalize = true;
    } else {
      throw new CheckpointError('modules.json', `${where}: unsupported module ${type ? `"${type}"` : 'without a type'} (supported: Transformer, Pooling, Dense, Normalize)`);
    }
    out.modules.push(kind);
  }
  if (!pooled) throw new CheckpointError('modules.json', 'no Pooling module: nothing turns the token states into one vector');

  const sbert = await read('sentence_bert_config.json');
  if (sbert) {
    const c = json(sbert, 'sentence_bert_config.json');
    const max = c.max_seq_length;
    if (max !== undefined && max !== null) {
      if (!Number.isSafeInteger(max) || (max as number) < 1) throw new CheckpointError('sentence_bert_config.json', `field "max_seq_length" must be a positive integer, got ${describe(max)}`);
      out.maxSeqLength = max as number;
    }
    out.doLowerCase = c.do_lower_case === true;
  }
  const st = await read('config_sentence_transformers.json');
  if (st) {
    const c = json(st, 'config_sentence_transformers.json');
    const prompts = c.prompts ?? {};
    if (typeof prompts !== 'object' || Array.isArray(prompts) || !Object.values(prompts as object).every((p) => typeof p === 'string')) {
      throw new CheckpointError('config_sentence_transformers.json', `field "prompts" must map names to strings, got ${describe(prompts)}`);
    }
    out.prompts = { ...(prompts as Record<string, string>) };
    const def = c.default_prompt_name;
    if (def !== undefined && def !== null) {
      if (typeof def !== 'string' || !Object.hasOwn(out.prompts, def)) throw new CheckpointError('config_sentence_transformers.json', `default_prompt_name ${describe(def)} is not one of the prompts (${Object.keys(out.prompts).join(', ') || 'none'})`);
      out.defaultPromptName = def;
    }
  }
  return out;
}
