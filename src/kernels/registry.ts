// Every kernel by name: the binding check, the benchmarks and the runtime find kernels here.
import { add } from './add.ts';
import { attentionFlash } from './attention-flash.ts';
import { attentionFlashD64 } from './attention-flash-d64.ts';
import { attentionMerge } from './attention-flash-split.ts';
import { attentionProbs } from './attention-probs.ts';
import { ceilingCopy, ceilingFma } from './ceiling.ts';
import { embeddings } from './embeddings.ts';
import { gelu } from './gelu.ts';
import { layernorm } from './layernorm.ts';
import { matmulGpu, matmulNaive, matmulRegister, matmulTiled, matmulUnrolled } from './matmul.ts';
import { matmulLayernorm } from './matmul-layernorm.ts';
import { softmax } from './softmax.ts';
import { pool } from './pool.ts';

export * from './add.ts';
export * from './attention.ts';
export * from './embeddings.ts';
export * from './gelu.ts';
export * from './layernorm.ts';
export * from './matmul.ts';
export * from './matmul-layernorm.ts';
export * from './softmax.ts';
export * from './pool.ts';

export const KERNELS = [matmulNaive, matmulTiled, matmulRegister, matmulUnrolled, matmulGpu, matmulLayernorm, layernorm, gelu, add, softmax, embeddings, attentionFlash, attentionFlashD64, attentionMerge, attentionProbs, pool, ceilingCopy, ceilingFma] as const;
export * from './autotune.ts';
