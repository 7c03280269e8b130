import { expect, login, test, VOL } from '../shared';

for (const path of ['/regions/sy', '/audit']) {
  test(`a volunteer is refused ${path} with 403`, async ({ page }) => {
    await login(page, VOL);
    const response = await page.goto(path);
    expect(response?.status()).toBe(403);
    await expect(page.locator('body')).toContainText('无权访问');
  });
}
