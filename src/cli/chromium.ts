// Finding and launching a Chromium that has WebGPU, for the browser tests, benchmarks and `--runtime browser`.
// Order: $CHROMIUM_PATH, the system Chromium (Debian's /usr/bin/chromium), then Playwright's own browser.
import { existsSync, readdirSync } from 'node:fs';

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The executable to launch, or undefined to let Playwright use its own download. Throws if $CHROMIUM_PATH is wrong. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return SYSTEM_PATHS.find((p) => existsSync(p));
}

/** Places tried, for error messages when no browser starts. */
export function chromiumSearchDescription(): string {
  return `$CHROMIUM_PATH (${process.env.CHROMIUM_PATH ?? 'unset'}), ${SYSTEM_PATHS.join(', ')}, then Playwright's own Chromium (npx playwright install chromium); on Debian: apt-get install chromium`;
}

/** True when the machine shows a GPU device node; otherwise WebGPU can only run on SwiftShader. */
function machineHasGpu(): boolean {
  try {
    return existsSync('/dev/nvidia0') || readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

/** Whether to ask Chromium for SwiftShader: $WEBGPU_BERT_ADAPTER (swiftshader|hardware) or the machine's devices. */
export function useSwiftShader(): boolean {
  const mode = process.env.WEBGPU_BERT_ADAPTER;
  if (mode === 'swiftshader') return true;
  if (mode === 'hardware') return false;
  return !machineHasGpu();
}

/** Command-line flags giving headless Chromium a WebGPU adapter (shared/ENVIRONMENT.md explains each). */
export function chromiumArgs(): string[] {
  const args = ['--enable-unsafe-webgpu', '--no-first-run', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-features=Vulkan'];
  // Timestamps are rounded to 100 us by default (a timing side channel defence); benchmarks want them exact.
  args.push('--enable-dawn-features=allow_unsafe_apis', '--disable-dawn-features=timestamp_quantization');
  if (useSwiftShader()) args.push('--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader');
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}
