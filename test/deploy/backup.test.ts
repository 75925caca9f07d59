// The README's online backup of the SQLite file (Running in production, Backups), run as written
// against a gw serve that is still running: the copy is a sound database with the usage rows and
// the revision that were committed. Needs `npm run build` (bin/gw runs dist/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { freePort, startServe } from '../helpers/gw.js';
import { KEYS, UPSTREAM_KEY, gatewayYaml, manifests, startUpstream, type FakeUpstream } from '../serve/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
let up: FakeUpstream;
let dir: string;

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'gw-backup-'));
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

/** The README's backup command that needs no sqlite3 tool: `cd /opt/gw && node -e "…" SRC DEST`. */
function readmeBackupCommand(): { script: string; args: [string, string] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /^cd \/opt\/gw && node -e "(require\('better-sqlite3'\).*)" (\S+) (\S+)$/m.exec(readme);
  assert.ok(m?.[1] && m[2] && m[3], 'the README has no better-sqlite3 backup command');
  assert.equal(m[2], '/var/lib/gw/gw.db');
  return { script: m[1], args: [m[2], m[3]] };
}

function rowCount(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test(
  "the README's online backup copies a serving gateway's SQLite file",
  { skip: !existsSync(join(ROOT, 'dist', 'cli', 'main.js')) && 'run npm run build first' },
  async () => {
    const { script, args } = readmeBackupCommand();
    const ports = { proxy: await freePort(), admin: await freePort() };
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(up.url));
    await writeFile(
      join(dir, 'gateway.yaml'),
      gatewayYaml(ports.proxy, `  admin: { listen: 127.0.0.1:${ports.admin} }\n`),
    );
    const gw = await startServe(dir, ports, { GW_TEST_UPSTREAM_KEY: UPSTREAM_KEY });
    const live = join(dir, 'gw.db');
    const copy = join(dir, 'backups', 'gw.db');
    try {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${gw.proxyUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: `n${i}` }] }),
        });
        assert.equal(r.status, 200, await r.text());
      }
      // Rows reach the file in batches (flushInterval 20ms here); SQLite gives no event to await.
      for (let waited = 0; rowCount(live) < 3; waited += 20) {
        assert.ok(waited < 10_000, 'the usage rows never reached the file');
        await delay(20);
      }
      await mkdir(join(dir, 'backups'));
      // As written in the README, with this test's paths for /var/lib/gw and the backup folder.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['-e', script, args[0].replace('/var/lib/gw/gw.db', live), args[1].replace(/^.*\/gw\.db$/, copy)],
        { cwd: ROOT },
      );
      assert.match(stdout, /backed up/);
    } finally {
      assert.equal(await gw.stop(), 0);
    }
    const db = new BetterSqlite3(copy, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal((db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n, 3);
      assert.ok((db.prepare('SELECT count(*) AS n FROM revisions').get() as { n: number }).n >= 1);
    } finally {
      db.close();
    }
  },
);
