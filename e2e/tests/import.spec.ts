import { ADMIN, expect, login, ROSTER, test } from '../shared';

// crates/app/tests/fixtures/messy-roster.xlsx: 5 valid rows; rejected rows
// 9 (ID stored as a number), 10 (landline), 11 (bad check digit),
// 14 (duplicate of 13), 15 (missing room).
const REJECTED = [9, 10, 11, 14, 15];

test('import the messy roster: per-row report, then apply', async ({ page }) => {
  await login(page, ADMIN);
  await page.goto('/import');
  // If the page asks for the target community, it is the admin's own.
  const community = page.locator('select[name=community]');
  if (await community.count()) {
    await community.selectOption({ value: 'sy' }).catch(() => community.selectOption({ label: '商务区第一社区' }));
  }
  await page.locator('input[type=file][name=file]').setInputFiles(ROSTER);
  await page.locator('[data-testid=preview]').click();

  const rejected = page.locator('[data-testid=rejected-row]');
  await expect(rejected).toHaveCount(REJECTED.length);
  for (const n of REJECTED) {
    const row = rejected.filter({ hasText: new RegExp(`第\\s*${n}\\s*行`) });
    await expect(row, `rejected row ${n}`).toHaveCount(1);
    // The row number and a reason, not the row number alone.
    const text = (await row.innerText()).replace(new RegExp(`第\\s*${n}\\s*行`), '').replace(/[\s:：,，|·-]/g, '');
    expect(text.length, `rejected row ${n} gives a reason`).toBeGreaterThan(1);
  }

  // The preview already has a summary; the applied one replaces it, and an
  // applied upload offers no second apply.
  await expect(page.locator('[data-testid=import-summary]')).toBeVisible();
  await page.locator('[data-testid=apply]').click();
  await expect(page.locator('[data-testid=apply]')).toHaveCount(0);
  const summary = page.locator('[data-testid=import-summary]');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText(/\b5\b/);
});
