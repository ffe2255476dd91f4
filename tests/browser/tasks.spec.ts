// The tasks in Chromium against the float64 reference: the same cases the Node run uses (tests/tasks/cases.ts).
import { expect, test } from '@playwright/test';
import { taskCases } from '../tasks/cases.ts';
import type { Harness } from './harness.ts';
import { useHarnessPage } from './page.ts';

const page = useHarnessPage();

for (const c of taskCases) {
  test(c.name, async () => {
    const { ok, message } = await page().evaluate((name) => (window as unknown as { harness: Harness }).harness.runTaskCase(name), c.name);
    expect(ok, message).toBe(true);
  });
}
