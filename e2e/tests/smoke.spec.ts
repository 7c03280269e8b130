// Needs no account: the server is up and Chromium renders its pages.
import { expect, test } from '../shared';

test('the server answers /healthz and Chromium renders the home page', async ({ page, request }) => {
  const health = await request.get('/healthz');
  expect(health.ok()).toBeTruthy();

  const response = await page.goto('/');
  expect(response?.status()).toBeLessThan(400);
  await expect(page.locator('body')).not.toBeEmpty();
});

test('the login page has the form', async ({ page }) => {
  const response = await page.goto('/login');
  expect(response?.status()).toBe(200);
  await expect(page.locator('input[name=username]')).toBeVisible();
  await expect(page.locator('input[name=password]')).toBeVisible();
  await expect(page.locator('form:has(input[name=password]) button[type=submit]')).toBeVisible();
});
