// Every kernel case on Dawn in Node (SwiftShader on a machine without a GPU).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeGpu, describeAdapter } from '../../src/node.ts';
import { UniformArena } from '../../src/lab.ts';
import { kernelCases } from '../kernels/cases.ts';
import { runCase } from '../kernels/harness.ts';

// No adapter is a failure, not a skip: createNodeGpu throws and every test below fails with its message.
const gpu = await createNodeGpu({ log: (line) => console.log(`# ${line}`) });
console.log(`# adapter: ${describeAdapter(gpu.adapter)}`);
const uniforms = new UniformArena(gpu, 'test uniforms');

for (const c of kernelCases) {
  test(c.name, async () => {
    const { ok, message } = await runCase(gpu, uniforms, c);
    assert.ok(ok, message);
  });
}
