// A task down the chain at phone width: the committee creates a disinfection
// task, dispatches it to the demo's 第1小组 and assigns two members; one of
// them opens "my work" on their phone, marks the task done with one tap (a
// second tap changes nothing); the leader sees it done, with who did it, and
// checks it.
import { ADMIN, assertFitsAndShoot, expect, login, submitLogin, test } from '../shared';

test('a leader dispatches a task to a group and sees it done', async ({ page, browser }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await login(page, ADMIN);
  const title = `3号楼消杀${Date.now() % 100_000}`;
  await page.goto('/c/sy/tasks');
  const form = page.locator('[data-testid=task-form]');
  if (!(await form.isVisible())) await page.locator('details:has([data-testid=task-form]) > summary').click();
  await form.locator('input[name=title]').fill(title);
  await form.locator('select[name=kind]').selectOption('disinfection');
  await form.locator('select[name=place]').selectOption({ index: 1 });
  await form.locator('input[name=headcount]').fill('2');
  await form.locator('select[name=priority]').selectOption('urgent');
  await form.locator('[data-testid=task-create]').click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]+$/);
  const taskUrl = page.url();
  await expect(page.locator('h1')).toContainText(title);

  // Down the chain: to the group, then two of its members.
  await page.locator('details:has([data-testid=task-dispatch]) > summary').click();
  await page.locator('[data-testid=task-dispatch] select[name=group]').selectOption({ label: '第1小组' });
  await page.locator('[data-testid=task-dispatch] button[type=submit]').click();
  await expect(page.locator('[data-testid=task-history]')).toContainText('派往小组 第1小组');
  const assign = page.locator('[data-testid=task-assign]');
  const labels = assign.locator('label');
  const names: string[] = [];
  for (let i = 0; i < (await labels.count()); i++) names.push((await labels.nth(i).innerText()).trim());
  expect(names.length).toBeGreaterThanOrEqual(2);

  // A member who is on duty and has no login yet gets one from the committee.
  let member = '';
  let username = '';
  let firstPassword = '';
  for (const name of names) {
    await page.goto(`/c/sy/volunteers?status=verified&q=${encodeURIComponent(name)}`);
    await page.locator('[data-testid=volunteer-row] a').first().click();
    const serving = (await page.locator('[data-testid=health]').innerText()).trim() === '在岗';
    if (!serving || (await page.getByText('开通登录账号').count()) === 0) continue;
    username = `worker${Date.now() % 1_000_000}`;
    await page.getByText('开通登录账号').click();
    await page.locator('form[action$="/account"] input[name=username]').fill(username);
    await page.locator('form[action$="/account"] button[type=submit]').click();
    firstPassword = (await page.locator('[data-testid=new-password] b').innerText()).trim();
    member = name;
    break;
  }
  expect(member, 'some member of 第1小组 can be given a login').not.toBe('');
  const other = names.find((n) => n !== member) as string;
  await page.goto(taskUrl);
  await page.locator('[data-testid=task-assign] label', { hasText: member }).locator('input').check();
  await page.locator('[data-testid=task-assign] label', { hasText: other }).locator('input').check();
  await page.locator('[data-testid=task-assign] button[type=submit]').click();
  await expect(page.locator('[data-testid=task-notice]')).toContainText('已分派 2 人');
  await expect(page.locator('[data-testid=task-assignees]')).toContainText(member);

  // The member's phone: first login, own password, then "my work".
  const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'zh-CN' });
  const p = await phone.newPage();
  await p.goto('/login');
  await submitLogin(p, username, firstPassword);
  await expect(p).toHaveURL(/\/account\/password/);
  const own = 'Worker-pass-2022';
  await p.locator('input[name=current_password]').fill(firstPassword);
  await p.locator('input[name=new_password]').fill(own);
  await p.locator('input[name=confirm_password]').fill(own);
  await p.locator('main button[type=submit]').click();
  await p.goto('/');
  await p.locator('[data-testid=my-work]').click();
  await expect(p).toHaveURL(/\/my\/work/);
  const mine = p.locator('[data-testid=my-task]', { hasText: title });
  await expect(mine).toContainText('已分派');
  await assertFitsAndShoot(p, 'my-work.png');
  await mine.locator('a').click();
  const taskPath = new URL(p.url()).pathname;
  const csrf = await p.locator('[data-testid=task-actions] input[name=_csrf]').first().inputValue();
  await p.locator('[data-testid=task-action-done]').click();
  await expect(p.locator('[data-testid=task-notice]')).toContainText('任务已完成');
  const lines = await p.locator('[data-testid=task-history] li').count();
  // A second tap on a flaky connection (the same form sent again): the same answer, no new line.
  const again = await p.request.post(`${taskPath}/state`, { form: { _csrf: csrf, action: 'done' } });
  expect(again.status()).toBe(200);
  expect(await again.text()).toContain('任务已完成');
  await p.goto(taskPath);
  await expect(p.locator('[data-testid=task-action-done]')).toHaveCount(0);
  await expect(p.locator('[data-testid=task-history] li')).toHaveCount(lines);
  await phone.close();

  // The leader sees it done, by whom, and checks it.
  await page.goto('/c/sy/tasks');
  await expect(page.locator('[data-testid=task-row]', { hasText: title }).locator('[data-testid=task-state]')).toHaveText('已完成');
  await page.goto(taskUrl);
  await expect(page.locator('[data-testid=task-history]')).toContainText('→ 已完成');
  await expect(page.locator('[data-testid=task-history]')).toContainText(member);
  await page.locator('[data-testid=task-action-check]').click();
  await expect(page.locator('[data-testid=task-notice]')).toContainText('任务已核验');
  await assertFitsAndShoot(page, 'task-done.png');
});
