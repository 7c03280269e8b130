import { defineConfig } from '@playwright/test';
import { BASE_URL, BIN, SHOUWANG_ENV, TMP_DIR } from './shared';

// Order at run time: webServer (prepare-db.mjs makes a fresh e2e/.tmp/ and the
// demo data, then `shouwang serve`), then globalSetup (accounts through the
// CLI), then the tests. Server log: e2e/.tmp/server.log.
// Inherited SHOUWANG_* settings (CI exports some for its smoke test) must not
// reach the suite's server or CLI; shared.ts sets the ones it needs.
for (const k of Object.keys(process.env)) {
  if (k.startsWith('SHOUWANG_') && k !== 'SHOUWANG_BIN') delete process.env[k];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export default defineConfig({
  testDir: './tests',
  globalSetup: require.resolve('./global-setup'),
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: 'phone',
      use: {
        browserName: 'chromium',
        viewport: { width: 360, height: 780 },
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        isMobile: false,
      },
    },
  ],
  webServer: {
    command: `node prepare-db.mjs && exec ${q(BIN)} serve --config ${q(TMP_DIR)}/shouwang.toml --listen 127.0.0.1:18300 >> ${q(TMP_DIR)}/server.log 2>&1`,
    cwd: __dirname,
    env: { ...SHOUWANG_ENV, SHOUWANG_BIN: BIN },
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
