export * from './compare.ts';
export * from './erf.ts';
export * from './kernels.ts';
export * from '../random.ts';
export * from './graph.ts';
export * from './model.ts';
