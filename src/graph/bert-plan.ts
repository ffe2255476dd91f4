// The BERT forward as a list of kernel steps for one (batch, sequence length) shape, planned once: the
// activation arena is laid out by liveness, pipelines and bind groups are made here, and running the plan
// is recording these steps into one compute pass. Numerics follow Hugging Face's BertModel (post-LN):
//   x = LN(emb)                                    1 dispatch (embeddings + LayerNorm fused)
//   per layer:  qkv = x Wqkv^T + b                 1 (Q, K, V weights stacked: one matmul)
//               ctx = attention(qkv, mask)         1 (fused variants; +1 to rebuild maps when asked)
//               x1 = LN(ctx Wo^T + b + x)          1 (matmul-layernorm: dense, bias, residual, LayerNorm)
//               x2 = LN(gelu(x1 Wi^T + b) Wout^T + b + x1)   2 (bias + GELU fused; matmul-layernorm)
//   so 5 per layer. Unfused (fuseLayerNorm false, or rows too wide for matmul-layernorm) the two LayerNorms
//   are dispatches of their own after a matmul with bias + residual in its epilogue: 7 per layer.
//   pooler: tanh(h[:, 0] W^T + b)                  1 (first token of each sequence via a row stride)
//   MLM: LN(gelu(h Wt^T + b)) E^T + bias           3 (decoder tied to the word embeddings)
//   classifier: pooled Wc^T + b (sequence) or h Wc^T + b (token)   1 (the pooler too when only it needs it)
//   QA: h Wqa^T + b, [tokens, 2] start/end         1
//   sentence embedding: CLS or masked mean of h, L2-normalised or not   1 (pool.wgsl)
import type { Gpu } from '../gpu/device.ts';
import { BYTES_PER_ELEMENT, createBuffer, createTensor, type GpuTensor } from '../gpu/tensor.ts';
import { UniformArena } from '../gpu/uniforms.ts';
import { attentionVariant, type AttentionPlan } from '../kernels/attention.ts';
import { prepareEmbeddings } from '../kernels/embeddings.ts';
import type { Step } from '../kernels/kernel.ts';
import { prepareLayernorm } from '../kernels/layernorm.ts';
import { prepareMatmul, type MatmulArgs, type MatmulConfig } from '../kernels/matmul.ts';
import { matmulLayernormUnsupported, prepareMatmulLayernorm } from '../kernels/matmul-layernorm.ts';
import { preparePool, type PoolingMode } from '../kernels/pool.ts';
import type { BertConfig } from '../model/config.ts';
import { planBuffers, type Interval } from './arena.ts';
import type { GpuBertWeights } from './weights-gpu.ts';

export interface PlanRequest {
  batch: number;
  seqLen: number;
  attention: string;
  pooler: boolean;
  logits: boolean;
  attentions: boolean;
  /** Classifier logits (when the weights have a classifier); default false. */
  classifier?: boolean;
  /** QA start/end logits (when the weights have qa_outputs); default false. */
  qa?: boolean;
  /** Sentence embeddings of the last hidden state; default none. */
  pooling?: { mode: PoolingMode; normalize: boolean };
  /** Dense + residual + LayerNorm as one dispatch (matmul-layernorm) where the hidden size allows; default true. */
  fuseLayerNorm?: boolean;
  /** The matmul configuration for a shape (autotuned or fixed). */
  matmulConfig: (m: number, n: number, k: number, transB?: boolean) => Promise<MatmulConfig>;
}

export interface ForwardPlan {
  request: Omit<PlanRequest, 'matmulConfig'>;
  steps: Step[];
  /** Per step, what it computes ('QKV projection', 'attention', ...; the same for every layer): profiles group by it. */
  stages: string[];
  inputs: { ids: GpuTensor; tokenTypes: GpuTensor; mask: GpuTensor };
  outputs: {
    hidden: GpuTensor; // [batch*seq, hidden]
    pooled?: GpuTensor; // [batch, hidden]
    logits?: GpuTensor; // [batch*seq, vocab]
    attentions: GpuTensor[]; // per layer [batch, heads, seq, seq]
    classifier?: GpuTensor; // [batch, labels] (sequence) or [batch*seq, labels] (token)
    qa?: GpuTensor; // [batch*seq, 2]: start, end
    embeddings?: GpuTensor; // [batch, hidden]
  };
  /** Bytes of the activation buffers, and what they would be without reuse. */
  activationBytes: number;
  activationBytesNoReuse: number;
  /** Scratch the attention steps allocate themselves (S x S scores for naive, maps when asked). */
  attentionBytes: number;
  dispatches: number;
  destroy(): void;
}

