import { expect, LANG, login, logout, test } from '../shared';

// Uses its own account (`lang`) because the choice is remembered per user.
test('switch to English and back; the choice is remembered across logins', async ({ page }) => {
  const html = page.locator('html');
  const lang = page.locator('nav [data-testid=lang-switch]');

  await login(page, LANG);
  await expect(html).toHaveAttribute('lang', 'zh-CN');
  await expect(lang).toHaveText('English');

  await lang.click();
  await expect(html).toHaveAttribute('lang', 'en');
  await expect(lang).toHaveText('中文');

  // Remembered for the user, although the browser asks for zh-CN.
  await logout(page);
  await login(page, LANG);
  await expect(html).toHaveAttribute('lang', 'en');
  await expect(lang).toHaveText('中文');

  await lang.click();
  await expect(html).toHaveAttribute('lang', 'zh-CN');
  await expect(lang).toHaveText('English');

  await logout(page);
  await login(page, LANG);
  await expect(html).toHaveAttribute('lang', 'zh-CN');
  await expect(lang).toHaveText('English');
});
