// Paths, accounts and helpers shared by the config, the global setup and the tests.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';

export { expect };

/**
 * The server allows 10 login attempts per client address in 5 minutes, and
 * every test logs in itself. So the server trusts 127.0.0.1 as a proxy (see
 * prepare-db.mjs: .tmp/shouwang.toml) and each test comes as its own client,
 * with an X-Forwarded-For address derived from its id.
 */
export const test = base.extend({
  extraHTTPHeaders: async ({ extraHTTPHeaders }, use, testInfo) => {
    let h = 0;
    for (const c of `${testInfo.testId}#${testInfo.retry}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const ip = `10.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${(h & 254) + 1}`;
    await use({ ...extraHTTPHeaders, 'X-Forwarded-For': ip });
  },
});

export const E2E_DIR = __dirname;
export const TMP_DIR = path.join(E2E_DIR, '.tmp');
export const SCREENSHOT_DIR = path.join(E2E_DIR, 'screenshots');
export const BIN = process.env.SHOUWANG_BIN || path.resolve(E2E_DIR, '..', 'target', 'debug', 'shouwang');
export const PORT = 18300;
export const BASE_URL = `http://127.0.0.1:${PORT}`;
export const ROSTER = path.resolve(E2E_DIR, '..', 'crates', 'app', 'tests', 'fixtures', 'messy-roster.xlsx');
export const FRESH_PASSWORD_FILE = path.join(TMP_DIR, 'fresh-password.txt');

/** Environment of every `shouwang` process of the suite (server and CLI). */
export const SHOUWANG_ENV: Record<string, string> = {
  SHOUWANG_DATABASE_URL: `sqlite://${path.join(TMP_DIR, 'e2e.db')}`,
  SHOUWANG_ID_HASH_KEY_FILE: path.join(TMP_DIR, 'e2e.key'),
  RUST_LOG: process.env.RUST_LOG || 'info',
};

/** Accounts created by global-setup.ts (`fresh` gets a generated password). */
export const ADMIN = { username: 'admin', password: 'Admin-pass-2022' };
export const VOL = { username: 'vol', password: 'Vol-pass-2022' };
/** Only the language test uses it, so that its remembered language touches no other test. */
export const LANG = { username: 'lang', password: 'Lang-pass-2022' };
/** District staff of 江汉区 (wh-jh, above 商务区第一社区): sees the mobilisation roll-up. */
export const DISTRICT = { username: 'district', password: 'District-pass-2022' };

/**
 * A small community that only the grouping journey (tests/mobilisation.spec.ts)
 * uses, so that it can group everyone without touching the demo's communities:
 * global-setup.ts adds it under 万松街道 with three compounds of two buildings
 * each, and no residents. `e2e/fixtures/mobilisation-volunteers.csv` lists 18
 * people living there.
 */
export const MOB_COMMUNITY = {
  code: 'e2e-jt',
  name: '江滩社区',
  parent: 'wh-jh-ws',
  compounds: [
    { code: 'e2e-jt.dy', name: '东苑' },
    { code: 'e2e-jt.xy', name: '西苑' },
    { code: 'e2e-jt.ny', name: '南苑' },
  ],
  buildings: ['1栋', '2栋'],
};
/** community_admin of MOB_COMMUNITY. */
export const MOB_ADMIN = { username: 'jtadmin', password: 'Jtadmin-pass-2022' };
export const MOB_VOLUNTEERS = path.join(E2E_DIR, 'fixtures', 'mobilisation-volunteers.csv');

export function freshPassword(): string {
  if (!fs.existsSync(FRESH_PASSWORD_FILE)) {
    throw new Error(`${FRESH_PASSWORD_FILE} is missing: global setup could not create the account "fresh" (see its output)`);
  }
  return fs.readFileSync(FRESH_PASSWORD_FILE, 'utf8').trim();
}

/** Fills and submits the login form; does not wait for where it lands. */
export async function submitLogin(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form:has(input[name=password]) button[type=submit]').click();
}

/** Logs in and waits for the home page `/`. */
export async function login(page: Page, account: { username: string; password: string }) {
  await submitLogin(page, account.username, account.password);
  await expect(page).toHaveURL(u => new URL(u).pathname === '/');
  await expect(page.locator('nav [data-testid=logout]')).toBeVisible();
}

export async function logout(page: Page) {
  await page.locator('nav [data-testid=logout]').click();
  await expect(page.locator('[data-testid=logout]')).toHaveCount(0);
}

/**
 * From the home page: the admin's community (`my-area`), then the first child
 * link of each page (compound, maybe grid, building) until a page lists
 * households. Returns with the building page open.
 */
export async function gotoFirstBuilding(page: Page) {
  await page.goto('/');
  await page.locator('[data-testid=my-area]').click();
  await expect(page).toHaveURL(u => new URL(u).pathname === '/regions/sy');
  await expect(page.locator('h1')).toContainText('商务区第一社区');
  for (let depth = 0; depth < 4; depth++) {
    if ((await page.locator('[data-testid=household]').count()) > 0) return;
    const child = page.locator('[data-testid=child-link]').first();
    await expect(child, `page ${page.url()} has neither households nor child links`).toBeVisible();
    const name = (await child.innerText()).trim();
    await child.click();
    await expect(page).toHaveURL(u => /^\/regions\/[^/]+$/.test(new URL(u).pathname));
    await expect(page.locator('h1')).toContainText(firstWord(name));
  }
  await expect(page.locator('[data-testid=household]').first()).toBeVisible();
}

/** The region name at the start of a child link ("云飞雅苑 8 栋楼" → "云飞雅苑"). */
function firstWord(text: string): string {
  return text.split(/[\s（(·|,，]/)[0];
}

/** No horizontal scroll at the phone width, then a full-page screenshot. */
export async function assertFitsAndShoot(page: Page, file: string) {
  const width = page.viewportSize()!.width;
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `document is ${scrollWidth}px wide at a ${width}px viewport (horizontal scroll)`).toBeLessThanOrEqual(width);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, file), fullPage: true });
}
