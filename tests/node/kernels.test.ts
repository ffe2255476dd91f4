// Every kernel case on Dawn in Node (SwiftShader on a machine without a GPU).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeGpu, describeAdapter } from '../../src/node.ts';
import { setRowSubgroups, UniformArena } from '../../src/lab.ts';
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

// The row kernels reduce with subgroup operations where the device has them (SwiftShader does): the same
// cases again with the workgroup-memory tree instead, so both paths stay held to the twin.
const ROW_KERNELS = /^(layernorm|softmax|embeddings|pool) /;
for (const c of kernelCases.filter((x) => ROW_KERNELS.test(x.name))) {
  test(`${c.name} (tree reduction${gpu.adapter.subgroups ? '' : '; this device has no subgroups either way'})`, async () => {
    setRowSubgroups(gpu, false);
    try {
      const { ok, message } = await runCase(gpu, uniforms, c);
      assert.ok(ok, message);
    } finally {
      setRowSubgroups(gpu, true);
    }
  });
}
