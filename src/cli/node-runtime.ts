// `--runtime node`: the job on a Dawn device in this process.
import { createNodeGpu } from '../node.ts';
import { useSwiftShader } from './chromium.ts';
import { runJob, type Job, type JobResult } from './job.ts';
import type { ProgressSink } from './progress.ts';

export async function runOnNode(job: Job, progress: ProgressSink): Promise<JobResult> {
  progress.stage('creating a WebGPU device (Dawn)');
  // Without a GPU device node the machine's Vulkan drivers can only be CPU ones that give no adapter (and
  // print native warnings trying): go straight to SwiftShader, as the browser runtime does.
  // $WEBGPU_BERT_ADAPTER, when set, decides instead (createNodeGpu reads it).
  const adapter = process.env.WEBGPU_BERT_ADAPTER ? undefined : useSwiftShader() ? 'swiftshader' : 'auto';
  const gpu = await createNodeGpu({ adapter, log: (line) => progress.stage(line) });
  try {
    return await runJob(gpu, job, progress);
  } finally {
    gpu.destroy();
  }
}
