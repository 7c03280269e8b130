// Sign-up sheets (接龙) at phone width: the committee gives a verified
// volunteer a login and opens a sheet; the volunteer opens the share link on
// their phone, logs in (first password, then their own), joins with one tap,
// and finds themselves in the WeChat text; a second tap changes nothing.
import { ADMIN, assertFitsAndShoot, expect, login, submitLogin, test } from '../shared';

test('a volunteer joins a sheet from its share link on a phone', async ({ page, browser }) => {
  await login(page, ADMIN);
  // A verified volunteer without a login yet: the first on the verified list whose page offers one.
  await page.goto('/c/sy/volunteers?status=verified');
  const rows = page.locator('[data-testid=volunteer-row] a');
  const count = await rows.count();
  let name = '';
  for (let i = count - 1; i >= 0; i--) {
    await page.goto('/c/sy/volunteers?status=verified');
    const link = page.locator('[data-testid=volunteer-row] a').nth(i);
    name = (await link.innerText()).trim();
    await link.click();
    const serving = (await page.locator('[data-testid=health]').innerText()).trim() === '在岗';
    if (serving && (await page.getByText('开通登录账号').count()) > 0) break;
    name = '';
  }
  expect(name, 'some verified volunteer has no login yet').not.toBe('');
  const username = `joiner${Date.now() % 1_000_000}`;
  await page.getByText('开通登录账号').click();
  await page.locator('form[action$="/account"] input[name=username]').fill(username);
  await page.locator('form[action$="/account"] button[type=submit]').click();
  const firstPassword = (await page.locator('[data-testid=new-password] b').innerText()).trim();
  expect(firstPassword.length).toBeGreaterThanOrEqual(10);

  // The leader's side: open a sheet of 2 places.
  const title = `今晚卸货${Date.now() % 100_000}`;
  await page.goto('/c/sy/sheets');
  const form = page.locator('[data-testid=sheet-form]');
  if (!(await form.isVisible())) await page.getByText('发起接龙').click();
  await form.locator('input[name=title]').fill(title);
  await form.locator('input[name=capacity]').fill('2');
  await form.locator('button[type=submit]').click();
  await expect(page.locator('h1')).toHaveText(title);
  await page.getByText('分享链接和二维码').click();
  const share = (await page.locator('[data-testid=sheet-share]').innerText()).trim();
  expect(share).toMatch(/\/s\/[A-Za-z0-9_-]+$/);

  // The volunteer's phone: a fresh browser, the link from the group chat.
  const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN' });
  const p = await phone.newPage();
  await p.goto(share);
  await expect(p).toHaveURL(/\/login/);
  await submitLogin(p, username, firstPassword);
  await expect(p).toHaveURL(/\/account\/password/);
  const own = 'Joiner-pass-2022';
  await p.locator('input[name=current_password]').fill(firstPassword);
  await p.locator('input[name=new_password]').fill(own);
  await p.locator('input[name=confirm_password]').fill(own);
  await p.locator('main button[type=submit]').click();
  await p.goto(share);
  await expect(p.locator('h1')).toHaveText(title);
  await p.locator('[data-testid=sheet-join]').click();
  await expect(p.locator('[data-testid=sheet-notice]')).toContainText('报名成功');
  await expect(p.locator('[data-testid=sheet-counts]')).toContainText('1/2');
  await p.getByText('复制为微信接龙文本').click();
  await expect(p.locator('[data-testid=sheet-text]')).toHaveValue(new RegExp(`#接龙\\n${title}[\\s\\S]*1\\. ${name}`));
  await assertFitsAndShoot(p, 'signup-sheet.png');
  // A second tap (a retry on a flaky connection) changes nothing.
  await p.goto(share);
  await expect(p.getByText('你已报名')).toBeVisible();
  await expect(p.locator('[data-testid=sheet-counts]')).toContainText('1/2');
  await phone.close();
});
