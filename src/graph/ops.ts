// The ops families build graphs from. Each constructor declares the values it reads and writes, how to
// make its GPU steps (kernels from src/kernels/) and its float64 twin (called through ctx.twins, the table
// the reference executor provides: graph/twins.ts; src/reference/ is never imported here), and returns its
// output. Choices that do not change the math (fused or unfused LayerNorm, the attention variant, how a
// weight larger than one binding is split) are made here, so families say only what they compute.
import { alibiSlopes, attentionVariant, relativeBucketTable, ropeTable, ropeTableOf, type AttentionFeatures } from '../kernels/attention.ts';
import { prepareEmbeddings } from '../kernels/embeddings.ts';
import type { Step } from '../kernels/kernel.ts';
import { prepareLayernorm } from '../kernels/layernorm.ts';
import { prepareMatmul, type Activation } from '../kernels/matmul.ts';
import { matmulLayernormUnsupported, prepareMatmulLayernorm } from '../kernels/matmul-layernorm.ts';
import { preparePool, type PoolingMode, type SentencePoolingMode } from '../kernels/pool.ts';
import type { Linear, Norm, Weight } from './weight.ts';
import type { Graph, Value } from './graph.ts';

export interface EmbeddingWeights {
  word: Weight; // [vocab, E]
  position?: Weight; // [positions, E], read at the graph's position ids
  tokenType?: Weight; // [types, E]
  norm?: Norm;
}

/** word + position + token type (each present one), then the LayerNorm when there is one: [tokens, E]. */
export function embed(g: Graph, e: EmbeddingWeights, stage = 'embeddings + LayerNorm'): Value {
  const { ids, positions, tokenTypes } = g.inputs;
  const width = e.word.shape[1];
  const out = g.value([g.tokens, width], 'embeddings');
  // Used only when the word table is split: its row blocks write here unfused, then the LayerNorm runs.
  const raw = e.norm ? g.value([g.tokens, width], 'embedding sums') : undefined;
  const reads = [ids, ...(e.position ? [positions] : []), ...(e.tokenType ? [tokenTypes] : [])];
  g.add({
    stage, reads, writes: raw ? [raw, out] : [out],
    async prepare(ctx) {
      const word = ctx.weight(e.word);
      const tables = {
        ids: ctx.view(ids),
        positions: e.position && ctx.view(positions), position: e.position && ctx.whole(e.position, stage),
        tokenTypes: e.tokenType && ctx.view(tokenTypes), tokenType: e.tokenType && ctx.whole(e.tokenType, stage),
      };
      const norm = e.norm && { gamma: ctx.whole(e.norm.gamma, stage), beta: e.norm.beta && ctx.whole(e.norm.beta, stage), eps: e.norm.eps };
      if (word.parts.length === 1) {
        return [await prepareEmbeddings(ctx.gpu, ctx.uniforms, { ...tables, word: word.parts[0].tensor, ...norm, y: ctx.view(out), label: stage })];
      }
      const target = raw ?? out;
      const steps: Step[] = [];
      for (const part of word.parts) {
        steps.push(await prepareEmbeddings(ctx.gpu, ctx.uniforms, {
          ...tables, word: part.tensor, rowBegin: part.rowBegin, y: ctx.view(target), label: `${stage} rows ${part.rowBegin}..`,
        }));
      }
      if (norm) {
        steps.push(await prepareLayernorm(ctx.gpu, ctx.uniforms, { x: ctx.view(target), ...norm, y: ctx.view(out), rows: g.tokens, n: width, label: `${stage} LayerNorm` }));
      }
      return steps;
    },
    reference(ctx) {
      ctx.set(out, ctx.twins.embeddings({
        ids: ctx.get(ids), word: ctx.weight(e.word), h: width,
        positions: ctx.get(positions), position: e.position && ctx.weight(e.position),
        tokenTypes: ctx.get(tokenTypes), tokenType: e.tokenType && ctx.weight(e.tokenType),
        gamma: e.norm && ctx.weight(e.norm.gamma), beta: e.norm?.beta && ctx.weight(e.norm.beta), eps: e.norm?.eps,
      }));
    },
  });
  return out;
}

export interface LinearOptions {
  stage: string;
  label?: string;
  activation?: Activation;
  /** Added after the activation: [rows, out]. */
  residual?: Value;
  /** Rows of x to use (default all) and the row stride (default the width): rows = batch with a stride of
   * seq * width reads each sequence's first token. */
  rows?: number;
  lda?: number;
  /** Gated (GeGLU, SwiGLU): the weight's rows are pairs (activated, gate), the output half as wide. */
  glu?: boolean;
}

