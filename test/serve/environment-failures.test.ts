// What the machine around a running `gw serve` can do to it, run against the real binary: a
// reload signal during start-up, a manifests folder deleted and put back under --watch, another
// process holding SQLite's write lock, a log reader that stops reading, file descriptors running
// out, a SQLite file that can no longer grow. The gateway must go on serving (or stop when told
// to) through each.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { GW_BIN, mockManifests, mockSite, type MockSite } from '../helpers/gw.js';

const KEY = 'gw-environment-test-key-0123456789abcdef';
const LINUX = process.platform === 'linux' ? false : 'needs Linux (ulimit, socket and pipe semantics)';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) await stopChild(c, 'SIGKILL', 5_000);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Sends `signal`, then SIGKILL if the child has not exited after `graceMs`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const guard = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(guard);
}

/** A mock-provider site whose folder is removed after the tests. */
async function site(): Promise<MockSite> {
  const s = await mockSite('gw-env-', KEY);
  dirs.push(s.dir);
  return s;
}

interface Gw {
  readonly child: ChildProcess;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  out(): string;
  err(): string;
  /** Resolves once stdout matches `re`; rejects on exit or after `ms`. */
  waitOut(re: RegExp, ms?: number): Promise<void>;
}

/**
 * Starts `gw serve` in `s.dir`. `limits` (e.g. 'ulimit -n 192') runs in a shell that then execs
 * node, so the child's pid is gw's own.
 */
