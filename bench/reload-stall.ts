// Config builds vs serving: starts the real `gw serve` (dist/, build first), applies 5,001
// resources through the admin API while probing /healthz every 10 ms, and prints the longest
// /healthz latency during the apply (what the build cost the serving thread), the apply's own
// time and the load average. Then the same for a --watch reload of a 5,001-resource file.
//   npx tsc -p tsconfig.json && npx tsx bench/reload-stall.ts [resources]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { machine } from './util.js';

const N = Number(process.argv[2] ?? 5001);
const ADMIN_KEY = 'gw-bench-reload-stall-admin-key-0123456789';
const BIN = resolve('bin/gw');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => done(port));
    });
  });
}

/** Mock providers and chat endpoints in pairs, plus one key: `n` manifests. */
function manifests(n: number, tag: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    { apiVersion: 'gw/v1', kind: 'ApiKey', metadata: { name: 'app' }, spec: { keyHash: `sha256:${'0'.repeat(64)}` } },
  ];
  for (let i = 0; out.length < n; i++) {
    out.push({
      apiVersion: 'gw/v1',
      kind: 'Provider',
      metadata: { name: `p-${i}` },
      spec: { type: 'mock', mock: { reply: `${tag}-${i}` } },
    });
    if (out.length < n)
      out.push({
        apiVersion: 'gw/v1',
        kind: 'Endpoint',
        metadata: { name: `e-${i}` },
        spec: { type: 'chat', routing: { targets: [{ provider: `p-${i}`, models: { [`m-${i}`]: 'mock-1' } }] } },
      });
  }
  return out;
}

interface Gw {
  readonly child: ChildProcess;
  readonly proxy: string;
  readonly admin: string;
  /** Resolves when a stdout line matches. */
  line(re: RegExp): Promise<string>;
}

async function startGw(dir: string, watch: boolean): Promise<Gw> {
  const [p, a] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: stall-bench }\nspec:\n  proxy: { listen: 127.0.0.1:${p} }\n  admin: { listen: 127.0.0.1:${a}, key: "\${env:GW_ADMIN_KEY}" }\n${watch ? '  manifests: [manifests]\n' : ''}  storage: { sqlite: ./gw.db }\n  log: { level: info }\n`,
  );
  const child = spawn(process.execPath, [BIN, 'serve', ...(watch ? ['--watch'] : [])], {
    cwd: dir,
    env: { ...process.env, GW_ADMIN_KEY: ADMIN_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: { re: RegExp; done: (l: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) {
      const m = out.split('\n').find((l) => w.re.test(l));
      if (m !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(m);
      }
    }
  });
  const gw: Gw = {
    child,
    proxy: `http://127.0.0.1:${p}`,
    admin: `http://127.0.0.1:${a}`,
    line: (re) => new Promise((done) => waiters.push({ re, done })),
  };
  await gw.line(/listening on http/);
  out = '';
  return gw;
}

/** Probes /healthz every 10 ms until `until` settles; returns the latencies. */
async function probe(url: string, until: Promise<unknown>): Promise<number[]> {
  let over = false;
  void until.finally(() => (over = true));
  const lat: number[] = [];
  while (!over) {
    const t0 = performance.now();
    const r = await fetch(url);
    await r.arrayBuffer();
    lat.push(performance.now() - t0);
    await new Promise((done) => setTimeout(done, 10));
  }
  return lat;
}

function report(what: string, ms: number, lat: number[]): void {
  const sorted = [...lat].sort((x, y) => x - y);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  console.log(
    `${what}: ${ms.toFixed(0)} ms; /healthz during it: ${lat.length} probes, max ${Math.max(...lat).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}; ${N} resources`);
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-stall-'));
  try {
    // 1. POST /admin/v1/apply.
    let gw = await startGw(dir, false);
    const body = JSON.stringify({ manifests: manifests(N, 'a') });
    const t0 = performance.now();
    const apply = fetch(`${gw.admin}/admin/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body,
    }).then(async (r) => {
      if (r.status !== 200) throw new Error(`apply answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
      await r.arrayBuffer();
      return performance.now() - t0;
    });
    const lat = await probe(`${gw.proxy}/healthz`, apply);
    report(`apply of ${N} resources`, await apply, lat);
    gw.child.kill('SIGTERM');
    await new Promise((done) => gw.child.once('exit', done));

    // 2. --watch: the manifest file rewritten with N resources.
    await rm(join(dir, 'gw.db'), { force: true });
    await mkdir(join(dir, 'manifests'));
    await writeFile(
      join(dir, 'manifests', 'all.yaml'),
      manifests(3, 'w')
        .map((x) => stringify(x))
        .join('---\n'),
    );
    gw = await startGw(dir, true);
    const yaml = manifests(N, 'w')
      .map((x) => stringify(x))
      .join('---\n');
    await writeFile(join(dir, 'all.yaml.tmp'), yaml);
    const reloaded = gw.line(/configuration reloaded/);
    const t1 = performance.now();
    await rename(join(dir, 'all.yaml.tmp'), join(dir, 'manifests', 'all.yaml'));
    const lat2 = await probe(`${gw.proxy}/healthz`, reloaded);
    report(
      `--watch reload of a ${(yaml.length / 1024).toFixed(0)} KB file of ${N} resources`,
      performance.now() - t1,
      lat2,
    );
    gw.child.kill('SIGTERM');
    await new Promise((done) => gw.child.once('exit', done));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