/** act(x W^T + b) + residual: [rows, out]. A weight split into row blocks runs one matmul per block. */
export function linear(g: Graph, x: Value, lin: Linear, o: LinearOptions): Value {
  const [n, k] = lin.weight.shape;
  const rows = o.rows ?? x.shape[0];
  const lda = o.lda ?? k;
  const label = g.label(o.label ?? o.stage);
  const glu = Boolean(o.glu);
  const width = glu ? n / 2 : n;
  const out = g.value([rows, width], o.label ?? o.stage);
  g.add({
    stage: o.stage, reads: o.residual ? [x, o.residual] : [x], writes: [out],
    async prepare(ctx) {
      const parts = ctx.weight(lin.weight).parts;
      const steps: Step[] = [];
      for (const part of parts) {
        steps.push(await prepareMatmul(ctx.gpu, ctx.uniforms, {
          a: ctx.view(x), b: part.tensor, bias: lin.bias && ctx.whole(lin.bias, label), residual: o.residual && ctx.view(o.residual),
          c: ctx.view(out), m: rows, n: part.rows, k, lda, ldc: width, transB: true, activation: o.activation, glu,
          offsets: { c: glu ? part.rowBegin / 2 : part.rowBegin, bias: part.rowBegin },
          config: await ctx.matmulConfig(rows, part.rows, k, true, part.tensor.dtype, glu),
          label: parts.length > 1 ? `${label} rows ${part.rowBegin}..` : label,
        }));
      }
      return steps;
    },
    reference(ctx) {
      ctx.set(out, ctx.twins.matmul({
        a: ctx.get(x), b: ctx.weight(lin.weight), bias: lin.bias && ctx.weight(lin.bias), residual: o.residual && ctx.get(o.residual),
        m: rows, n, k, lda, transB: true, activation: o.activation, glu,
      }));
    },
  });
  return out;
}

/** LayerNorm of each row of x: same shape. */
export function layerNorm(g: Graph, x: Value, norm: Norm, stage: string): Value {
  const [rows, n] = x.shape;
  const out = g.value([rows, n], stage);
  const label = g.label(stage);
  g.add({
    stage, reads: [x], writes: [out],
    async prepare(ctx) {
      return [await prepareLayernorm(ctx.gpu, ctx.uniforms, {
        x: ctx.view(x), gamma: ctx.whole(norm.gamma, stage), beta: norm.beta && ctx.whole(norm.beta, stage), y: ctx.view(out),
        rows, n, eps: norm.eps, label,
      })];
    },
    reference(ctx) {
      ctx.set(out, ctx.twins.layernorm({ x: ctx.get(x), gamma: ctx.weight(norm.gamma), beta: norm.beta && ctx.weight(norm.beta), rows, n, eps: norm.eps }));
    },
  });
  return out;
}

/**
 * LN(x W^T + b + residual), post-LN BERT's two block ends: one matmul-layernorm dispatch where the row fits
 * its workgroup memory (and the options allow), else a matmul with the residual in its epilogue and a
 * LayerNorm. Stage names: `fused` for the one dispatch, `dense` and `norm` for the two.
 */
export function denseLayerNorm(g: Graph, x: Value, lin: Linear, residual: Value, norm: Norm, stages: { dense: string; norm: string; fused: string }): Value {
  const [n, k] = lin.weight.shape;
  const rows = x.shape[0];
  // The fused kernel binds the weight whole: a weight split over bindings runs unfused.
  const whole = (g.options.blocks?.(lin.weight) ?? 1) === 1;
  const fusable = g.options.fuseLayerNorm && whole && !matmulLayernormUnsupported(n);
  if (!fusable) return layerNorm(g, linear(g, x, lin, { stage: stages.dense, residual }), norm, stages.norm);
  const out = g.value([rows, n], stages.fused);
  const label = g.label(stages.fused);
  // The fused kernel always adds a bias and a beta: zeros where the checkpoint has none (nomic-embed).
  const zeros = !lin.bias || !norm.beta ? g.constant(`zeros ${n}`, `zeros [${n}]`, () => new Float32Array(n)) : undefined;
  g.add({
    stage: stages.fused, reads: zeros ? [x, residual, zeros] : [x, residual], writes: [out],
    async prepare(ctx) {
      const w = (t: Weight) => ctx.whole(t, stages.fused);
      return [await prepareMatmulLayernorm(ctx.gpu, ctx.uniforms, {
        a: ctx.view(x), b: w(lin.weight), bias: lin.bias ? w(lin.bias) : ctx.view(zeros!), residual: ctx.view(residual),
        gamma: w(norm.gamma), beta: norm.beta ? w(norm.beta) : ctx.view(zeros!), y: ctx.view(out), m: rows, n, k, eps: norm.eps, label,
      })];
    },
    reference(ctx) {
      const dense = ctx.twins.matmul({ a: ctx.get(x), b: ctx.weight(lin.weight), bias: lin.bias && ctx.weight(lin.bias), residual: ctx.get(residual), m: rows, n, k, transB: true });
      ctx.set(out, ctx.twins.layernorm({ x: dense, gamma: ctx.weight(norm.gamma), beta: norm.beta && ctx.weight(norm.beta), rows, n, eps: norm.eps }));
    },
  });
  return out;
}

