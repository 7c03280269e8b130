import { ADMIN, expect, gotoFirstBuilding, login, test } from '../shared';
import type { Page } from '@playwright/test';

const MASKED = /^\d{3}\*{4}\d{4}$/;

/** Opens households of the first building until one has a resident with a phone. */
async function openHouseholdWithPhone(page: Page): Promise<number> {
  await gotoFirstBuilding(page);
  const hrefs = await page
    .locator('[data-testid=household] a[href*="/households/"]')
    .evaluateAll(links => links.map(a => (a as HTMLAnchorElement).getAttribute('href')!));
  for (const href of hrefs.slice(0, 15)) {
    await page.goto(href);
    const rows = page.locator('[data-testid=resident]');
    await expect(rows.first()).toBeVisible();
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      const phone = rows.nth(i).locator('[data-testid=phone]');
      if ((await phone.count()) && MASKED.test((await phone.innerText()).trim())) return i;
    }
  }
  throw new Error('no resident with a masked phone in the first 15 households of the first building');
}

test('reveal a phone with a reason, then find it in the audit log', async ({ page }) => {
  await login(page, ADMIN);
  const i = await openHouseholdWithPhone(page);
  const householdUrl = page.url();
  const row = () => page.locator('[data-testid=resident]').nth(i);
  const masked = (await row().locator('[data-testid=phone]').innerText()).trim();
  const reason = `E2E 核实送药联系人 ${Date.now()}`;

  await row().locator('[data-testid=reveal-phone]').click();
  // The reason form is either inside the row or opened for the page (a dialog).
  const scope = (await row().locator('input[name=reason]').count()) > 0 ? row() : page;
  await scope.locator('input[name=reason]').filter({ visible: true }).first().fill(reason);
  await scope.locator('[data-testid=reveal-submit]').filter({ visible: true }).first().click();

  const shown = row().locator('[data-testid=phone]');
  await expect(shown).toHaveText(/^\s*1\d{10}\s*$/);
  const full = (await shown.innerText()).trim();
  expect(full.slice(0, 3)).toBe(masked.slice(0, 3));
  expect(full.slice(-4)).toBe(masked.slice(-4));

  // Other phones on the page stay masked.
  const others = page.locator('[data-testid=resident]');
  const n = await others.count();
  for (let k = 0; k < n; k++) {
    if (k === i) continue;
    const p = others.nth(k).locator('[data-testid=phone]');
    if ((await p.count()) && (await p.innerText()).trim()) await expect(p).toHaveText(/^\s*\d{3}\*{4}\d{4}\s*$/);
  }

  await page.goto('/audit');
  const entry = page.locator('[data-testid=audit-row]').filter({ hasText: reason });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText(/reveal_phone|查看手机号/);
  expect(householdUrl).toMatch(/\/households\//);
});
