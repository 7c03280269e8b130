import { ADMIN, expect, gotoFirstBuilding, login, test } from '../shared';

test('from home to a building, then a household', async ({ page }) => {
  await login(page, ADMIN);
  await gotoFirstBuilding(page);

  const household = page.locator('[data-testid=household]').first();
  const link = household.locator('a[href*="/households/"]').first();
  await expect(link).toHaveAttribute('href', /\/households\/[^/]+$/);
  await link.click();
  await expect(page).toHaveURL(u => /^\/households\/[^/]+$/.test(new URL(u).pathname));
  await expect(page.locator('[data-testid=resident]').first()).toBeVisible();

  // Phones are masked until revealed.
  const phones = page.locator('[data-testid=resident] [data-testid=phone]');
  for (const text of await phones.allInnerTexts()) {
    if (text.trim()) expect(text.trim()).toMatch(/^\d{3}\*{4}\d{4}$/);
  }
});