/**
 * Position features of one attention op (the kernels' AttentionFeatures), in graph terms: host-computed
 * tables are graph constants (Graph.constant), learned ones weights.
 */
export interface AttentionFeatureValues {
  /** cos/sin pairs [seqLen * rotaryDim / 2 * 2] (ropeTable) at positions 0 .. seqLen - 1 of each sequence. */
  rope?: { table: Value; rotaryDim: number; interleaved?: boolean };
  /** Query i attends keys with |i - j| <= floor(window / 2). */
  window?: number;
  /** buckets [2 * seqLen - 1] u32 (relativeBucketTable), weight [numBuckets, heads]. */
  relativeBias?: { buckets: Value; weight: Weight };
  alibi?: { slopes: Value };
}

export interface AttentionOptions {
  heads: number;
  headDim: number;
  /** Default 1/sqrt(headDim). */
  scale?: number;
  stage?: string;
  features?: AttentionFeatureValues;
}

/**
 * Multi-head self-attention of a packed [tokens, 3 * hidden] QKV projection (Q, K, V column blocks, head h
 * at columns h * headDim of each) under the padding mask and the position features: [tokens, hidden]. With
 * the graph's `attentions` option the probabilities [batch * heads * seq, seq] become an output.
 */
export function attention(g: Graph, qkv: Value, o: AttentionOptions): Value {
  const { batch, seqLen } = g;
  const stage = o.stage ?? 'attention';
  const hidden = o.heads * o.headDim;
  const out = g.value([g.tokens, hidden], 'attention context');
  const probs = g.options.attentions ? g.value([batch * o.heads * seqLen, seqLen], 'attention probabilities') : undefined;
  if (probs) g.outputs.attentions.push(probs);
  const mask = g.inputs.mask;
  const label = g.label(stage);
  const f = o.features;
  const tables = [f?.rope?.table, f?.relativeBias?.buckets, f?.alibi?.slopes].filter((v): v is Value => v !== undefined);
  g.add({
    stage, reads: [qkv, mask, ...tables], writes: probs ? [out, probs] : [out],
    async prepare(ctx) {
      const features: AttentionFeatures | undefined = f && {
        rope: f.rope && { ...f.rope, table: ctx.view(f.rope.table) },
        window: f.window,
        relativeBias: f.relativeBias && { buckets: ctx.view(f.relativeBias.buckets), weight: ctx.whole(f.relativeBias.weight, stage) },
        alibi: f.alibi && { slopes: ctx.view(f.alibi.slopes) },
      };
      const plan = await attentionVariant(ctx.attention).prepare(ctx.gpu, ctx.uniforms, {
        batch, seqLen, heads: o.heads, headDim: o.headDim, scale: o.scale, qkv: ctx.view(qkv), out: ctx.view(out), mask: ctx.view(mask),
        features, outputAttentions: Boolean(probs), probs: probs && ctx.view(probs), label,
        matmulConfig: (m, n, k, transB) => ctx.matmulConfig(m, n, k, transB),
      });
      ctx.own(plan);
      return plan.steps;
    },
    reference(ctx) {
      const features = f && {
        rope: f.rope && { ...f.rope, table: ctx.get(f.rope.table) },
        window: f.window,
        relativeBias: f.relativeBias && { buckets: ctx.get(f.relativeBias.buckets), weight: ctx.weight(f.relativeBias.weight) },
        alibi: f.alibi && ctx.get(f.alibi.slopes),
      };
      const r = ctx.twins.attention({ batch, seqLen, heads: o.heads, headDim: o.headDim, scale: o.scale, ...ctx.twins.packedOperands(ctx.get(qkv), hidden), mask: ctx.get(mask), features });
      ctx.set(out, r.out);
      if (probs) ctx.set(probs, r.probs);
    },
  });
  return out;
}

