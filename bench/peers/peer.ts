// What every peer engine (Transformers.js, TF.js) offers the end-to-end benchmark: load the same checkpoint
// this engine loads, run a forward on the same token ids, hand back last_hidden_state so the benchmark can
// check it against this engine's output (relative error <= PEER_TOLERANCE) before it times anything.
// Runs in the browser page (bench/page.ts); nothing here may import node:*.

/** A peer's output may differ from ours by at most this (relative, compare()'s measure) before it is timed. */
export const PEER_TOLERANCE = 1e-3;

export interface PeerInputs {
  batch: number;
  seqLen: number;
  /** [batch * seqLen] row-major token ids, attention mask (1/0) and token types. */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
}

export interface PeerModel {
  /** [batch, seqLen, hidden] row-major, read back to the CPU (the read is part of the timed forward, as for ours). */
  forward(inputs: PeerInputs): Promise<Float32Array>;
  dispose(): Promise<void> | void;
}

export interface PeerInfo {
  /** 'transformers.js' | 'tfjs' */
  engine: string;
  /** Package version, read from the package itself where it says. */
  version: string;
  /** 'webgpu' | 'wasm' */
  backend: string;
}

export interface Peer extends PeerInfo {
  /**
   * Loads the checkpoint served at `baseUrl` (Hugging Face layout on 127.0.0.1: config.json, model.safetensors,
   * vocab.txt, onnx/model.onnx) with this peer's own loader.
   */
  load(baseUrl: string): Promise<PeerModel>;
}
