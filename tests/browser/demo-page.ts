// Helpers of the demo's end-to-end tests: driving a panel, reading the numbers it shows, screenshots.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expect, type Page, type TestInfo } from '@playwright/test';
import type { DemoHook } from '../../demo/test-hook.ts';

/** `window` as the demo page has it; page.evaluate callbacks cast to this to reach the hook. */
export type DemoWindow = Window & { demo: DemoHook };

/** Shown numbers have 6 significant digits (demo/dom.ts formatScore): half a unit in the last place. */
export function expectShown(shown: number, want: number, what: string): void {
  const tolerance = 5e-6 * Math.abs(want) + 1e-12;
  expect(Math.abs(shown - want), `${what}: page shows ${shown}, the engine gives ${want}`).toBeLessThanOrEqual(tolerance);
}

/** Opens a panel's tab. */
export async function openTab(page: Page, id: string): Promise<void> {
  await page.click(`[role="tab"][data-tab="${id}"]`);
  await expect(page.locator(`#panel-${id}`)).toBeVisible();
}

/** Clicks a panel's Run button and waits for its run line to report the time taken; fails with the page's error. */
export async function runPanel(page: Page, id: string, button: string): Promise<void> {
  const panel = page.locator(`#panel-${id}`);
  const clicked = panel.getByRole('button', { name: button, exact: true });
  await clicked.click();
  // The run line beside this button (a panel may have several).
  const line = clicked.locator('xpath=..').locator('.run-line');
  // The click sets "running…" before it returns; the run ends with the time taken or an error.
  await page.waitForFunction((node) => node!.textContent !== 'running…', await line.elementHandle(), { timeout: 120_000 });
  const failed = await line.evaluate((n) => n.classList.contains('error'));
  expect(failed, `the ${id} panel failed: ${await line.textContent()}`).toBe(false);
}

/** The cells of a table, row by row, as text. */
export async function tableCells(page: Page, selector: string): Promise<string[][]> {
  return page.locator(selector).evaluate((t) => [...t.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? '')));
}

/** Moves the mouse to the centre of cell (i, j) of a heatmap and returns its tooltip text. */
export async function hoverCell(page: Page, scope: string, i: number, j: number): Promise<string> {
  const cells = page.locator(`${scope} [data-testid="heatmap-cells"]`);
  await cells.scrollIntoViewIfNeeded(); // mouse events reach only what is in the viewport
  const box = (await cells.boundingBox())!;
  const [rows, cols] = await cells.evaluate((c) => (c.getAttribute('aria-label')!.match(/(\d+) × (\d+)/)!.slice(1).map(Number)));
  await page.mouse.move(box.x + ((j + 0.5) * box.width) / cols, box.y + ((i + 0.5) * box.height) / rows);
  const tip = page.locator(`${scope} [data-testid="heatmap-tip"]`);
  await expect(tip).toBeVisible();
  await expect(tip).toHaveAttribute('data-row', String(i));
  await expect(tip).toHaveAttribute('data-col', String(j));
  return (await tip.textContent())!;
}

/** The number at the end of a tooltip ("… : 0.123456" or "… : 0.123456 — layer 1, head 2"). */
export function tipValue(tip: string): number {
  const m = tip.match(/: (-?[\d.]+(?:e[-+]?\d+)?)(?: —|$)/);
  if (!m) throw new Error(`no value in tooltip "${tip}"`);
  return Number(m[1]);
}

/**
 * A full-page screenshot kept with the test's artifacts and, when DEMO_SCREENSHOTS names a folder, copied
 * there too (that is how screenshots reach people who do not open test reports).
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const dir = process.env.DEMO_SCREENSHOTS;
  if (dir) {
    await mkdir(dir, { recursive: true });
    await copyFile(file, path.join(dir, `${name}.png`));
  }
}
