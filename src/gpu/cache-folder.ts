// The engine's cache folder on disk (Node only): the autotuner's results (kernels/tuning-node.ts) and the
// default model (model/generate-node.ts) live there. Low in the layers so that both may name it.
import { homedir } from 'node:os';
import path from 'node:path';

/** `$WEBGPU_BERT_CACHE`, else `$XDG_CACHE_HOME/webgpu-bert`, else `~/.cache/webgpu-bert`. */
export function cacheRoot(): string {
  const env = process.env.WEBGPU_BERT_CACHE;
  if (env) return path.resolve(env);
  return path.join(process.env.XDG_CACHE_HOME ? path.resolve(process.env.XDG_CACHE_HOME) : path.join(homedir(), '.cache'), 'webgpu-bert');
}
