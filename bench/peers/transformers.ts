// Transformers.js (ONNX Runtime Web) as a benchmark peer: AutoModel on the checkpoint's onnx/model.onnx
// (written by bench/model-folder.ts), fp32, on ORT's WebGPU or WASM execution provider. Everything is read
// from the page's own server: local models only, ORT's wasm binary from node_modules (Vite serves it), no
// browser cache. Runs in the page; Vite resolves '@huggingface/transformers' to its web build.
import { AutoModel, env, Tensor } from '@huggingface/transformers';
// The wasm binary ORT's WebGPU bundle (the one Transformers.js imports) instantiates. Transformers.js would
// fetch it from a CDN, and a copy next to Vite's pre-bundled chunk does not exist, so it is named here.
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { Peer, PeerInputs, PeerModel } from './peer.ts';

type Backend = 'webgpu' | 'wasm';

function configureOffline(modelRoot: string): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = modelRoot;
  // The bench regenerates models under the same URL: a cached copy could be stale weights.
  env.useBrowserCache = false;
  env.useWasmCache = false;
  const wasm = env.backends.onnx.wasm;
  if (!wasm) throw new Error('transformers.js: this build has no ONNX Runtime wasm backend settings');
  // Only the binary is overridden: ORT then keeps its embedded glue module and loads nothing else.
  wasm.wasmPaths = { wasm: new URL(ortWasmUrl, location.href).href };
  // Threads need cross-origin isolation, which the dev server does not set up; one thread avoids the warning.
  wasm.numThreads = 1;
}

/** `.../models/<name>/` → ['.../models/', '<name>']: Transformers.js takes a root and a model id. */
function splitBaseUrl(baseUrl: string): [string, string] {
  const url = new URL(baseUrl, location.href);
  const match = /^(.*\/)([^/]+)\/?$/.exec(url.pathname);
  if (!match) throw new Error(`transformers.js: model URL ${baseUrl} has no folder name`);
  return [`${url.origin}${match[1]}`, match[2]];
}

const int64 = (values: Int32Array, batch: number, seqLen: number) =>
  new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [batch, seqLen]);

export async function transformersPeer(backend: Backend): Promise<Peer> {
  if (backend !== 'webgpu' && backend !== 'wasm') throw new Error(`transformers.js: backend must be webgpu or wasm, got ${String(backend)}`);
  return {
    engine: 'transformers.js',
    version: env.version,
    backend,
    async load(baseUrl: string): Promise<PeerModel> {
      const [root, id] = splitBaseUrl(baseUrl);
      configureOffline(root);
      const model = await AutoModel.from_pretrained(id, { device: backend, dtype: 'fp32', local_files_only: true });
      return {
        async forward({ batch, seqLen, inputIds, attentionMask, tokenTypeIds }: PeerInputs): Promise<Float32Array> {
          const out = await model({
            input_ids: int64(inputIds, batch, seqLen),
            attention_mask: int64(attentionMask, batch, seqLen),
            token_type_ids: int64(tokenTypeIds, batch, seqLen),
          });
          const hidden = out.last_hidden_state as Tensor | undefined;
          if (!hidden) throw new Error(`transformers.js: the model gave no last_hidden_state (outputs: ${Object.keys(out).join(', ')})`);
          if (hidden.type !== 'float32') throw new Error(`transformers.js: last_hidden_state is ${hidden.type}, expected float32`);
          return hidden.data as Float32Array;
        },
        async dispose() {
          await model.dispose();
        },
      };
    },
  };
}
