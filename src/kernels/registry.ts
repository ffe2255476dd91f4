// Every kernel by name: the tests (binding check), the benchmarks and the runtime look kernels up here.
export * from './matmul.ts';
import { matmulNaive, matmulTiled } from './matmul.ts';

export const KERNELS = [matmulNaive, matmulTiled] as const;
