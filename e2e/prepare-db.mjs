// Fresh database for the browser tests, run by the webServer command of
// playwright.config.ts right before `shouwang serve` (Playwright starts the
// webServer BEFORE globalSetup, so the part the server needs at start-up has
// to happen here): delete and recreate e2e/.tmp/, then `shouwang demo --no-serve`.
// It also writes .tmp/shouwang.toml for the server. The accounts are added
// afterwards by global-setup.ts through the CLI.
// Plain Node (no TypeScript), so that it runs with `node prepare-db.mjs`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const e2eDir = dirname(fileURLToPath(import.meta.url));
const tmpDir = join(e2eDir, '.tmp');
const bin = process.env.SHOUWANG_BIN || join(e2eDir, '..', 'target', 'debug', 'shouwang');

if (!existsSync(bin)) {
  console.error(`prepare-db: ${bin} is missing; run \`cargo build -p shouwang\` first`);
  process.exit(1);
}
rmSync(tmpDir, { recursive: true, force: true });
mkdirSync(tmpDir, { recursive: true });

const env = {
  ...process.env,
  SHOUWANG_DATABASE_URL: `sqlite://${join(tmpDir, 'e2e.db')}`,
  SHOUWANG_ID_HASH_KEY_FILE: join(tmpDir, 'e2e.key'),
  RUST_LOG: process.env.RUST_LOG || 'warn',
};
const r = spawnSync(bin, ['demo', '--no-serve'], { cwd: tmpDir, env, encoding: 'utf8' });
if (r.status !== 0) {
  console.error(`prepare-db: \`shouwang demo --no-serve\` failed (${r.error ?? `exit ${r.status}`})`);
  console.error(r.stdout, r.stderr);
  process.exit(1);
}
// The server's config (serve --config): every test logs in itself, more often
// than the 10 logins per client address in 5 minutes that the server allows,
// so it trusts the loopback as a proxy and each test sends its own
// X-Forwarded-For (shared.ts).
writeFileSync(join(tmpDir, 'shouwang.toml'), 'trusted_proxies = ["127.0.0.1"]\n');
console.error(`prepare-db: fresh demo database in ${tmpDir}`);
