// Float64 twin of the whole BERT forward and of every head the engine runs: embeddings, post-LN encoder
// layers, pooler, MLM head, sequence/token classifier, QA start/end logits and sentence-embedding pooling
// (the twin of pool.wgsl). Built from the kernel twins (kernels.ts) and attentionRef, with plain loops,
// for clarity and never for speed. ReferenceBert wraps it in BertModel's forward() contract, so a task
// (src/tasks/) runs unchanged on the GPU model or on this reference, and the tests compare the two.
import type { ForwardInputs, ForwardOptions, ForwardResult } from '../graph/model.ts';
import { classifierKind } from '../graph/bert-plan.ts';
import { NORMALIZE_EPS } from '../kernels/pool.ts';
import type { BertConfig } from '../model/config.ts';
import type { WordPieceTokenizer } from '../model/tokenizer.ts';
import type { BertWeights } from '../model/weights.ts';
import { attentionRef, packedOperands } from './attention.ts';
import { embeddingsRef, layernormRef, MASKED, matmulRef } from './kernels.ts';

type Num = ArrayLike<number>;

/**
 * The twin of pool.wgsl: CLS token or the mean over kept tokens (mask bias above MASKED), then
 * optionally x / max(||x||, eps). A sequence without kept tokens pools to zeros. Returns [batch, hidden].
 */
export function poolRef(p: { x: Num; mask?: Num; batch: number; seqLen: number; hidden: number; mode: 'cls' | 'mean'; normalize?: boolean }): Float64Array {
  const { batch, seqLen: S, hidden: H } = p;
  const y = new Float64Array(batch * H);
  for (let b = 0; b < batch; b++) {
    const row = y.subarray(b * H, (b + 1) * H);
    if (p.mode === 'cls') {
      for (let i = 0; i < H; i++) row[i] = p.x[b * S * H + i];
    } else {
      let count = 0;
      for (let s = 0; s < S; s++) {
        if (!(p.mask![b * S + s] > MASKED)) continue;
        count++;
        for (let i = 0; i < H; i++) row[i] += p.x[(b * S + s) * H + i];
      }
      if (count > 0) for (let i = 0; i < H; i++) row[i] /= count;
    }
    if (p.normalize) {
      const norm = Math.sqrt(row.reduce((a, v) => a + v * v, 0));
      for (let i = 0; i < H; i++) row[i] /= Math.max(norm, NORMALIZE_EPS);
    }
  }
  return y;
}

export interface BertRefOutputs {
  batch: number;
  seqLen: number;
  lastHiddenState: Float64Array; // [batch*seqLen, hidden]
  attentions: Float64Array[]; // per layer [batch, heads, seqLen, seqLen]
  poolerOutput?: Float64Array; // [batch, hidden]
  logits?: Float64Array; // [batch*seqLen, vocab]
  classifierLogits?: Float64Array; // [batch, labels] (sequence) or [batch*seqLen, labels] (token)
  startLogits?: Float64Array; // [batch*seqLen]
  endLogits?: Float64Array; // [batch*seqLen]
}

/** Rows of equal length, flattened; `fallback` fills a missing matrix. */
function flatten(rows: number[][] | undefined, batch: number, seqLen: number, fallback: number, what: string): Float64Array {
  const out = new Float64Array(batch * seqLen).fill(fallback);
  if (rows === undefined) return out;
  if (rows.length !== batch || rows.some((r) => r.length !== seqLen)) throw new Error(`bertForwardRef: ${what} must be ${batch} rows of ${seqLen}`);
  rows.forEach((r, b) => out.set(r, b * seqLen));
  return out;
}

