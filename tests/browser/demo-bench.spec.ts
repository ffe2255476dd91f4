// The demo's kernel bench page in Chromium: it names the adapter, runs a suite in the page (validated rows,
// then timed) and draws its charts and table; a bad flag gives the suite's one-line error.
import { expect, test } from '@playwright/test';
import { screenshot } from './demo-page.ts';

// Squares and the row kernels only, two configurations: seconds on a software adapter.
const SMALL = '--ops square,layernorm,gelu --square 64,128 --configs naive,unrolled4x4 --no-peers';

test('kernel bench page runs the kernels suite and draws its charts', async ({ page }, testInfo) => {
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/demo/bench.html');
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
  const adapter = (await page.locator('#adapter').textContent())!;
  console.log(`adapter: ${adapter}`);
  expect(adapter).not.toBe('no WebGPU adapter');

  await page.getByTestId('bench-suite').selectOption('kernels');
  await page.getByTestId('bench-args').fill('--tokens 0');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  await expect(page.getByTestId('bench-results')).toContainText('kernels: --tokens takes positive integers, got "0"', { timeout: 30_000 });

  await page.getByTestId('bench-args').fill(SMALL);
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  const results = page.getByTestId('bench-results');
  await expect(results.locator('figure.chart svg').first()).toBeVisible({ timeout: 150_000 });
  await expect(results.locator('h2')).toContainText(adapter.split(' (')[0].replace(' / ', ' '));
  // One row per configuration and square, plus LayerNorm and GELU, each validated before it was timed.
  const rows = await results.locator('table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(rows.length).toBe(2 * 2 + 2);
  await expect(page.getByTestId('bench-log')).toContainText('done in');
  await expect(page.getByRole('button', { name: 'Download JSON' })).toBeEnabled();
  await screenshot(page, testInfo, '12-kernel-bench');
});
