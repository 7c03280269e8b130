// Mobilisation journeys at phone width: report for duty, review in the
// inbox, import a work unit's list and confirm an auto-grouping, hand a
// group leader's role to the backup, and the roll-up for upper levels.
//
// Other specs share the database (商务区第一社区, `sy`), so checks on it are
// relative (counts before and after) or about people this file creates. The
// grouping journey runs in its own community (shared.ts, MOB_COMMUNITY).
import type { Locator, Page } from '@playwright/test';
import {
  ADMIN,
  assertFitsAndShoot,
  DISTRICT,
  expect,
  login,
  MOB_ADMIN,
  MOB_COMMUNITY,
  MOB_VOLUNTEERS,
  test,
} from '../shared';

/** A name nobody in the demo has: 报到 plus Chinese digits of the clock. */
function uniqueName(): string {
  const digits = '零一二三四五六七八九';
  const n = `${Date.now() % 1_000_000}`;
  return `报到${[...n].map(d => digits[Number(d)]).join('')}`;
}

/** A mainland mobile number, from the clock: no demo volunteer has it (the odds are 1 in 10⁸ per volunteer). */
function uniquePhone(): string {
  return `199${`${Date.now() % 100_000_000}`.padStart(8, '0')}`;
}

/**
 * Collects the Content-Security-Policy refusals of inline scripts and inline
 * event handlers (script-src 'self'): a button wired that way does nothing.
 */
function blockedScripts(page: Page): string[] {
  const blocked: string[] = [];
  page.on('console', m => {
    if (m.type() === 'error' && /inline (event handler|script)/i.test(m.text())) blocked.push(`${page.url()}: ${m.text()}`);
  });
  return blocked;
}

/** The number in the funnel link to `?status=...` of /c/{code}/volunteers. */
async function funnel(page: Page, href: string): Promise<number> {
  const text = await page.locator(`[data-testid=funnel] a[href="${href}"] b`).innerText();
  return Number(text.trim());
}

/** The numbers of a roll-up row or total, in column order. */
async function numbers(locator: Locator): Promise<number[]> {
  return (await locator.locator('b, td:not(:first-child)').allInnerTexts()).map(t => Number(t.trim()));
}

