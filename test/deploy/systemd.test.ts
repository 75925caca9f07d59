// examples/systemd/gw.service holds what the unit assumes of gw: its ExecStart flags are accepted by
// the real binary, its ExecReload (kill -HUP) reloads the manifests, its KillSignal (SIGTERM) lets
// an in-flight request finish before gw exits 0, well inside TimeoutStopSec, and its
// EnvironmentFile's variables reach the manifests. Needs `npm run build` (bin/gw runs dist/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GW_BIN, freePort, waitForLine } from '../helpers/gw.js';
import {
  KEYS,
  UPSTREAM_KEY,
  echoHandler,
  gatewayYaml,
  manifests,
  startUpstream,
  type FakeUpstream,
} from '../serve/helpers.js';
import { parseEnvironmentFile, parseUnit, timeSpanMs, unitValue, type Unit } from './unit-file.js';

const ROOT = join(import.meta.dirname, '..', '..');
const unit: Unit = parseUnit(readFileSync(join(ROOT, 'examples', 'systemd', 'gw.service'), 'utf8'));
const DEFAULT_DRAIN_MS = 10_000; // shutdown.drainTimeout's default (README: Serving)

let up: FakeUpstream;
let dir: string;
/** Answers of `up-slow` wait for this; every other model is echoed at once. */
let releaseSlow: () => void = () => {};
let slowArrived: Promise<void>;

before(async () => {
  let arrived: () => void = () => {};
  slowArrived = new Promise((done) => (arrived = done));
  const released = new Promise<void>((done) => (releaseSlow = done));
  up = await startUpstream((r, res, req) => {
    if (r.body['model'] !== 'up-slow') return echoHandler(r, res, req);
    arrived();
    void released.then(() => echoHandler(r, res, req));
  });
  dir = await mkdtemp(join(tmpdir(), 'gw-systemd-'));
});
after(async () => {
  releaseSlow();
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test('the unit reloads with SIGHUP, stops with SIGTERM past the default drain time, keeps state in StateDirectory', () => {
  assert.equal(unitValue(unit, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(unitValue(unit, 'Service', 'KillSignal'), 'SIGTERM');
  const stopMs = timeSpanMs(unitValue(unit, 'Service', 'TimeoutStopSec'));
  assert.ok(stopMs > DEFAULT_DRAIN_MS + 5_000, `TimeoutStopSec ${stopMs} ms leaves no time after the drain`);
  assert.equal(unitValue(unit, 'Service', 'EnvironmentFile'), '/etc/gw/gw.env');
  assert.equal(unitValue(unit, 'Service', 'StateDirectory'), 'gw'); // /var/lib/gw, where the README puts the SQLite file
  assert.equal(unitValue(unit, 'Install', 'WantedBy'), 'multi-user.target');
  // The environment file the unit names has a template beside it, and it parses as one.
  const template = parseEnvironmentFile(readFileSync(join(ROOT, 'examples', 'systemd', 'gw.env.example'), 'utf8'));
  assert.ok('GW_ADMIN_KEY' in template);
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

test(
  'systemd-analyze verify accepts the unit: every directive known, nothing to warn about',
  { skip: systemdAnalyze === undefined && 'systemd-analyze is not installed' },
  async () => {
    // Its ExecStart must name an executable that exists: this checkout's bin/gw stands in for /opt/gw's.
    const text = readFileSync(join(ROOT, 'examples', 'systemd', 'gw.service'), 'utf8').replaceAll(
      '/opt/gw/node_modules/.bin/gw',
      GW_BIN,
    );
    const file = join(dir, 'gw.service');
    await writeFile(file, text);
    const r = await promisify(execFile)(systemdAnalyze as string, ['verify', file]).then(
      (ok) => ({ code: 0, out: ok.stdout + ok.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? -1,
        out: (e.stdout ?? '') + (e.stderr ?? ''),
      }),
    );
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '');
  },
);

async function chat(url: string, model: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: r.status, text: await r.text() };
}

test(
  "gw serve runs with the unit's ExecStart flags, reloads on its ExecReload and drains on its KillSignal",
  { skip: !existsSync(join(ROOT, 'dist', 'cli', 'main.js')) && 'run npm run build first' },
  async () => {
    // ExecStart with the installed binary replaced by this checkout's and /etc/gw by a temp folder.
    const [bin, ...args] = unitValue(unit, 'Service', 'ExecStart').split(/\s+/);
    assert.match(bin ?? '', /\/gw$/);
    const config = join(dir, 'gateway.yaml');
    const argv = args.map((a) => a.replace(/^\/etc\/gw\//, `${dir}/`));
    assert.deepEqual(argv, ['serve', '-c', config]);

    const port = await freePort();
    await mkdir(join(dir, 'manifests'));
    const manifestPath = join(dir, 'manifests', 'all.yaml');
    await writeFile(manifestPath, manifests(up.url, 'first'));
    await writeFile(config, gatewayYaml(port, `  admin: { listen: 127.0.0.1:${await freePort()} }\n`));
    // The upstream key comes only from the environment file, as the unit passes secrets.
    await writeFile(join(dir, 'gw.env'), `# secrets\nGW_TEST_UPSTREAM_KEY=${UPSTREAM_KEY}\n`);
    const fromFile = parseEnvironmentFile(readFileSync(join(dir, 'gw.env'), 'utf8'));

    const child = spawn(process.execPath, [GW_BIN, ...argv], {
      cwd: unitValue(unit, 'Service', 'WorkingDirectory').replace(/^\/etc\/gw$/, dir),
      env: { ...process.env, ...fromFile, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((done) =>
      child.once('exit', (code) => done({ code, at: Date.now() })),
    );
    let termAt = 0;
    try {
      await waitForLine(child, /listening on http/);
      const url = `http://127.0.0.1:${port}`;
      const first = await chat(url, 'first');
      assert.equal(first.status, 200, first.text);
      assert.equal(up.requests.at(-1)?.headers.authorization, `Bearer ${UPSTREAM_KEY}`);

      // systemctl reload: ExecReload as written, with $MAINPID.
      await writeFile(manifestPath, manifests(up.url, 'second'));
      const reloaded = waitForLine(child, /"source":"sighup".*configuration reloaded/);
      const [kill, ...killArgs] = unitValue(unit, 'Service', 'ExecReload').split(/\s+/);
      await promisify(execFile)(
        existsSync(kill ?? '') ? (kill as string) : 'kill',
        killArgs.map((a) => a.replace('$MAINPID', String(child.pid))),
      );
      await reloaded;
      assert.equal((await chat(url, 'second')).status, 200);
      assert.equal((await chat(url, 'first')).status, 404);

      // systemctl stop: KillSignal while a request is still waiting on its upstream.
      const inFlight = chat(url, 'slow');
      await slowArrived;
      const draining = waitForLine(child, /"inFlight":1,.*shutting down: draining/);
      child.kill(unitValue(unit, 'Service', 'KillSignal') as NodeJS.Signals);
      termAt = Date.now();
      await draining;
      releaseSlow();
      const answer = await inFlight;
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.text, /echo: Q: hi/);
    } finally {
      releaseSlow();
      if (termAt === 0) child.kill('SIGTERM');
    }
    const { code, at } = await exited;
    assert.equal(code, 0, stderr);
    assert.ok(at - termAt < timeSpanMs(unitValue(unit, 'Service', 'TimeoutStopSec')));
  },
);