/** The rotary table of a graph's sequence length, shared by every layer with the same theta and dims. */
export function ropeConstant(g: Graph, rotaryDim: number, theta: number): Value {
  return g.constant(`rope ${rotaryDim} ${theta}`, `rotary table (theta ${theta}, ${rotaryDim} dims)`, () => ropeTable(g.seqLen, rotaryDim, theta));
}

/** A rotary table of the family's own inverse frequencies (a scaled rotary); `name` tells them apart. */
export function scaledRopeConstant(g: Graph, name: string, invFreq: readonly number[]): Value {
  return g.constant(`rope ${name}`, `rotary table (${name})`, () => ropeTableOf(g.seqLen, invFreq));
}

/** ALiBi's slopes for `heads` heads (alibiSlopes), shared by every layer. */
export function alibiConstant(g: Graph, heads: number): Value {
  return g.constant(`alibi ${heads}`, `ALiBi slopes (${heads} heads)`, () => alibiSlopes(heads));
}

/** T5-style relative-position buckets of a graph's sequence length (MPNet's, shared by every layer). */
export function relativeBucketsConstant(g: Graph, numBuckets: number, maxDistance: number): Value {
  return g.constant(`relative buckets ${numBuckets} ${maxDistance}`, 'relative position buckets', () => relativeBucketTable(g.seqLen, numBuckets, maxDistance));
}

/** Sentence embeddings of x: the first token or the mean over attended tokens, L2-normalised or not: [batch, hidden]. */
export function pool(g: Graph, x: Value, mode: PoolingMode, normalize: boolean): Value {
  return sentencePool(g, x, [mode], g.inputs.mask, normalize);
}

/**
 * sentence-transformers' Pooling: each mode over the tokens `mask` keeps, concatenated in the given order
 * ([batch, modes * hidden]), one dispatch per mode; `normalize` (one mode only) folds Normalize in.
 */
export function sentencePool(g: Graph, x: Value, modes: readonly SentencePoolingMode[], mask: Value, normalize = false): Value {
  const { batch, seqLen } = g;
  const hidden = x.shape[1];
  const width = modes.length * hidden;
  if (normalize && modes.length > 1) throw new Error('sentencePool: normalize folds into a single mode only');
  const out = g.value([batch, width], 'sentence embeddings');
  const stage = 'pooling';
  g.add({
    stage, reads: [x, mask], writes: [out],
    async prepare(ctx) {
      return Promise.all(modes.map((mode, k) => preparePool(ctx.gpu, ctx.uniforms, {
        x: ctx.view(x), mask: ctx.view(mask), y: ctx.view(out), batch, seqLen, hidden, mode, normalize, yOffset: k * hidden, yLd: width, label: `${mode} pooling`,
      })));
    },
    reference(ctx) {
      const y = new Float64Array(batch * width);
      modes.forEach((mode, k) => {
        const part = ctx.twins.pool({ x: ctx.get(x), mask: ctx.get(mask), batch, seqLen, hidden, mode, normalize });
        for (let b = 0; b < batch; b++) y.set(part.subarray(b * hidden, (b + 1) * hidden), b * width + k * hidden);
      });
      ctx.set(out, y);
    },
  });
  return out;
}

/** Each row of x [rows, width] over its L2 norm (sentence-transformers' Normalize): pool.wgsl's CLS over sequences of one. */
export function l2Normalize(g: Graph, x: Value): Value {
  const [rows, width] = x.shape;
  const out = g.value([rows, width], 'normalized embeddings');
  g.add({
    stage: 'normalize', reads: [x], writes: [out],
    async prepare(ctx) {
      return [await preparePool(ctx.gpu, ctx.uniforms, { x: ctx.view(x), y: ctx.view(out), batch: rows, seqLen: 1, hidden: width, mode: 'cls', normalize: true, label: 'normalize' })];
    },
    reference(ctx) {
      ctx.set(out, ctx.twins.pool({ x: ctx.get(x), batch: rows, seqLen: 1, hidden: width, mode: 'cls', normalize: true }));
    },
  });
  return out;
}
