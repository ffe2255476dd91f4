// Every kernel case in headless Chromium's WebGPU: the same list the Node run uses (tests/kernels/cases.ts).
import { expect, test, type Page } from '@playwright/test';
import { kernelCases } from '../kernels/cases.ts';
import type { Harness } from './harness.ts';

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto('/tests/browser/harness.html');
  // No adapter fails here (ready rejects) rather than skipping anything.
  await page.evaluate(() => (window as unknown as { harness: Harness }).harness.ready);
  console.log(`adapter: ${await page.evaluate(() => (window as unknown as { harness: Harness }).harness.describe())}`);
});

test.afterAll(async () => {
  await page?.close();
});

for (const c of kernelCases) {
  test(c.name, async () => {
    const { ok, message } = await page.evaluate((name) => (window as unknown as { harness: Harness }).harness.runKernelCase(name), c.name);
    expect(ok, message).toBe(true);
  });
}
