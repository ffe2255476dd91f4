// Dawn's polling, paced (src/gpu/dawn-polling.ts): while the GPU works, the JS thread must sleep, not spin.
// Measured on the main thread's own CPU time (/proc, Linux), during one long wait for GPU work, paced and
// with Dawn's shipped spin in the same process; the spin is measured too, so the probe is shown to see one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createNodeGpu, describeAdapter } from '../../src/node.ts';
import { pollPeriodMs, setDawnPolling } from '../../src/gpu/dawn-polling.ts';
import { createTensor, uploadTensor } from '../../src/gpu/tensor.ts';
import { UniformArena } from '../../src/gpu/uniforms.ts';
import { recordSteps, type Step } from '../../src/kernels/kernel.ts';
import { matmulConfig, prepareMatmul } from '../../src/kernels/matmul.ts';
import { Rng } from '../../src/random.ts';

const gpu = await createNodeGpu({ log: (line) => console.log(`# ${line}`) });
console.log(`# adapter: ${describeAdapter(gpu.adapter)}`);

/** CPU milliseconds of the main JS thread alone (its tid is the process id); 10 ms resolution. */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

test('the poll period: spin for the first 10 ms of a wait, then a poll every millisecond', () => {
  assert.deepEqual([0, 5, 9.9, 10, 55, 5000].map(pollPeriodMs), [0, 0, 0, 1, 1, 1]);
});

test('paced polling leaves the JS thread idle while the GPU works; Dawn\'s own spin does not', async () => {
  const uniforms = new UniformArena(gpu, 'polling test');
  const rng = new Rng(5);
  const [m, n, k] = [128, 512, 256];
  const a = await uploadTensor(gpu, rng.floats(m * k), [m, k], 'a');
  const b = await uploadTensor(gpu, rng.floats(n * k), [n, k], 'b');
  const c = await createTensor(gpu, [m, n], 'f32', 'c');
  const step = await prepareMatmul(gpu, uniforms, { a, b, c, m, n, k, transB: true, config: matmulConfig('unrolled4x4') });
  const wait = async (steps: readonly Step[]) => {
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    recordSteps(pass, steps);
    pass.end();
    const [wall0, cpu0] = [performance.now(), mainThreadCpuMs()];
    gpu.device.queue.submit([encoder.finish()]);
    await gpu.idle();
    return { wallMs: performance.now() - wall0, cpuMs: mainThreadCpuMs() - cpu0 };
  };
  try {
    // Enough dispatches for a wait of at least 600 ms on this adapter (a GPU needs far more than SwiftShader).
    let steps: Step[] = [step];
    setDawnPolling('paced');
    while ((await wait(steps)).wallMs < 600) steps = [...steps, ...steps];
    const paced = await wait(steps);
    setDawnPolling('spin');
    const spin = await wait(steps);
    setDawnPolling('paced');
    console.log(`# ${steps.length} dispatches: paced ${paced.cpuMs} ms of main-thread CPU in a ${paced.wallMs.toFixed(0)} ms wait; spin ${spin.cpuMs} ms in ${spin.wallMs.toFixed(0)} ms`);
    // The spin part (first 10 ms) and one poll per millisecond after it: about 5 % of the wait.
    assert.ok(paced.cpuMs <= 0.1 * paced.wallMs + 20, `paced: ${paced.cpuMs} ms of CPU in a ${paced.wallMs.toFixed(0)} ms wait`);
    // On an idle machine the spin takes the whole wait; on a loaded one the scheduler gives it less, but far more than paced.
    assert.ok(spin.cpuMs >= 2 * paced.cpuMs + 40, `the probe saw no spin: ${spin.cpuMs} ms of CPU in a ${spin.wallMs.toFixed(0)} ms wait (paced ${paced.cpuMs} ms)`);
  } finally {
    setDawnPolling('paced');
    uniforms.destroy();
    for (const t of [a, b, c]) t.buffer.destroy();
  }
});
