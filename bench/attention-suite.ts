// `npm run bench -- attention [--quick] [--seq 128,512] [--heads 12] [--dim 64] [--batch 1] [--runs 5]
//   [--variants naive,flash]`: every attention variant over sequence lengths.
// Defaults are the grid (S = 128..4096, 12 heads of 64, batch 1), sized for a GPU; --quick is the
// small grid that finishes in minutes on SwiftShader (a CPU: compare the variants' ratios, not the figures).
import type { Gpu } from '../src/gpu/device.ts';
import { ATTENTION_VARIANTS } from '../src/kernels/attention.ts';
import { attentionTable, benchAttention, type AttentionBenchOptions } from './attention.ts';
import type { SuiteOutput } from './kernels.ts';

const QUICK = { seqLens: [64, 128, 256, 512], heads: 4, headDim: 64, batch: 1 };
const FULL = { seqLens: [128, 256, 512, 1024, 2048, 4096], heads: 12, headDim: 64, batch: 1 };

function parse(argv: string[], runs: number): Omit<AttentionBenchOptions, 'log'> {
  const quick = argv.includes('--quick');
  const opts = { ...(quick ? QUICK : FULL), runs, variants: ATTENTION_VARIANTS.map((v) => v.name) };
  const ints = (s: string) => s.split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1) throw new Error(`"${x}" is not a positive integer`);
    return n;
  });
  for (let i = 0; i < argv.length; i++) {
    const [arg, value] = [argv[i], argv[i + 1]];
    if (arg === '--quick') continue;
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--seq') opts.seqLens = ints(value);
    else if (arg === '--heads') opts.heads = ints(value)[0];
    else if (arg === '--dim') opts.headDim = ints(value)[0];
    else if (arg === '--batch') opts.batch = ints(value)[0];
    else if (arg === '--variants') opts.variants = value.split(',');
    else throw new Error(`unknown argument "${arg}" for the attention suite`);
    i++;
  }
  return opts;
}

export async function attentionSuite(gpu: Gpu, argv: string[], runs: number, log: (line: string) => void): Promise<SuiteOutput> {
  const opts = parse(argv, runs);
  const rows = await benchAttention(gpu, { ...opts, log });
  return {
    rows,
    table: attentionTable(rows),
    options: opts,
    notes: ['GFLOP/s = 4*batch*heads*S^2*headDim (Q.K^T and P.V) / median; bytes = scratch the variant allocates', 'naive runs its two matmuls with the autotuned configuration for their shapes'],
  };
}
