// A --watch reload of a large manifest file (5,001 resources) is built off the serving thread:
// between the reload's start and its end (both logged), /healthz keeps answering (before this,
// the build held the event loop: nothing was answered, not even the log line was written, until
// it was done), and the new config serves afterwards. Through the real `gw serve` binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GW_BIN, freePort } from '../helpers/gw.js';
import { bigManifestsYaml, chatBig, probeUntil } from '../config/helpers.js';
import { atomicWrite } from './helpers.js';

let dir: string;
let child: ChildProcess;
let proxy: string;
let stdout = '';
const waiters: { re: RegExp; done: () => void }[] = [];

/** Resolves once gw has written a stdout line matching `re` (from the start of the run). */
function line(re: RegExp): Promise<void> {
  if (re.test(stdout)) return Promise.resolve();
  return new Promise((done) => waiters.push({ re, done }));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-watch-offthread-'));
  const port = await freePort();
  proxy = `http://127.0.0.1:${port}`;
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), bigManifestsYaml(3, 'small'));
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: watch-offthread }\nspec:\n  proxy: { listen: 127.0.0.1:${port} }\n  manifests: [manifests]\n  storage: { sqlite: ./gw.db }\n  log: { level: info }\n`,
  );
  child = spawn(process.execPath, [GW_BIN, 'serve', '--watch'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of [...waiters]) {
      if (w.re.test(stdout)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
    }
  });
  await line(/watching for changes/);
});

after(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

test('a 5,001-resource manifest file rewritten under --watch: /healthz answers during the reload, then the new config serves', async () => {
  assert.deepEqual(await chatBig(proxy, 'm-0'), { status: 200, text: 'small-0' });
  let reloaded = false;
  const done = line(/"source":"watch"[^\n]*"msg":"configuration reloaded"/).then(() => (reloaded = true));
  await atomicWrite(join(dir, 'manifests', 'all.yaml'), bigManifestsYaml(5001, 'big'));
  await line(/"source":"watch"[^\n]*"msg":"reloading the configuration"/);
  const probes = await probeUntil(`${proxy}/healthz`, () => reloaded);
  await done;
  assert.ok(probes >= 10, `only ${probes} /healthz answers came during the reload`);
  assert.deepEqual(await chatBig(proxy, 'm-2499'), { status: 200, text: 'big-2499' });
  assert.equal(child.exitCode, null, 'gw is still running');
});