/** The forward of Hugging Face's BertModel and its heads in float64; a head is computed when its weights are there. */
export function bertForwardRef(config: BertConfig, w: BertWeights, inputs: ForwardInputs): BertRefOutputs {
  const batch = inputs.inputIds.length;
  const S = inputs.inputIds[0]?.length ?? 0;
  const T = batch * S;
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const act = config.hiddenAct === 'gelu_tanh' ? 'gelu_tanh' : 'gelu';
  const ids = flatten(inputs.inputIds, batch, S, 0, 'input_ids');
  const tokenTypes = flatten(inputs.tokenTypeIds, batch, S, 0, 'token_type_ids');
  // Padded keys are -Infinity: masked whatever their score (attentionRef masks anything at or below MASKED).
  const mask = flatten(inputs.attentionMask, batch, S, 1, 'attention_mask').map((m) => (m ? 0 : -Infinity));

  let x = embeddingsRef({
    ids, tokenTypes, word: w.wordEmbeddings, position: w.positionEmbeddings, tokenType: w.tokenTypeEmbeddings,
    h: H, seqLen: S, gamma: w.embLnGamma, beta: w.embLnBeta, eps: config.layerNormEps,
  });
  const attentions: Float64Array[] = [];
  const ln = (v: Num, gamma: Num, beta: Num, rows: number) => layernormRef({ x: v, gamma, beta, rows, n: H, eps: config.layerNormEps });
  for (const l of w.layers) {
    const qkv = matmulRef({ a: x, b: l.qkvWeight, bias: l.qkvBias, m: T, n: 3 * H, k: H, transB: true });
    const attn = attentionRef({ batch, seqLen: S, heads: config.numAttentionHeads, headDim: config.headDim, ...packedOperands(qkv, H), mask });
    attentions.push(attn.probs);
    const x1 = ln(matmulRef({ a: attn.out, b: l.attnOutWeight, bias: l.attnOutBias, residual: x, m: T, n: H, k: H, transB: true }), l.attnLnGamma, l.attnLnBeta, T);
    const inter = matmulRef({ a: x1, b: l.ffnInWeight, bias: l.ffnInBias, activation: act, m: T, n: I, k: H, transB: true });
    x = ln(matmulRef({ a: inter, b: l.ffnOutWeight, bias: l.ffnOutBias, residual: x1, m: T, n: H, k: I, transB: true }), l.ffnLnGamma, l.ffnLnBeta, T);
  }
  const out: BertRefOutputs = { batch, seqLen: S, lastHiddenState: x, attentions };

  if (w.pooler) {
    // Row b reads token 0 of sequence b: a row stride of S*H.
    out.poolerOutput = matmulRef({ a: x, lda: S * H, b: w.pooler.weight, bias: w.pooler.bias, activation: 'tanh', m: batch, n: H, k: H, transB: true });
  }
  if (w.mlmHead) {
    const head = w.mlmHead;
    const t = ln(matmulRef({ a: x, b: head.transformWeight, bias: head.transformBias, activation: act, m: T, n: H, k: H, transB: true }), head.lnGamma, head.lnBeta, T);
    out.logits = matmulRef({ a: t, b: head.decoderWeight ?? w.wordEmbeddings, bias: head.decoderBias, m: T, n: config.vocabSize, k: H, transB: true });
  }
  if (w.classifier) {
    const token = classifierKind(config, Boolean(w.pooler)) === 'token';
    out.classifierLogits = matmulRef({
      a: token ? x : out.poolerOutput!, b: w.classifier.weight, bias: w.classifier.bias,
      m: token ? T : batch, n: config.numLabels, k: H, transB: true,
    });
  }
  if (w.qaOutputs) {
    const qa = matmulRef({ a: x, b: w.qaOutputs.weight, bias: w.qaOutputs.bias, m: T, n: 2, k: H, transB: true });
    out.startLogits = qa.filter((_, j) => j % 2 === 0);
    out.endLogits = qa.filter((_, j) => j % 2 === 1);
  }
  return out;
}

/**
 * The float64 reference behind BertModel's forward() contract (the options and result fields the tasks
 * use), returning Float32Arrays like the GPU model: the tests run a task on both and compare. Slow by
 * design: every head is computed for every call, and the options only pick what is returned.
 */
export class ReferenceBert {
  constructor(readonly config: BertConfig, readonly weights: BertWeights, readonly tokenizer: WordPieceTokenizer | undefined) {}

  get classifier(): 'sequence' | 'token' | undefined {
    return this.weights.classifier ? classifierKind(this.config, Boolean(this.weights.pooler)) : undefined;
  }

  get hasMlmHead(): boolean {
    return Boolean(this.weights.mlmHead);
  }

  get hasQaHead(): boolean {
    return Boolean(this.weights.qaOutputs);
  }

  async forward(inputs: ForwardInputs, opts: ForwardOptions = {}): Promise<ForwardResult> {
    const r = bertForwardRef(this.config, this.weights, inputs);
    const { batch, seqLen } = r;
    const f32 = (a: Float64Array) => Float32Array.from(a);
    const result: ForwardResult = {
      batch, seqLen, hiddenSize: this.config.hiddenSize,
      lastHiddenState: (opts.hidden ?? true) ? f32(r.lastHiddenState) : new Float32Array(0),
    };
    if (r.poolerOutput && (opts.pooler ?? true)) result.poolerOutput = f32(r.poolerOutput);
    if (r.logits && !opts.logitsAt && (opts.logits ?? true)) result.logits = f32(r.logits);
    if (opts.logitsAt) {
      if (!r.logits) throw new Error('logitsAt needs a checkpoint with an MLM head');
      const V = this.config.vocabSize;
      result.logitsAt = new Float32Array(opts.logitsAt.length * V);
      opts.logitsAt.forEach(([b, s], i) => result.logitsAt!.set(r.logits!.subarray((b * seqLen + s) * V, (b * seqLen + s + 1) * V), i * V));
    }
    if (opts.attentions) result.attentions = r.attentions.map(f32);
    if (r.classifierLogits && (opts.classifier ?? true)) result.classifierLogits = f32(r.classifierLogits);
    if (r.startLogits && r.endLogits && (opts.qa ?? true)) {
      result.startLogits = f32(r.startLogits);
      result.endLogits = f32(r.endLogits);
    }
    if (opts.pooling) {
      const mask = (inputs.attentionMask ?? inputs.inputIds.map((row) => row.map(() => 1))).flat().map((m) => (m ? 0 : -Infinity));
      result.embeddings = f32(poolRef({
        x: r.lastHiddenState, mask, batch, seqLen, hidden: this.config.hiddenSize, mode: opts.pooling.mode, normalize: opts.pooling.normalize,
      }));
    }
    return result;
  }
}
