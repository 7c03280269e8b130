// Supplies to the doors on a phone at 360 px (issue 12): the committee records
// a consignment for one compound, counts it in at the gate, previews and
// confirms the allocation; on a run's page a door is confirmed with the
// network switched off (the record waits on the phone, then sends itself
// once when the network is back), another by typing its room as the
// household code; the coverage list shrinks accordingly.
import { ADMIN, assertFitsAndShoot, expect, login, test } from '../shared';

test('a run is confirmed door by door on a phone, offline then online', async ({ page, context }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await login(page, ADMIN);
  const title = `防护包${Date.now() % 100_000}`;
  await page.goto('/c/sy/supplies');
  const form = page.getByTestId('consignment-form');
  if (!(await form.isVisible())) await page.locator('details:has([data-testid=consignment-form]) > summary').click();
  await form.locator('input[name=title]').fill(title);
  await form.locator('select[name=source]').selectOption('donation');
  await form.locator('input[name=item]').first().fill('防护包');
  await form.locator('input[name=quantity]').first().fill('500');
  await form.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/supplies\/[0-9a-f-]+$/);
  const consignmentUrl = page.url();

  await page.getByTestId('receive-form').locator('button[type=submit]').click();
  await expect(page.getByTestId('state')).toHaveText('已清点入库');
  const allocate = page.getByTestId('allocate-form');
  await allocate.locator('label', { hasText: '蓝天花园' }).locator('input').check();
  await allocate.locator('button[value=preview]').click();
  await expect(page.getByTestId('preview')).toBeVisible();
  await page.getByTestId('allocate-form').locator('label', { hasText: '蓝天花园' }).locator('input').check();
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('state')).toHaveText('已分配');
  await assertFitsAndShoot(page, 'supplies-consignment.png');

  await page.getByTestId('run').first().locator('a').click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]+$/);
  const runUrl = page.url();
  const doors = page.getByTestId('door');
  const total = await doors.count();
  expect(total).toBeGreaterThan(2);

  // No signal in the stairwell: the record waits on the phone.
  await context.setOffline(true);
  const first = doors.nth(0);
  await first.locator('button[value=delivered]').click();
  await expect(page.getByTestId('queue')).toHaveAttribute('data-pending', '1');
  await expect(first).toHaveAttribute('data-status', 'queued');
  await assertFitsAndShoot(page, 'supplies-run-offline.png');

  // Signal again: it sends itself, once.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect(page.getByTestId('queue')).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
  await expect(first.getByTestId('door-status')).toHaveText('已送达');

  // The household code typed in (its room).
  const room = (await doors.nth(1).getAttribute('data-room')) || '';
  expect(room).not.toBe('');
  await page.getByTestId('scan-code').fill(room);
  await page.getByTestId('scan-form').locator('button[type=submit]').click();
  await expect(page.getByTestId('queue')).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
  await expect(doors.nth(1).getByTestId('door-status')).toHaveText('已送达');

  // From the server's side: two doors reached, each recorded once.
  await page.goto(runUrl);
  await expect(page.getByTestId('run-count')).toHaveText(`2/${total}`);
  await expect(page.locator('[data-testid=door][data-status=delivered]')).toHaveCount(2);
  await assertFitsAndShoot(page, 'supplies-run.png');
  await page.goto(`${consignmentUrl}/coverage`);
  await expect(page.getByTestId('uncovered')).toHaveCount((await page.getByTestId('uncovered').count()));
  await expect(page.getByTestId('coverage-summary')).toContainText('已完成 2');
  await assertFitsAndShoot(page, 'supplies-coverage.png');
});