/**
 * Which classifier a checkpoint has: Hugging Face's BertForTokenClassification applies it to every token
 * (and is built without a pooler), BertForSequenceClassification to the pooled first token. The config's
 * architectures decide; a checkpoint that names neither and has no pooler can only be a token classifier.
 */
export function classifierKind(config: Pick<BertConfig, 'architectures'>, hasPooler: boolean): 'sequence' | 'token' {
  return config.architectures.includes('BertForTokenClassification') || !hasPooler ? 'token' : 'sequence';
}

/** One op of the graph: the activations it reads and writes, and how to make its steps from their views. */
interface Op {
  reads: string[];
  writes: string[];
  build: (view: (name: string) => GpuTensor) => Promise<Step[]>;
}

export async function buildPlan(gpu: Gpu, config: BertConfig, w: GpuBertWeights, req: PlanRequest): Promise<ForwardPlan> {
  const { batch: B, seqLen: S } = req;
  const T = B * S;
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const V = config.vocabSize;
  const heads = config.numAttentionHeads;
  const act = config.hiddenAct === 'gelu_tanh' ? 'gelu_tanh' : 'gelu';
  const variant = attentionVariant(req.attention);

  const uniforms = new UniformArena(gpu, `plan ${B}x${S} uniforms`);
  const owned: GPUBuffer[] = [];
  const attentionPlans: AttentionPlan[] = [];
  const destroy = () => {
    uniforms.destroy();
    for (const b of owned) b.destroy();
    for (const p of attentionPlans) p.dispose();
  };

  try {
    const input = async (shape: number[], dtype: 'u32' | 'f32', label: string) => {
      const t = await createTensor(gpu, shape, dtype, label);
      owned.push(t.buffer);
      return t;
    };
    const inputs = {
      ids: await input([T], 'u32', 'input ids'),
      tokenTypes: await input([T], 'u32', 'token type ids'),
      mask: await input([B, S], 'f32', 'attention mask bias'),
    };

    const shapes = new Map<string, number[]>();
    const ops: Op[] = [];
    const matmul = (a: string, out: string, outShape: number[], extra: string[], args: (v: (n: string) => GpuTensor) => Omit<MatmulArgs, 'config'>) => {
      shapes.set(out, outShape);
      ops.push({
        reads: [a, ...extra], writes: [out],
        build: async (v) => {
          const margs = args(v);
          return [await prepareMatmul(gpu, uniforms, { ...margs, config: await req.matmulConfig(margs.m, margs.n, margs.k) })];
        },
      });
    };
    const layernorm = (x: string, out: string, gamma: GpuTensor, beta: GpuTensor, rows: number, label: string) => {
      shapes.set(out, [rows, H]);
      ops.push({ reads: [x], writes: [out], build: async (v) => [await prepareLayernorm(gpu, uniforms, { x: v(x), gamma, beta, y: v(out), rows, n: H, eps: config.layerNormEps, label })] });
    };

    // LN(a W^T + b + residual) -> out: one matmul-layernorm dispatch, or a matmul writing `mid` and a LayerNorm.
    const fuse = (req.fuseLayerNorm ?? true) && !matmulLayernormUnsupported(H);
    const denseLayernorm = (a: string, residual: string, mid: string, out: string, wts: { weight: GpuTensor; bias: GpuTensor; gamma: GpuTensor; beta: GpuTensor }, k: number, label: string) => {
      if (!fuse) {
        matmul(a, mid, [T, H], [residual], (v) => ({ a: v(a), b: wts.weight, bias: wts.bias, residual: v(residual), c: v(mid), m: T, n: H, k, transB: true, label }));
        layernorm(mid, out, wts.gamma, wts.beta, T, `${label} LayerNorm`);
        return;
      }
      shapes.set(out, [T, H]);
      ops.push({
        reads: [a, residual], writes: [out],
        build: async (v) => [await prepareMatmulLayernorm(gpu, uniforms, {
          a: v(a), b: wts.weight, bias: wts.bias, residual: v(residual), gamma: wts.gamma, beta: wts.beta, y: v(out),
          m: T, n: H, k, eps: config.layerNormEps, label: `${label} + LayerNorm`,
        })],
      });
    };

    shapes.set('emb', [T, H]);
    ops.push({
      reads: [], writes: ['emb'],
      build: async (v) => [await prepareEmbeddings(gpu, uniforms, {
        ids: inputs.ids, tokenTypes: inputs.tokenTypes, word: w.wordEmbeddings, position: w.positionEmbeddings,
        tokenType: w.tokenTypeEmbeddings, gamma: w.embLnGamma, beta: w.embLnBeta, y: v('emb'), seqLen: S, eps: config.layerNormEps,
      })],
    });

    let x = 'emb';
    w.layers.forEach((l, i) => {
      const p = `layer${i}.`;
      // The builders run after this loop: they must capture this layer's input, not the variable `x`.
      const xIn = x;
      matmul(xIn, `${p}qkv`, [T, 3 * H], [], (v) => ({ a: v(xIn), b: l.qkvWeight, bias: l.qkvBias, c: v(`${p}qkv`), m: T, n: 3 * H, k: H, transB: true, label: `${p}qkv` }));
      shapes.set(`${p}ctx`, [T, H]);
      ops.push({
        reads: [`${p}qkv`], writes: [`${p}ctx`],
        build: async (v) => {
          const plan = await variant.prepare(gpu, uniforms, {
            batch: B, seqLen: S, heads, headDim: H / heads, qkv: v(`${p}qkv`), out: v(`${p}ctx`), mask: inputs.mask,
            outputAttentions: req.attentions, label: `${p}attention`, matmulConfig: (m, n, k, transB) => req.matmulConfig(m, n, k, transB),
          });
          attentionPlans.push(plan);
          return plan.steps;
        },
      });
      denseLayernorm(`${p}ctx`, xIn, `${p}attn`, `${p}x1`, { weight: l.attnOutWeight, bias: l.attnOutBias, gamma: l.attnLnGamma, beta: l.attnLnBeta }, H, `${p}attention output`);
      matmul(`${p}x1`, `${p}inter`, [T, I], [], (v) => ({ a: v(`${p}x1`), b: l.ffnInWeight, bias: l.ffnInBias, activation: act, c: v(`${p}inter`), m: T, n: I, k: H, transB: true, label: `${p}intermediate` }));
      denseLayernorm(`${p}inter`, `${p}x1`, `${p}ffn`, `${p}x2`, { weight: l.ffnOutWeight, bias: l.ffnOutBias, gamma: l.ffnLnGamma, beta: l.ffnLnBeta }, I, `${p}output`);
      x = `${p}x2`;
    });
    const hidden = x;
    const outputs = [hidden];

    const classifier = req.classifier ? w.classifier : undefined;
    const kind = classifierKind(config, Boolean(w.pooler));
    const sequenceClassifier = classifier !== undefined && kind === 'sequence';
    if ((req.pooler || sequenceClassifier) && w.pooler) {
      const pooler = w.pooler;
      // Row b of A is token 0 of sequence b: a row stride of S*H walks the first tokens.
      matmul(hidden, 'pooled', [B, H], [], (v) => ({ a: v(hidden), b: pooler.weight, bias: pooler.bias, activation: 'tanh', c: v('pooled'), m: B, n: H, k: H, lda: S * H, transB: true, label: 'pooler' }));
      if (req.pooler) outputs.push('pooled');
    }
    if (classifier) {
      const L = config.numLabels;
      const [from, rows] = kind === 'sequence' ? ['pooled', B] : [hidden, T];
      matmul(from, 'classifier', [rows, L], [], (v) => ({ a: v(from), b: classifier.weight, bias: classifier.bias, c: v('classifier'), m: rows, n: L, k: H, transB: true, label: `${kind} classifier` }));
      outputs.push('classifier');
    }
    const qaHead = req.qa ? w.qaOutputs : undefined;
    if (qaHead) {
      matmul(hidden, 'qa', [T, 2], [], (v) => ({ a: v(hidden), b: qaHead.weight, bias: qaHead.bias, c: v('qa'), m: T, n: 2, k: H, transB: true, label: 'QA outputs' }));
      outputs.push('qa');
    }
    const pooling = req.pooling;
    if (pooling) {
      shapes.set('embeddings', [B, H]);
      ops.push({
        reads: [hidden], writes: ['embeddings'],
        build: async (v) => [await preparePool(gpu, uniforms, {
          x: v(hidden), mask: inputs.mask, y: v('embeddings'), batch: B, seqLen: S, hidden: H,
          mode: pooling.mode, normalize: pooling.normalize, label: `${pooling.mode} pooling`,
        })],
      });
      outputs.push('embeddings');
    }
    if (req.logits && w.mlmHead) {
      const head = w.mlmHead;
      matmul(hidden, 'mlm.transform', [T, H], [], (v) => ({ a: v(hidden), b: head.transformWeight, bias: head.transformBias, activation: act, c: v('mlm.transform'), m: T, n: H, k: H, transB: true, label: 'MLM transform' }));
      layernorm('mlm.transform', 'mlm.ln', head.lnGamma, head.lnBeta, T, 'MLM LayerNorm');
      matmul('mlm.ln', 'logits', [T, V], [], (v) => ({ a: v('mlm.ln'), b: head.decoderWeight, bias: head.decoderBias, c: v('logits'), m: T, n: V, k: H, transB: true, label: 'MLM decoder' }));
      outputs.push('logits');
    }

    // Liveness: from the op that writes a tensor to the last op that reads it; outputs live to the end.
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    ops.forEach((op, i) => {
      for (const n of op.writes) if (!first.has(n)) first.set(n, i);
      for (const n of [...op.reads, ...op.writes]) last.set(n, i);
    });
    for (const n of outputs) last.set(n, ops.length);
    const intervals: Interval[] = [...shapes].map(([name, shape]) => ({
      name, bytes: shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT, first: first.get(name)!, last: last.get(name)!,
    }));
    const layout = planBuffers(intervals);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffers: GPUBuffer[] = [];
    for (const [i, size] of layout.sizes.entries()) {
      const buffer = await createBuffer(gpu, size, usage, `activations ${B}x${S} #${i}`);
      owned.push(buffer);
      buffers.push(buffer);
    }
    const view = (name: string): GpuTensor => {
      const slot = layout.assignment.get(name);
      if (slot === undefined) throw new Error(`activation "${name}" was never declared`);
      return { buffer: buffers[slot], byteOffset: 0, shape: shapes.get(name)!, dtype: 'f32', label: name };
    };

    // Profiles report by stage: what each activation is, by the name it has in every layer.
    const stageNames: Record<string, string> = {
      emb: 'embeddings + LayerNorm', qkv: 'QKV projection', ctx: 'attention', attn: 'attention output',
      x1: fuse ? 'attention output + LayerNorm' : 'attention LayerNorm', inter: 'FFN in + GELU', ffn: 'FFN out',
      x2: fuse ? 'FFN out + LayerNorm' : 'FFN LayerNorm', pooled: 'pooler', classifier: 'classifier', qa: 'QA head',
      embeddings: 'pooling', 'mlm.transform': 'MLM transform', 'mlm.ln': 'MLM LayerNorm', logits: 'MLM decoder',
    };
    const steps: Step[] = [];
    const stages: string[] = [];
    for (const op of ops) {
      const built = await op.build(view);
      steps.push(...built);
      const written = op.writes[0].replace(/^layer\d+\./, '');
      for (const _ of built) stages.push(stageNames[written] ?? written);
    }
    const probs = req.attentions ? attentionPlans.map((p) => p.probs!) : [];
    return {
      request: {
        batch: B, seqLen: S, attention: req.attention, pooler: req.pooler, logits: req.logits, attentions: req.attentions,
        classifier: Boolean(classifier), qa: Boolean(qaHead), pooling,
      },
      steps,
      stages,
      inputs,
      outputs: {
        hidden: view(hidden),
        pooled: outputs.includes('pooled') ? view('pooled') : undefined,
        logits: outputs.includes('logits') ? view('logits') : undefined,
        attentions: probs,
        classifier: outputs.includes('classifier') ? view('classifier') : undefined,
        qa: outputs.includes('qa') ? view('qa') : undefined,
        embeddings: outputs.includes('embeddings') ? view('embeddings') : undefined,
      },
      activationBytes: layout.peakBytes,
      activationBytesNoReuse: layout.naiveBytes,
      attentionBytes: attentionPlans.reduce((s, p) => s + p.allocatedBytes, 0),
      dispatches: steps.filter((s) => s.workgroups.every((n) => n > 0)).length,
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}
