// Global setup: the accounts of the suite, added with the real CLI
// (`shouwang user add`) to the fresh database that prepare-db.mjs made right
// before the webServer started (Playwright starts the webServer first), and
// the small community of the grouping journey (`shouwang region add`).
//
// A failed `user add` or `region add` is reported loudly but does not abort
// the run: the tests that need no account (the server answers, the login page
// renders) still run, and those that need the account fail at their login.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN, BIN, DISTRICT, FRESH_PASSWORD_FILE, LANG, MOB_ADMIN, MOB_COMMUNITY, SHOUWANG_ENV, TMP_DIR, VOL } from './shared';

function userAdd(args: string[], stdin?: string) {
  return cli(['user', 'add', ...args], stdin);
}

function cli(args: string[], stdin?: string) {
  const r = spawnSync(BIN, args, {
    cwd: TMP_DIR,
    env: { ...process.env, ...SHOUWANG_ENV, RUST_LOG: 'warn' },
    input: stdin,
    encoding: 'utf8',
  });
  return { ok: r.status === 0, out: r.stdout ?? '', err: `${r.error ?? ''}${r.stderr ?? ''}`, status: r.status };
}

/** The generated password from a line like `password: XXXX` or `密码：XXXX`. */
export function parseGeneratedPassword(stdout: string): string | undefined {
  for (const line of stdout.split(/\r?\n/)) {
    const m = line.match(/(?:password|密码)\s*[:：]\s*[`"'“「]?([^\s`"'”」]+)/i);
    if (m) return m[1];
  }
  return undefined;
}

export default async function globalSetup() {
  const errors: string[] = [];
  const withPassword: Array<[{ username: string; password: string }, string]> = [
    [ADMIN, 'community_admin'],
    [VOL, 'volunteer'],
    [LANG, 'volunteer'],
  ];
  for (const [account, role] of withPassword) {
    const r = userAdd(
      ['--username', account.username, '--role', role, '--scope', 'sy', '--password-stdin'],
      `${account.password}\n`,
    );
    if (!r.ok) errors.push(`user add ${account.username} (exit ${r.status}): ${r.err.trim() || r.out.trim()}`);
  }

  // The grouping journey's own community (shared.ts, MOB_COMMUNITY), then its admin.
  const c = MOB_COMMUNITY;
  const regions: string[][] = [['community', c.code, c.name, c.parent]];
  for (const compound of c.compounds) {
    regions.push(['compound', compound.code, compound.name, c.code]);
    c.buildings.forEach((b, i) => regions.push(['building', `${compound.code}.b${i + 1}`, b, compound.code]));
  }
  for (const [kind, code, name, parent] of regions) {
    const r = cli(['region', 'add', '--kind', kind, '--code', code, '--name', name, '--parent', parent]);
    if (!r.ok) errors.push(`region add ${code} (exit ${r.status}): ${r.err.trim() || r.out.trim()}`);
  }
  // Its volunteers, groups and work belong to an incident (SPEC §1): open one.
  const incident = cli(['incident', 'open', '--region', c.code, '--name', '2022年3月疫情防控']);
  if (!incident.ok) errors.push(`incident open ${c.code} (exit ${incident.status}): ${incident.err.trim() || incident.out.trim()}`);
  const scoped: Array<[{ username: string; password: string }, string, string]> = [
    [MOB_ADMIN, 'community_admin', c.code],
    [DISTRICT, 'district_staff', 'wh-jh'],
  ];
  for (const [account, role, scope] of scoped) {
    const r = userAdd(
      ['--username', account.username, '--role', role, '--scope', scope, '--password-stdin'],
      `${account.password}\n`,
    );
    if (!r.ok) errors.push(`user add ${account.username} (exit ${r.status}): ${r.err.trim() || r.out.trim()}`);
  }

  const fresh = userAdd(['--username', 'fresh', '--role', 'social_worker', '--scope', 'sy']);
  const generated = fresh.ok ? parseGeneratedPassword(fresh.out) : undefined;
  if (!fresh.ok) {
    errors.push(`user add fresh (exit ${fresh.status}): ${fresh.err.trim() || fresh.out.trim()}`);
  } else if (!generated) {
    errors.push(`user add fresh printed no line with "password:" or "密码：" on stdout:\n${fresh.out}`);
  } else {
    fs.writeFileSync(FRESH_PASSWORD_FILE, `${generated}\n`, { mode: 0o600 });
  }

  if (errors.length) {
    const text = errors.join('\n');
    fs.writeFileSync(path.join(TMP_DIR, 'setup-errors.txt'), `${text}\n`);
    console.error(`\n!! global setup could not create every account; tests that log in as them will fail:\n${text}\n`);
  }
}
