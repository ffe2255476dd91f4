// The GPU layer's failure modes on a real device: each becomes a typed error with a readable one-line
// message, nothing hangs after the device is lost, and an engine error leaves the device usable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeGpu, GpuDeviceLostError, GpuLimitError, GpuValidationError } from '../../src/node.ts';
import { createTensor, defineKernel, readTensor, runSteps, UniformArena, uploadTensor } from '../../src/lab.ts';
import { registerShaderSources } from '../../src/gpu/shaders.ts';

test('a WGSL compile error is a GpuValidationError naming the kernel and the line', async () => {
  const gpu = await createNodeGpu();
  registerShaderSources({ 'broken-test.wgsl': '// test\n@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n@compute @workgroup_size(1) fn main() {\n  y[0] = undefined_name;\n}\n' });
  const broken = defineKernel({ name: 'broken-test', shaders: ['broken-test.wgsl'], bindings: ['y: write'], params: [], constants: {}, defines: {} });
  await assert.rejects(broken.pipeline(gpu), (e: Error) => e instanceof GpuValidationError && /broken-test/.test(e.message) && /line 4/.test(e.message) && !e.message.includes('\n'));
  // The device is still fine afterwards.
  const t = await uploadTensor(gpu, new Float32Array([1, 2, 3]), [3], 'after');
  assert.deepEqual([...(await readTensor(gpu, t))], [1, 2, 3]);
  gpu.destroy();
});

test('binding one buffer for reading and writing in one dispatch is a GpuValidationError, not a silent wrong result', async () => {
  const gpu = await createNodeGpu();
  registerShaderSources({ 'copy-test.wgsl': '// test\n@group(0) @binding(0) var<storage, read> x: array<f32>;\n@group(0) @binding(1) var<storage, read_write> y: array<f32>;\n@group(0) @binding(2) var<uniform> params: Params;\nstruct Params { n: u32, }\n@compute @workgroup_size(1) fn main() {\n  y[0] = x[0] + f32(params.n);\n}\n' });
  const copy = defineKernel({ name: 'copy-test', shaders: ['copy-test.wgsl'], bindings: ['x: read', 'y: write', 'params: uniform'], params: ['n: u32'], constants: {}, defines: {} });
  const t = await createTensor(gpu, [4], 'f32', 'shared');
  const uniforms = new UniformArena(gpu);
  const step = await copy.prepare(gpu, { tensors: { x: t, y: t }, params: { n: 1 }, workgroups: [1, 1, 1], uniforms });
  await assert.rejects(runSteps(gpu, [step], 'aliased'), (e: Error) => e instanceof GpuValidationError && /run aliased/.test(e.message));
  gpu.destroy();
});

test('a buffer larger than the adapter allows is refused with its name and size', async () => {
  const gpu = await createNodeGpu();
  const huge = gpu.limits.maxBufferSize / 4 + 1024;
  await assert.rejects(createTensor(gpu, [huge], 'f32', 'too big'), (e: Error) => e instanceof GpuLimitError && /"too big" needs [\d.]+ MiB/.test(e.message));
  gpu.destroy();
});

test('after the device is lost, every call rejects with GpuDeviceLostError instead of hanging', async () => {
  const gpu = await createNodeGpu();
  const t = await uploadTensor(gpu, new Float32Array([1, 2]), [2], 'before loss');
  gpu.destroy();
  const lost = await gpu.lost;
  assert.ok(lost instanceof GpuDeviceLostError);
  assert.match(lost.message, /GPU device lost \(destroyed\)/);
  await assert.rejects(readTensor(gpu, t), GpuDeviceLostError);
  await assert.rejects(createTensor(gpu, [2], 'f32', 'after loss'), GpuDeviceLostError);
});