test('report for duty on a phone, report again, a bad phone; the admin verifies it from the inbox', async ({ page }) => {
  const name = uniqueName();
  const phone = uniquePhone();
  const blocked = blockedScripts(page);

  // No login: the public form of 商务区第一社区, as opened from the QR poster.
  await page.goto('/duty/sy');
  await expect(page.locator('h1')).toContainText('商务区第一社区');
  await expect(page.locator('[data-testid=logout]')).toHaveCount(0);
  const form = page.locator('[data-testid=duty-form]');
  await assertFitsAndShoot(page, 'duty-form.png');

  const compoundSelect = form.locator('select[name=compound]');
  const firstCompound = compoundSelect.locator('option:not([value=""]):not([value=none])').first();
  const compound = { value: (await firstCompound.getAttribute('value'))!, label: (await firstCompound.innerText()).trim() };
  const building = form.locator(`select[name=building] optgroup[label="${compound.label}"] option`).first();
  const buildingValue = (await building.getAttribute('value'))!;

  async function fill(phoneText: string, skill: string) {
    await form.locator('input[name=name]').fill(name);
    await form.locator('input[name=phone]').fill(phoneText);
    await form.locator('select[name=kind]').selectOption({ label: '就近报到党员' });
    await compoundSelect.selectOption(compound.value);
    // Only the chosen compound's buildings are offered.
    await expect(form.locator('select[name=building] optgroup:not([disabled])')).toHaveCount(1);
    await form.locator('select[name=building]').selectOption(buildingValue);
    await form.locator('label.check', { hasText: skill }).locator('input[name=skills]').check();
  }

  await fill(phone, '医护');
  await form.locator('[data-testid=duty-submit]').click();
  await expect(page.locator('[data-testid=duty-done]')).toContainText('报到成功');
  await expect(page.locator('[data-testid=duty-form]')).toHaveCount(0);

  // The same phone again (another skill this time): merged, not a second person.
  await page.goto('/duty/sy');
  await fill(phone, '驾驶');
  await form.locator('[data-testid=duty-submit]').click();
  await expect(page.locator('[data-testid=duty-done]')).toContainText('已合并');

  // A landline-like number: refused in Chinese with 400, and nothing typed is lost.
  await page.goto('/duty/sy');
  await fill('8555010', '医护');
  const [answer] = await Promise.all([
    page.waitForResponse(r => r.request().method() === 'POST' && new URL(r.url()).pathname === '/duty/sy'),
    form.locator('[data-testid=duty-submit]').click(),
  ]);
  expect(answer.status()).toBe(400);
  await expect(page.locator('.flash-error')).toContainText(/11位.*手机号|手机号.*11位/);
  await expect(page.locator('[data-testid=duty-done]')).toHaveCount(0);
  await expect(form.locator('input[name=name]')).toHaveValue(name);
  await expect(form.locator('input[name=phone]')).toHaveValue('8555010');
  await expect(form.locator('select[name=kind] option:checked')).toHaveText('就近报到党员');
  await expect(compoundSelect).toHaveValue(compound.value);
  await expect(form.locator('select[name=building]')).toHaveValue(buildingValue);
  await expect(form.locator('label.check', { hasText: '医护' }).locator('input[name=skills]')).toBeChecked();

  // The committee: the list opens on the inbox, where the report waits once.
  await login(page, ADMIN);
  await page.goto('/c/sy/volunteers');
  await expect(page.locator('form select[name=status]')).toHaveValue('reported');
  const row = page.locator('[data-testid=volunteer-row]').filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('待审核');
  await expect(row).toContainText(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
  await expect(row).toContainText(compound.label);
  await expect(row).not.toContainText(phone);
  await assertFitsAndShoot(page, 'inbox.png');

  const inbox = await funnel(page, '?status=reported');
  const verified = await funnel(page, '?status=verified');
  const reported = await funnel(page, '?status=all');
  expect(inbox).toBeGreaterThanOrEqual(1);

  await row.locator('input[name=ids]').check();
  await page.locator('[data-testid=bulk-verify]').click();
  await expect(page.locator('[data-testid=flash]')).toContainText(/已处理人数：\s*1$/);
  expect(await funnel(page, '?status=reported')).toBe(inbox - 1);
  expect(await funnel(page, '?status=verified')).toBe(verified + 1);
  expect(await funnel(page, '?status=all')).toBe(reported);
  await expect(page.locator('[data-testid=volunteer-row]').filter({ hasText: name })).toHaveCount(0);

  // Verified, once, with what both reports said.
  await page.goto(`/c/sy/volunteers?status=verified&q=${encodeURIComponent(name)}`);
  const done = page.locator('[data-testid=volunteer-row]').filter({ hasText: name });
  await expect(done).toHaveCount(1);
  await expect(done).toContainText('已审核');
  await expect(done).toContainText('驾驶');
  expect(blocked, 'scripts refused by the CSP').toEqual([]);
});

test('import a list, verify everyone, adjust the proposed groups by hand and confirm them', async ({ page, context }) => {
  const c = MOB_COMMUNITY;
  const compoundNames = c.compounds.map(x => x.name);
  const blocked = blockedScripts(page);
  await login(page, MOB_ADMIN);

  // The work unit's list: 18 people, all living in the three compounds.
  await page.goto(`/c/${c.code}/volunteers/import`);
  await page.locator('input[type=file][name=file]').setInputFiles(MOB_VOLUNTEERS);
  await page.locator('[data-testid=import-preview-button]').click();
  const preview = page.locator('[data-testid=import-preview]');
  await expect(preview).toBeVisible();
  await expect(preview).toContainText(/可导入\s*18/);
  await expect(page.locator('[data-testid=import-rejected]')).toHaveCount(0);
  await expect(preview.locator('.notice')).toHaveCount(0); // every compound and building is known
  await page.locator('[data-testid=import-apply]').click();
  await expect(page).toHaveURL(u => new URL(u).pathname === `/c/${c.code}/volunteers`);
  await expect(page.locator('[data-testid=volunteer-row]')).toHaveCount(18);

  // Everyone verified in one go.
  await page.locator('[data-testid=select-all]').check();
  for (const box of await page.locator('[data-testid=volunteer-row] input[name=ids]').all()) await expect(box).toBeChecked();
  await page.locator('[data-testid=bulk-verify]').click();
  await expect(page.locator('[data-testid=flash]')).toContainText(/已处理人数：\s*18$/);
  expect(await funnel(page, '?status=reported')).toBe(0);
  expect(await funnel(page, '?status=verified')).toBe(18);
  expect(await funnel(page, '?status=verified&grouped=yes')).toBe(0);

  // The proposal: 4 to 6 members a group, at most 2 compounds each.
  await page.goto(`/c/${c.code}/grouping`);
  await page.locator('input[name=min_members]').fill('4');
  await page.locator('input[name=max_members]').fill('6');
  await page.locator('input[name=max_compounds]').fill('2');
  await page.locator('[data-testid=propose]').click();
  const groups = page.locator('[data-testid=proposed-group]');
  await expect(groups.first()).toBeVisible();
  const groupCount = await groups.count();
  expect(groupCount).toBeGreaterThanOrEqual(2);
  await expect(page.locator('[data-testid=problem]')).toHaveCount(0);
  // Every compound is in some group's heading.
  const headings = (await groups.locator('h2').allInnerTexts()).join(' ');
  for (const n of compoundNames) expect(headings).toContain(n);

  // Why is the first member where they are?
  const firstMember = groups.first().locator('[data-testid=proposed-member]').first();
  const why = firstMember.locator('details');
  await why.locator('summary', { hasText: '为什么在这个组' }).click();
  await expect(why).toHaveAttribute('open', '');
  const reasons = why.locator('ul.reasons li');
  await expect(reasons.first()).toBeVisible();
  // Everyone in the list lives in one of the three compounds, and the reasons say so.
  await expect(why.locator('ul.reasons')).toContainText(new RegExp(`住在(${compoundNames.join('|')})`));

  // Move a plain member (no role badge) of group 1 to group 2 by hand.
  const plain = groups.first().locator('[data-testid=proposed-member]').filter({ hasNot: page.locator('.badge') }).first();
  const moved = (await plain.locator('b').first().innerText()).trim();
  const target = await groups.nth(1).locator('select[name=group] option:checked').first().getAttribute('value');
  await plain.locator('select[name=group]').selectOption(target!);
  await plain.getByRole('button', { name: '调整' }).click();
  await expect(groups.nth(1).locator('[data-testid=proposed-member]').filter({ hasText: moved })).toHaveCount(1);
  await expect(groups.first().locator('[data-testid=proposed-member]').filter({ hasText: moved })).toHaveCount(0);

  // Make another plain member of group 2 its leader.
  const candidate = groups.nth(1).locator('[data-testid=proposed-member]').filter({ hasNot: page.locator('.badge') }).filter({ hasNotText: moved }).first();
  const leader = (await candidate.locator('b').first().innerText()).trim();
  await candidate.locator('[data-testid=make-leader]').click();
  const newLeader = groups.nth(1).locator('[data-testid=proposed-member]').filter({ hasText: leader });
  await expect(newLeader.locator('.badge')).toHaveText('组长');
  await expect(newLeader.locator('[data-testid=make-leader]')).toHaveCount(0);
  await expect(groups.nth(1).locator('.badge', { hasText: /^组长$/ })).toHaveCount(1);
  await assertFitsAndShoot(page, 'grouping-proposal.png');
  const placed = await page.locator('[data-testid=proposed-group] [data-testid=proposed-member]').count();

  // A second tab still showing the proposal, as a colleague's phone would.
  const stale = await context.newPage();
  await stale.goto(`/c/${c.code}/grouping`);
  await expect(stale.locator('[data-testid=confirm]')).toBeVisible();

  await page.locator('[data-testid=confirm]').click();
  await expect(page).toHaveURL(u => new URL(u).pathname === `/c/${c.code}/groups`);
  const confirmed = page.locator('[data-testid=group]');
  await expect(confirmed).toHaveCount(groupCount);
  await expect(page.locator('[data-testid=uncovered]')).toHaveCount(0);
  const covers = (await confirmed.allInnerTexts()).join('\n');
  for (const n of compoundNames) expect(covers).toContain(n);
  // The hand-made leader leads a group, and every group has a leader.
  await expect(confirmed.filter({ hasText: `组长：${leader}` })).toHaveCount(1);
  for (const text of await confirmed.allInnerTexts()) expect(text).not.toMatch(/组长：\s*空缺/);

  // The proposal is gone: nothing to confirm on the page, and the stale tab is refused.
  await page.goto(`/c/${c.code}/grouping`);
  await expect(page.locator('[data-testid=proposed-group]')).toHaveCount(0);
  await expect(page.locator('[data-testid=confirm]')).toHaveCount(0);
  const [again] = await Promise.all([
    stale.waitForResponse(r => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/grouping/confirm')),
    stale.locator('[data-testid=confirm]').click(),
  ]);
  expect(again.status()).toBe(400);
  await expect(stale.locator('[data-testid=grouping-error]')).toContainText('还没有分组方案');
  await page.goto(`/c/${c.code}/groups`);
  await expect(page.locator('[data-testid=group]')).toHaveCount(groupCount);
  await page.goto(`/c/${c.code}/volunteers?status=verified&grouped=yes`);
  expect(await funnel(page, '?status=verified&grouped=yes')).toBe(placed);
  await expect(page.locator('[data-testid=volunteer-row]')).toHaveCount(placed);
  await stale.close();
  expect(blocked, 'scripts refused by the CSP').toEqual([]);
});

test('a group leader goes into isolation: the backup takes over, and the groups page logs it', async ({ page }) => {
  await login(page, ADMIN);
  await page.goto('/c/sy/groups');
  // A group whose leader has a backup (B角).
  let picked: { href: string; group: string; leader: string; backup: string } | undefined;
  for (const g of await page.locator('[data-testid=group]').all()) {
    const m = (await g.innerText()).match(/组长：\s*(\S+)\s*·\s*B角：\s*(\S+)/);
    if (!m || m[1] === '空缺' || m[2] === '无' || m[1] === m[2]) continue;
    const link = g.locator('a[href^="/groups/"]').first();
    picked = { href: (await link.getAttribute('href'))!, group: (await link.innerText()).trim(), leader: m[1], backup: m[2] };
    break;
  }
  expect(picked, 'a group of 商务区第一社区 with a leader and a backup').toBeDefined();
  const { href, group, leader, backup } = picked!;

  // From the group page to the leader's own page.
  await page.goto(href);
  await expect(page.locator('h1')).toContainText(group);
  const member = page.locator('[data-testid=member]').filter({ has: page.locator('.badge', { hasText: /^组长$/ }) });
  await expect(member).toHaveCount(1);
  await expect(member.locator('a')).toHaveText(leader);
  await member.locator('a').click();
  await expect(page).toHaveURL(u => /^\/volunteers\/[^/]+$/.test(new URL(u).pathname));
  await expect(page.locator('h1')).toContainText(leader);

  await page.locator('[data-testid=health-select]').selectOption({ label: '隔离' });
  await page.locator('[data-testid=health-save]').click();
  await expect(page.locator('[data-testid=health]')).toHaveText('隔离');
  await expect(page.locator('[data-testid=handover]').filter({ hasText: `组长：已由B角 ${backup} 接任` })).toHaveCount(1);

  // The groups page: the backup leads now, and the log says who handed over to whom, and why.
  await page.goto('/c/sy/groups');
  const card = page.locator('[data-testid=group]').filter({ has: page.locator(`a[href="${href}"]`) });
  await expect(card).toContainText(`组长：${backup}`);
  const log = page.locator('[data-testid=handover-log]').filter({ hasText: `${group} 组长：${leader} → ${backup}（隔离）` });
  await expect(log).toHaveCount(1);
  await assertFitsAndShoot(page, 'groups.png');
});

test('district staff see 商务区第一社区 rolled up into 江汉区 and 万松街道', async ({ page }) => {
  await login(page, DISTRICT);
  const nav = page.locator('nav [data-testid=nav-mobilisation]');
  await expect(nav).toHaveAttribute('href', '/mobilisation/wh-jh');
  await nav.click();
  await expect(page.locator('h1')).toContainText('江汉区');

  // Columns: reported, verified, exempt, grouped, groups (the total adds unwell).
  const district = await numbers(page.locator('[data-testid=rollup-total]'));
  expect(district[0]).toBeGreaterThanOrEqual(120);
  const ws = page.locator('[data-testid=rollup-row]').filter({ hasText: '万松街道' });
  await expect(ws).toHaveCount(1);
  expect((await numbers(ws))[0]).toBeGreaterThanOrEqual(120);

  await ws.locator('a').click();
  await expect(page).toHaveURL(u => new URL(u).pathname === '/mobilisation/wh-jh-ws');
  await expect(page.locator('h1')).toContainText('万松街道');
  await expect(page.locator('nav.crumbs a[href="/mobilisation/wh-jh"]')).toBeVisible();
  const sy = page.locator('[data-testid=rollup-row]').filter({ hasText: '商务区第一社区' });
  await expect(sy).toHaveCount(1);
  const [reported, verified, exempt, grouped, groupCount] = await numbers(sy);
  expect(reported).toBeGreaterThanOrEqual(120);
  expect(verified + exempt).toBeLessThanOrEqual(reported);
  expect(grouped).toBeLessThanOrEqual(verified);
  expect(exempt).toBeGreaterThanOrEqual(2);
  expect(groupCount).toBeGreaterThanOrEqual(12);

  // The subdistrict's total is the sum of its communities.
  const total = await numbers(page.locator('[data-testid=rollup-total]'));
  const rows = await Promise.all((await page.locator('[data-testid=rollup-row]').all()).map(numbers));
  for (let col = 0; col < 5; col++) {
    expect(total[col], `column ${col}`).toBe(rows.reduce((sum, r) => sum + r[col], 0));
  }
  await assertFitsAndShoot(page, 'rollup.png');

  // Outside the district: not found (another area does not exist for this account).
  const other = await page.goto('/mobilisation/fzy');
  expect(other?.status()).toBe(404);
});
