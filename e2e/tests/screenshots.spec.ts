// Screenshots at 360 px, written to e2e/screenshots/, and no horizontal scroll.
import { ADMIN, assertFitsAndShoot, expect, gotoFirstBuilding, login, test } from '../shared';

test('home at 360 px', async ({ page }) => {
  await login(page, ADMIN);
  await expect(page.locator('[data-testid=my-area]')).toBeVisible();
  await assertFitsAndShoot(page, 'home.png');
});

test('a building page at 360 px', async ({ page }) => {
  await login(page, ADMIN);
  await gotoFirstBuilding(page);
  await assertFitsAndShoot(page, 'building.png');
});
