// The public supply ledger without an account, at 360 px: the books of
// 商务区第一社区, "verify in the browser" (the page is plain http on
// 127.0.0.1, a secure context, so crypto.subtle does the hashing; the plain-JS
// SHA-256 used on a LAN is checked by crates/web/tests/web/ledger.rs) and
// "verify on the server". Whatever entries the demo wrote, an untouched chain holds.
import { expect, test, assertFitsAndShoot } from '../shared';

test('anyone opens the public ledger and verifies it in the browser and on the server', async ({ page }) => {
  const response = await page.goto('/p/sy/ledger');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('公开物资台账');
  await expect(page.getByTestId('ledger-summary')).toBeVisible();
  const entries = Number(await page.getByTestId('ledger-entries').textContent());

  await page.getByTestId('ledger-verify-browser').click();
  const result = page.getByTestId('ledger-browser-result');
  await expect(result).toHaveAttribute('data-holds', 'true', { timeout: 30_000 });
  await expect(result).toContainText(`浏览器核验通过：${entries} 条`);
  await assertFitsAndShoot(page, 'ledger.png');

  await page.getByTestId('ledger-verify-server').click();
  await expect(page).toHaveURL(/\/p\/sy\/ledger\/verify\??$/);
  await expect(page.getByTestId('ledger-server-result')).toHaveAttribute('data-holds', 'true');
  await expect(page.getByTestId('ledger-head')).toHaveText(/^[0-9a-f]{64}$/);
  await assertFitsAndShoot(page, 'ledger-verified.png');
});
