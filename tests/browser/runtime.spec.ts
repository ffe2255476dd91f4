// The runtime in Chromium: after loadModel resolves no host copy of the weights is left. The page generates a
// MiniLM-shaped checkpoint (hidden 384, 6 layers: 42 MiB of F32 weights), loads it from memory and lets go of
// the files; ArrayBuffer backing stores are measured through the DevTools protocol after forced GCs.
import { expect, test, type CDPSession } from '@playwright/test';
import type { Harness } from './harness.ts';
import { useHarnessPage } from './page.ts';

const page = useHarnessPage();
const MiB = 2 ** 20;
type Page = { harness: Harness };

/** Bytes of ArrayBuffer backing stores in the page's heap once garbage is collected. */
async function backingStores(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
  if (usage.backingStorageSize === undefined) throw new Error('this Chromium does not report backingStorageSize in Runtime.getHeapUsage');
  return usage.backingStorageSize;
}

for (const dtype of ['F32', 'F16'] as const) {
  test(`after loadModel no host copy of ${dtype} weights is left in the page`, async () => {
    const cdp = await page().context().newCDPSession(page());
    const before = await backingStores(cdp);
    const fileBytes = await page().evaluate((o) => (window as unknown as Page).harness.heldCheckpoint(o), {
      architecture: 'BertModel', hiddenSize: 384, numLayers: 6, numHeads: 6, intermediateSize: 1536, maxPositions: 128, dtype,
    } as const);
    const held = await backingStores(cdp);
    const onGpu = await page().evaluate(() => (window as unknown as Page).harness.loadHeld());
    const retained = (await backingStores(cdp)) - before;
    console.log(`${dtype}: file ${(fileBytes / MiB).toFixed(1)} MiB (backing stores +${((held - before) / MiB).toFixed(1)} MiB while the page holds it), on the GPU ${(onGpu / MiB).toFixed(1)} MiB, retained after load ${(retained / MiB).toFixed(2)} MiB`);
    expect(held - before, 'the measurement sees the checkpoint').toBeGreaterThan(fileBytes * 0.9);
    expect(retained, `retained ${(retained / MiB).toFixed(1)} MiB`).toBeLessThan(16 * MiB);
    expect(await page().evaluate(() => (window as unknown as Page).harness.forwardHeld())).toBe(true);
    await cdp.detach();
  });
}
