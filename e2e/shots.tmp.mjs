import { chromium } from 'playwright';
const base = 'http://127.0.0.1:8090';
const [user, pages] = [process.argv[2], process.argv.slice(3)];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const ctx = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 1 });
const page = await ctx.newPage();
if (user !== 'anon') {
  await page.goto(base + '/login');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', 'shotpassword123');
  await page.click('main button[type=submit]'); await page.waitForLoadState();
}
for (const p of pages) {
  await page.goto(base + p);
  const name = p.replace(/[^a-z0-9]+/gi, '_');
  await page.screenshot({ path: `/tmp/shots/${user}${name}.png`, fullPage: process.env.FULL === '1' });
  console.log(p, await page.title());
}
await browser.close();
