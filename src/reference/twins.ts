// The float64 twins the graph's ops call (graph/twins.ts declares the table), filled from the kernels' twins:
// the reference executor (graph.ts) puts it on every op's ReferenceContext.
import type { ReferenceTwins } from '../graph/twins.ts';
import { attentionRef, packedOperands } from './attention.ts';
import { embeddingsRef, layernormRef, matmulRef, poolRef } from './kernels.ts';

export const REFERENCE_TWINS: ReferenceTwins = {
  embeddings: embeddingsRef,
  matmul: matmulRef,
  layernorm: layernormRef,
  pool: poolRef,
  packedOperands,
  attention: attentionRef,
};
