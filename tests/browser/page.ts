// One harness page per test file, opened once: the device and compiled pipelines are reused across tests.
import { test, type Page } from '@playwright/test';
import type { Harness } from './harness.ts';

export function useHarnessPage(): () => Page {
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
  return () => page;
}
