// The page side of the peers test: this engine's output on a padded batch is the baseline (checked against
// the float64 reference first), then each peer loads the same folder by URL and runs the same batch.
import { PEERS } from '../../bench/peers/index.ts';
import { PEER_TOLERANCE, type PeerInputs } from '../../bench/peers/peer.ts';
import { EncoderModel, createBrowserGpu, describeAdapter, type AdapterSummary, type Gpu } from '../../src/browser.ts';
import { compare, TOLERANCES, type Tolerance } from '../../src/lab.ts';
import { loadCheckpoint } from '../../src/model/source.ts';
import { ReferenceModel } from '../../src/reference/model.ts';
import { Rng } from '../../src/random.ts';

/** compare()'s element-wise bounds set to the same number as its norm bound: PEER_TOLERANCE is the one limit. */
const PEER_TOL: Tolerance = { relNorm: PEER_TOLERANCE, rtol: PEER_TOLERANCE, atolRms: PEER_TOLERANCE };

export interface Baseline {
  ok: boolean;
  message: string;
  /** ||engine - float64 reference|| / ||reference||. */
  engineVsReference: number;
}

export interface PeerRun {
  ok: boolean;
  message: string;
  engine: string;
  version: string;
  backend: string;
  peerVsEngine: number;
  peerVsReference: number;
  loadMs: number;
  /** First forward: includes the peer's shader compilation or session warm-up. */
  forwardMs: number;
}

export interface PeersPage {
  ready: Promise<AdapterSummary>;
  describe(): string;
  sha256(path: string): Promise<string>;
  baseline(baseUrl: string, batch: number, seqLen: number, seed: number): Promise<Baseline>;
  runPeer(name: string): Promise<PeerRun>;
}

let gpu: Gpu | undefined;
let state: { baseUrl: string; inputs: PeerInputs; engine: Float32Array; reference: Float32Array } | undefined;
const log = document.getElementById('log')!;

const ready = createBrowserGpu().then((g) => {
  gpu = g;
  log.textContent = `adapter: ${describeAdapter(g.adapter)}`;
  return g.adapter;
});

/** Seeded ids, token types 0 then 1 from the middle, and row b padded by 5·b tokens at the end. */
function paddedBatch(batch: number, seqLen: number, vocabSize: number, seed: number): PeerInputs {
  const rng = new Rng(seed);
  const n = batch * seqLen;
  const inputs: PeerInputs = { batch, seqLen, inputIds: new Int32Array(n), attentionMask: new Int32Array(n), tokenTypeIds: new Int32Array(n) };
  for (let b = 0; b < batch; b++) {
    const kept = seqLen - 5 * b;
    if (kept < 1) throw new Error(`paddedBatch: row ${b} of ${seqLen} tokens would be all padding`);
    for (let s = 0; s < seqLen; s++) {
      const i = b * seqLen + s;
      const keep = s < kept;
      inputs.inputIds[i] = keep ? rng.int(0, vocabSize) : 0;
      inputs.attentionMask[i] = keep ? 1 : 0;
      inputs.tokenTypeIds[i] = keep && s >= kept / 2 ? 1 : 0;
    }
  }
  return inputs;
}

const rows = (a: Int32Array, batch: number, seqLen: number) =>
  Array.from({ length: batch }, (_, b) => Array.from(a.subarray(b * seqLen, (b + 1) * seqLen)));

const page: PeersPage = {
  ready,
  describe: () => (gpu ? describeAdapter(gpu.adapter) : 'no adapter'),

  async sha256(path) {
    const res = await fetch(path);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    const digest = await crypto.subtle.digest('SHA-256', await res.arrayBuffer());
    return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, '0')).join('');
  },

  async baseline(baseUrl, batch, seqLen, seed) {
    await ready;
    const ckpt = await loadCheckpoint(baseUrl);
    const inputs = paddedBatch(batch, seqLen, ckpt.config.vocabSize, seed);
    const forwardInputs = {
      inputIds: rows(inputs.inputIds, batch, seqLen),
      attentionMask: rows(inputs.attentionMask, batch, seqLen),
      tokenTypeIds: rows(inputs.tokenTypeIds, batch, seqLen),
    };
    const model = await EncoderModel.load(gpu!, baseUrl);
    try {
      const engine = (await model.forward(forwardInputs)).lastHiddenState;
      const reference = (await new ReferenceModel(ckpt).forward(forwardInputs)).lastHiddenState;
      state = { baseUrl, inputs, engine, reference };
      const r = compare(engine, reference, TOLERANCES.model, `this engine vs float64 (seed ${seed})`);
      return { ok: r.pass, message: r.message, engineVsReference: r.relNorm };
    } finally {
      model.dispose();
    }
  },

  async runPeer(name) {
    if (!state) throw new Error('runPeer: call baseline() first');
    const make = PEERS[name];
    if (!make) throw new Error(`runPeer: no peer named ${JSON.stringify(name)} (known: ${Object.keys(PEERS).join(', ')})`);
    const peer = await make();
    let t = performance.now();
    const model = await peer.load(state.baseUrl);
    const loadMs = performance.now() - t;
    try {
      t = performance.now();
      const got = await model.forward(state.inputs);
      const forwardMs = performance.now() - t;
      const vsEngine = compare(got, state.engine, PEER_TOL, `${name} vs this engine`);
      const vsReference = compare(got, state.reference, TOLERANCES.model, `${name} vs float64`);
      return {
        ok: vsEngine.pass, message: `${vsEngine.message}; ${vsReference.message}`,
        engine: peer.engine, version: peer.version, backend: peer.backend,
        peerVsEngine: vsEngine.relNorm, peerVsReference: vsReference.relNorm, loadMs, forwardMs,
      };
    } finally {
      await model.dispose();
    }
  },
};

(window as unknown as { peersPage: PeersPage }).peersPage = page;
