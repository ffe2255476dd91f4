// ModernBERT's 8192 positions in one sequence, on Dawn: a global and a local layer (window 128) against
// PyTorch's float64 forward (tests/fixtures/families/modernbert-8k: sampled rows of the hidden state), with no
// S x S buffer anywhere in the plan: a score matrix alone would be 8192^2 * 4 heads * 4 bytes = 1 GiB.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EncoderModel, createNodeGpu } from '../../src/node.ts';
import { compare, TOLERANCES } from '../../src/lab.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/families/modernbert-8k/', import.meta.url));
const gpu = await createNodeGpu();

test('ModernBERT at 8192 tokens (global + sliding-window layer) matches PyTorch without an S x S buffer', async () => {
  const ref = JSON.parse(readFileSync(`${FIXTURE}reference.json`, 'utf8')) as {
    input_ids: number[][]; attention_mask: number[][]; sampled_rows: number[]; last_hidden_state_rows: number[][];
  };
  const model = await EncoderModel.load(gpu, FIXTURE, { matmul: 'unrolled4x4' });
  try {
    const out = await model.forward({ inputIds: ref.input_ids, attentionMask: ref.attention_mask });
    const H = out.hiddenSize;
    const got = ref.sampled_rows.flatMap((r) => Array.from(out.lastHiddenState.subarray(r * H, (r + 1) * H)));
    const report = compare(got, ref.last_hidden_state_rows.flat(), TOLERANCES.model, 'last_hidden_state rows');
    console.log(`modernbert-8k: ${report.message}`);
    assert.ok(report.pass, report.message);
    const stats = model.stats();
    console.log(`modernbert-8k: peak activations ${(stats.peakActivationBytes / 2 ** 20).toFixed(1)} MiB, attention scratch ${stats.attentionScratchBytes} bytes`);
    assert.equal(stats.attentionScratchBytes, 0, 'the fused attention allocates nothing');
    // Activations grow with S * width: a few [8192, 3 * 32] buffers, far below one S x S matrix.
    assert.ok(stats.peakActivationBytes > 0 && stats.peakActivationBytes < 8192 * 8192, `activation bytes ${stats.peakActivationBytes}`);
  } finally {
    model.dispose();
  }
});
