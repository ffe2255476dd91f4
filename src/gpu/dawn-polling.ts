// How Node waits for Dawn. Dawn's Node binding (src/dawn/node/binding/AsyncRunner.cpp) learns that GPU work
// finished by calling wgpuInstanceProcessEvents from a callback it re-queues with the global setImmediate for
// as long as any promise of its own is pending (mapAsync, onSubmittedWorkDone, popErrorScope,
// createComputePipelineAsync): during every await the JS thread spins at 100 % of a core. On SwiftShader the
// GPU is the CPU, and that core is taken from the shader workers: on 2 cores a MiniLM 1x128 forward took
// 1.5-2.5x longer in Node than the same SwiftShader in Chromium (docs/node-vs-chromium.md). Pacing keeps the
// spin for the first milliseconds of a wait (a hardware GPU's short waits keep their latency) and then polls
// every millisecond: measured, that costs the JS thread about 5 % of a core and adds less latency than the
// spin did on SwiftShader (the spin slowed the work it was waiting for).
// Dawn looks setImmediate up on globalThis on every call, so the one place to pace it is there; only Dawn's
// callbacks (native functions without a name) are paced, every other caller's go through unchanged.

/** 'paced' (default): spin for the first SPIN_MS of a wait, then poll every POLL_MS. 'spin': Dawn as shipped. */
export type DawnPolling = 'paced' | 'spin';

/** Waits shorter than this keep Dawn's spin: on a GPU a BERT-base forward at 1 x 128 is about a millisecond. */
const SPIN_MS = 10;
/**
 * Then one poll per this period. Measured on SwiftShader against a tenth of the wait capped at 16 ms and at
 * 4 ms, and 2 ms: 1 ms gave the lowest wait overhead (3.7 ms at an 8 x 64 forward of 110 ms) for about
 * 5 % of a core on the JS thread.
 */
const POLL_MS = 1;

let mode: DawnPolling = 'paced';
let installed = false;
/** Inside one of Dawn's polling callbacks: a setImmediate from there continues the current wait. */
let inDawnPoll = false;
let waitStarted = 0;

/** Dawn's polling callback is a native function without a name (Napi::Function::New on a lambda). */
function isDawnPoll(callback: unknown): callback is () => void {
  return typeof callback === 'function' && callback.name === ''
    && Function.prototype.toString.call(callback).endsWith('[native code] }');
}

/** The period before the next poll of a wait that began `elapsedMs` ago; 0 means setImmediate (spin). */
export function pollPeriodMs(elapsedMs: number): number {
  return elapsedMs < SPIN_MS ? 0 : POLL_MS;
}

/**
 * Installs the pacing on globalThis.setImmediate once (before the first Dawn call), or switches between
 * pacing and Dawn's own spin afterwards (benchmarks measure both in one process).
 */
export function setDawnPolling(next: DawnPolling): void {
  mode = next;
  if (installed) return;
  installed = true;
  const immediate = globalThis.setImmediate;
  const paced = function setImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]) {
    if (mode === 'spin' || !isDawnPoll(callback)) return immediate(callback, ...args);
    const now = performance.now();
    if (!inDawnPoll) waitStarted = now;
    const poll = () => {
      inDawnPoll = true;
      try {
        callback();
      } finally {
        inDawnPoll = false;
      }
    };
    const period = pollPeriodMs(now - waitStarted);
    return period === 0 ? immediate(poll) : (setTimeout(poll, period) as unknown as NodeJS.Immediate);
  };
  // Keep what hangs off the original (util.promisify.custom, __promisify__).
  Object.defineProperties(paced, Object.getOwnPropertyDescriptors(immediate));
  globalThis.setImmediate = paced as typeof globalThis.setImmediate;
}

/** The mode asked for by $WEBGPU_BERT_DAWN_POLLING ('spin' restores Dawn's own), default 'paced'. */
export function dawnPollingFromEnv(): DawnPolling {
  const value = process.env.WEBGPU_BERT_DAWN_POLLING;
  if (value === undefined || value === '' || value === 'paced') return 'paced';
  if (value === 'spin') return 'spin';
  throw new Error(`WEBGPU_BERT_DAWN_POLLING must be paced or spin, got "${value}"`);
}