function startGw(s: MockSite, args: readonly string[] = [], limits?: string): Gw {
  const argv = [GW_BIN, 'serve', ...args];
  const child =
    limits === undefined
      ? spawn(process.execPath, argv, { cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('sh', ['-c', `${limits} && exec "$0" "$@"`, process.execPath, ...argv], {
          cwd: s.dir,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  children.add(child);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const waitOut = (re: RegExp, ms = 30_000): Promise<void> =>
    new Promise((done, fail) => {
      const check = (): void => {
        if (!re.test(out)) return;
        finish();
        done();
      };
      const onExit = (): void => {
        finish();
        fail(new Error(`gw exited before printing ${re}; stderr: ${err}`));
      };
      const timer = setTimeout(() => {
        finish();
        fail(new Error(`no ${re} on stdout within ${ms} ms`));
      }, ms);
      const finish = (): void => {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.off('exit', onExit);
      };
      child.stdout?.on('data', check);
      child.once('exit', onExit);
      check();
    });
  return { child, exited, out: () => out, err: () => err, waitOut };
}

async function chat(s: MockSite, model = 'fast', agent?: http.Agent): Promise<number> {
  return new Promise((done) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.proxy,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        timeout: 10_000,
        ...(agent !== undefined ? { agent } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.on('error', () => done(0));
    req.on('timeout', () => req.destroy());
    req.end(JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }));
  });
}

/** Milliseconds /healthz took to answer 200; Infinity when it did not. */
async function healthz(s: MockSite): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await fetch(`http://127.0.0.1:${s.proxy}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status === 200 ? performance.now() - t0 : Infinity;
  } catch {
    return Infinity;
  }
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('gw serve in a hostile environment', { skip: LINUX }, () => {
  // A reload signal (`systemctl reload gw`, ExecReload=kill -HUP) that arrived during start-up
  // (here: after /healthz answers, while --watch still scans) ended the process, SIGHUP's default
  // action; systemd counts that as a clean exit and did not restart it. The serve command now
  // holds SIGHUP from its first moment and reloads once serving (src/cli/commands/serve.ts).
  test('a SIGHUP once /healthz answers, while --watch still scans a large folder, does not end gw', async () => {
    const s = await site();
    // Notes beside the manifests: never loaded, but chokidar's initial scan walks them all.
    const notes = join(s.dir, 'manifests', 'notes');
    await mkdir(notes);
    for (let i = 0; i < 5000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, k) => writeFile(join(notes, `note-${i + k}.txt`), 'not a manifest\n')),
      );
    }
    const gw = startGw(s, ['--watch']);
    try {
      const deadline = Date.now() + 30_000;
      while ((await healthz(s)) === Infinity) {
        assert.equal(gw.child.exitCode, null, `gw exited during start-up: ${gw.err()}`);
        assert.ok(Date.now() < deadline, 'gw did not answer /healthz within 30 s');
        await tick(10);
      }
      const startedAlready = /listening on/.test(gw.out());
      gw.child.kill('SIGHUP');
      const reloaded = await gw.waitOut(/"source":"sighup".*reloading the configuration/, 30_000).then(
        () => true,
        () => false,
      );
      assert.ok(
        reloaded,
        `gw answered /healthz${startedAlready ? '' : ' (before its listening line)'}, then a SIGHUP ended it ` +
          `(exit code ${gw.child.exitCode}, signal ${gw.child.signalCode})`,
      );
      assert.equal(await chat(s), 200);
    } finally {
      await stopChild(gw.child, 'SIGTERM', 20_000);
    }
  });

  // Under --watch, a manifests folder deleted and put back (`rm -rf manifests && cp -r new
  // manifests`) was never followed again: chokidar forgets a removed root. Its folder is now
  // watched until it is back, then it is watched anew (src/serve/reload.ts).
  test('--watch: the manifests folder deleted and put back is followed again', async () => {
    const s = await site();
    const gw = startGw(s, ['--watch']);
    try {
      await gw.waitOut(/listening on/);
      assert.equal(await chat(s, 'fast'), 200);
      await rm(join(s.dir, 'manifests'), { recursive: true, force: true });
      await gw.waitOut(/GW_ERR_MANIFEST_NOT_FOUND/, 10_000);
      await mkdir(join(s.dir, 'manifests'));
      // The new manifests name the model `fast2`.
      await writeFile(join(s.dir, 'manifests', 'm.yaml'), mockManifests(KEY, 'fast2'));
      const reloaded = await gw.waitOut(/configuration reloaded/, 10_000).then(
        () => true,
        () => false,
      );
      assert.ok(
        reloaded,
        'the manifests folder came back with a new config, and gw never reloaded it (still serving the old one)',
      );
      assert.equal(await chat(s, 'fast2'), 200);
    } finally {
      await stopChild(gw.child, 'SIGTERM', 20_000);
    }
  });

  // While another process held SQLite's write lock (an operator's `sqlite3 gw.db` in a write
  // transaction, a long DELETE, a VACUUM), every usage batch blocked the serving thread for the
  // busy timeout (1 s) and was then dropped. A batch now never waits on the serving thread: it is
  // kept and retried with a backoff (src/telemetry/usage-log.ts).
  test('another process holding the SQLite write lock does not stall the event loop', async () => {
    const s = await site();
    const gw = startGw(s);
    let lock: BetterSqlite3.Database | undefined;
    try {
      await gw.waitOut(/listening on/);
      assert.equal(await chat(s), 200);
      lock = new BetterSqlite3(join(s.dir, 'gw.db'));
      lock.pragma('busy_timeout = 5000');
      lock.exec('BEGIN IMMEDIATE');
      const until = Date.now() + 3_000;
      let worst = 0;
      let served = 0;
      const traffic = (async () => {
        while (Date.now() < until) if ((await chat(s)) === 200) served++;
      })();
      while (Date.now() < until) {
        worst = Math.max(worst, await healthz(s));
        await tick(20);
      }
      await traffic;
      lock.exec('ROLLBACK');
      lock.close();
      lock = undefined;
      const failed = gw.out().match(/usage log write failed/g)?.length ?? 0;
      assert.ok(
        worst < 400,
        `/healthz took up to ${Math.round(worst)} ms while the lock was held (${served} chat requests served in 3 s, ` +
          `${failed} usage batches failed and were dropped)`,
      );
    } finally {
      lock?.close();
      await stopChild(gw.child, 'SIGTERM', 20_000);
    }
  });

  // With its log reader stalled (`gw serve | tee` paused, a hung log shipper), gw served on but
  // never exited on SIGTERM: its last log flush waited on a write stuck in the thread pool, and
  // the exit flush would block in it. The last flush is now bounded, and the held lines given up
  // (src/cli/commands/serve-run.ts).
  test('stops on SIGTERM while nobody reads its stdout', async () => {
    const s = await site();
    const gw = startGw(s);
    try {
      await gw.waitOut(/listening on/);
      gw.child.stdout?.pause();
      // ~3,000 access lines (~1 MB) fill the socket's buffers; requests are still served.
      let ok = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = 0; i < 190; i++) if ((await chat(s)) === 200) ok++;
        }),
      );
      assert.equal(ok, 16 * 190, 'requests failed while the log reader was stalled');
      gw.child.kill('SIGTERM');
      const stopped = await Promise.race([gw.exited.then(() => true), tick(10_000).then(() => false)]);
      let afterReading = '';
      if (!stopped) {
        gw.child.stdout?.resume();
        afterReading = await Promise.race([
          gw.exited.then(([code]) => `; it exited (code ${code}) as soon as its stdout was read again`),
          tick(10_000).then(() => '; still running after its stdout was read again'),
        ]);
      }
      assert.ok(stopped, `gw did not exit within 10 s of SIGTERM while its stdout was not read${afterReading}`);
    } finally {
      gw.child.stdout?.resume();
      await stopChild(gw.child, 'SIGKILL', 5_000);
    }
  });

  // Behaves well (no test covered it): out of file descriptors (a low LimitNOFILE, a flood of
  // idle connections), libuv accepts and closes the extra connections, the listener neither
  // throws nor spins, requests on open connections are served (an upstream that needs a new
  // socket fails that request with 502: connect EMFILE), a SIGHUP reload fails with a logged
  // diagnostic, and everything works again once connections close.
  test('out of file descriptors: keeps serving open connections and recovers when they close', async () => {
    const s = await site();
    const gw = startGw(s, [], 'ulimit -n 192');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const flood: net.Socket[] = [];
    try {
      await gw.waitOut(/listening on/);
      assert.equal(await chat(s, 'fast', agent), 200); // opens the keep-alive connection used below
      let refused = 0;
      await Promise.all(
        Array.from(
          { length: 300 },
          () =>
            new Promise<void>((done) => {
              const sock = net.connect(s.proxy, '127.0.0.1');
              flood.push(sock);
              sock.on('error', () => undefined);
              sock.once('close', () => void refused++);
              sock.once('connect', () => done());
              sock.once('close', () => done());
              setTimeout(done, 5_000).unref();
            }),
        ),
      );
      // Some of the flood got no descriptor: closed by gw at once (libuv's EMFILE handling).
      const deadline = Date.now() + 5_000;
      while (refused === 0 && Date.now() < deadline) await tick(20);
      assert.ok(refused > 0, 'no connection was refused: the descriptor limit was not reached');
      assert.equal(await chat(s, 'fast', agent), 200, 'a request on an open connection while out of descriptors');
      gw.child.kill('SIGHUP');
      await gw.waitOut(/"source":"sighup".*(configuration reloaded|previous one keeps serving)/, 10_000);
      for (const sock of flood) sock.destroy();
      const back = Date.now() + 10_000;
      while ((await healthz(s)) === Infinity) {
        assert.ok(Date.now() < back, 'gw did not answer new connections after the flood closed');
        await tick(50);
      }
      assert.equal(await chat(s), 200);
      assert.equal(gw.child.exitCode, null, gw.err());
    } finally {
      for (const sock of flood) sock.destroy();
      agent.destroy();
      await stopChild(gw.child, 'SIGTERM', 20_000);
    }
    const [code, signal] = await gw.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, gw.err());
  });

  // Behaves well (no test covered it): the SQLite file can no longer grow while gw serves (a
  // full disk; here RLIMIT_FSIZE, which Node turns into EFBIG rather than SIGXFSZ): each usage
  // batch fails and is logged, requests and admin reads keep being answered, and SIGTERM still
  // stops gw with exit 0 (an apply that cannot record its revision answers 500 GW_ERR_INTERNAL
  // and changes nothing: checked by hand on a full tmpfs, not here, as a small revision may
  // still fit where a failed batch was rolled back).
  test('a SQLite file that cannot grow: serving goes on, SIGTERM exits 0', async () => {
    const s = await site();
    // 400 blocks of 512 bytes: room to start (the WAL is ~115 KB then), not for much usage.
    const gw = startGw(s, [], 'ulimit -f 400');
    try {
      await gw.waitOut(/listening on/);
      const deadline = Date.now() + 30_000;
      while (!/usage log write failed/.test(gw.out())) {
        assert.ok(Date.now() < deadline, 'the usage log never failed to write');
        await Promise.all(Array.from({ length: 8 }, () => chat(s)));
      }
      for (let i = 0; i < 20; i++) assert.equal(await chat(s), 200);
      assert.ok((await healthz(s)) < Infinity);
      // The admin API's reads still answer (they flush first, which fails and is logged).
      const res = await fetch(`http://127.0.0.1:${s.admin}/admin/v1/requests?limit=1`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(res.status, 200);
      assert.equal(gw.child.exitCode, null);
    } finally {
      await stopChild(gw.child, 'SIGTERM', 20_000);
    }
    const [code, signal] = await gw.exited;
    assert.equal(signal, null, `gw did not stop on SIGTERM: ${gw.err()}`);
    assert.equal(code, 0, gw.err());
  });
});
