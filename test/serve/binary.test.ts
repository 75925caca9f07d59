// The real `gw serve` binary on a temp gateway.yaml: it prints its URL, answers curl, reloads
// on a file change (--watch) and on SIGHUP, writes the usage log, and exits 0 on SIGTERM.
// Needs `npm run build` (bin/gw runs dist/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { freePort, waitForLine } from '../helpers/gw.js';
import { KEYS, atomicWrite, gatewayYaml, manifests, startUpstream, type FakeUpstream } from './helpers.js';

const BIN = resolve('bin/gw');
let up: FakeUpstream;
let dir: string;

async function curl(url: string, model: string): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'from curl' }] });
  const { stdout } = await promisify(execFile)('curl', [
    '-s',
    '-w',
    '\n%{http_code}',
    '-H',
    `Authorization: Bearer ${KEYS.app}`,
    '-H',
    'content-type: application/json',
    '-d',
    body,
    `${url}/v1/chat/completions`,
  ]);
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

before(async () => {
  up = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'gw-bin-'));
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test(
  'gw serve answers curl, reloads on --watch and SIGHUP, exits 0 on SIGTERM',
  { skip: !existsSync('dist/cli/main.js') && 'run npm run build first' },
  async () => {
    const port = await freePort();
    await mkdir(join(dir, 'manifests'));
    const manifestPath = join(dir, 'manifests', 'all.yaml');
    await writeFile(manifestPath, manifests(up.url, 'first'));
    // A free admin port too: the default 127.0.0.1:3001 may be taken by another test or a dev server.
    await writeFile(
      join(dir, 'gateway.yaml'),
      gatewayYaml(port, `  admin: { listen: 127.0.0.1:${await freePort()} }\n`),
    );
    const child = spawn(process.execPath, [BIN, 'serve', '-c', join(dir, 'gateway.yaml'), '--watch'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const line = await waitForLine(child, /listening on http/);
      assert.match(line, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
      const url = `http://127.0.0.1:${port}`;

      const first = await curl(url, 'first');
      assert.equal(first.status, 200, first.body);
      assert.match(first.body, /echo: Q: from curl/);

      // --watch: an editor-style rename write reloads the config.
      const watched = waitForLine(child, /"source":"watch".*configuration reloaded/);
      await atomicWrite(manifestPath, manifests(up.url, 'second'));
      await watched;
      assert.equal((await curl(url, 'second')).status, 200);
      assert.equal((await curl(url, 'first')).status, 404);

      // SIGHUP takes the same path.
      const hup = waitForLine(child, /"source":"sighup".*configuration reloaded/);
      child.kill('SIGHUP');
      await hup;
      assert.equal((await curl(url, 'second')).status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    // The usage log was flushed and closed on the way out.
    const db = new BetterSqlite3(join(dir, 'gw.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT model, status FROM requests ORDER BY id').all() as {
        model: string;
        status: number;
      }[];
      assert.deepEqual(
        rows.map((r) => `${r.model}:${r.status}`),
        ['first:200', 'second:200', 'first:404', 'second:200'],
      );
    } finally {
      db.close();
    }
  },
);
