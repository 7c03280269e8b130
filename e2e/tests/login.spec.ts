import { ADMIN, expect, freshPassword, login, logout, submitLogin, test } from '../shared';

test('a wrong password is refused with a flash error', async ({ page }) => {
  await submitLogin(page, ADMIN.username, 'not-the-password');
  await expect(page.locator('.flash-error')).toBeVisible();
  await expect(page).not.toHaveURL(u => new URL(u).pathname === '/');
  await expect(page.locator('[data-testid=logout]')).toHaveCount(0);
});

test('an unknown user is refused with a flash error', async ({ page }) => {
  await submitLogin(page, 'nobody-here', 'whatever-2022');
  await expect(page.locator('.flash-error')).toBeVisible();
  await expect(page.locator('[data-testid=logout]')).toHaveCount(0);
});

test('the community admin logs in, lands on home, and logs out', async ({ page }) => {
  await login(page, ADMIN);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.locator('nav [data-testid=lang-switch]')).toHaveText('English');
  await expect(page.locator('[data-testid=my-area]')).toHaveAttribute('href', /\/regions\/sy$/);
  await logout(page);
});

test('a new account must change its password first', async ({ page }) => {
  const generated = freshPassword();
  const chosen = 'Fresh-chosen-2022';

  await submitLogin(page, 'fresh', generated);
  await expect(page).toHaveURL(u => new URL(u).pathname === '/account/password');
  // Until the password is changed, other pages send it back here.
  await page.goto('/');
  await expect(page).toHaveURL(u => new URL(u).pathname === '/account/password');

  await page.locator('input[name=current_password]').fill(generated);
  await page.locator('input[name=new_password]').fill(chosen);
  await page.locator('input[name=confirm_password]').fill(chosen);
  await page.locator('form:has(input[name=new_password]) button[type=submit]').click();
  await expect(page).toHaveURL(u => new URL(u).pathname === '/');
  await expect(page.locator('nav [data-testid=logout]')).toBeVisible();

  // The new password works and is not asked to be changed again; the old one is gone.
  await logout(page);
  await login(page, { username: 'fresh', password: chosen });
  await logout(page);
  await submitLogin(page, 'fresh', generated);
  await expect(page.locator('.flash-error')).toBeVisible();
});
