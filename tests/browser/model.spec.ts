// The whole model in Chromium, loaded over HTTP from 127.0.0.1, against the PyTorch references.
import { expect, test } from '@playwright/test';
import { modelCases } from '../model/cases.ts';
import type { Harness } from './harness.ts';
import { useHarnessPage } from './page.ts';

const page = useHarnessPage();

for (const c of modelCases) {
  test(c.name, async () => {
    const { ok, message } = await page().evaluate((name) => (window as unknown as { harness: Harness }).harness.runModelCase(name), c.name);
    expect(ok, message).toBe(true);
  });
}
