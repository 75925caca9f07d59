// Hostile-input benchmark: the real `gw serve` between callers and a hostile upstream
// (bench/hostile-upstream.ts), each scenario run while a prober asks GET /healthz every 10 ms.
// Reports per scenario what the hostile request got, the /healthz latency (p50, p99, max), and
// whether gw stayed up, with the load average. Nothing else should run on the machine meanwhile.
//   npx tsx bench/hostile.ts [--only name,name] [--json FILE] [--keep] [--profile DIR]
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageLog } from '../src/telemetry/usage-log.js';
import { generateManifests } from './generate.js';
import { rssMb, startGateway, startScript, stop, type GatewayDir, type Proc } from './serve-procs.js';
import { machine, percentile } from './util.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});

/** Request rows written to the usage log before gw starts (the status scenario reads them). */
const PREFILL_ROWS = 334_000;
const MODELS = ['ok', 'huge-json', 'long-line', 'never-ends', 'fire-hose', 'echo-cred'] as const;
const UPSTREAM_SECRET = `sk-hostile-${randomBytes(12).toString('hex')}`;

interface Ctx {
  readonly base: string;
  readonly admin: string;
  readonly key: string;
  readonly dir: string;
  /** The hostile upstream's own base URL. */
  readonly upstream: string;
}

interface Scenario {
  readonly name: string;
  readonly what: string;
  /** Work done before the probe starts (so it does not stall the prober); its result goes to run. */
  prepare?(ctx: Ctx): Promise<Buffer>;
  /** Runs the hostile part; resolves with a short outcome (status, bytes, ...). */
  run(ctx: Ctx, prepared?: Buffer): Promise<string>;
}

// ---------------------------------------------------------------- probe

interface ProbeResult {
  readonly n: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Asks /healthz every 10 ms (one at a time, keep-alive) until stopped. */
function startProbe(base: string): { stop(): Promise<ProbeResult> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let failed = 0;
  let running = true;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = httpRequest(`${base}/healthz`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          times.push(performance.now() - t0);
          if (res.statusCode !== 200) failed++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('probe timeout')));
      req.on('error', () => {
        times.push(performance.now() - t0);
        failed++;
        resolve();
      });
      req.end();
    });
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await one();
      const wait = 10 - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return {
        n: times.length,
        failed,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        max: Math.max(...times),
      };
    },
  };
}

// ---------------------------------------------------------------- callers

interface Answer {
  readonly status: number;
  readonly bytes: number;
  readonly text: string;
}

/** POSTs `body` and reads the whole answer (keeping the first 2 KB of text). */
function post(url: string, key: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        let bytes = 0;
        let text = '';
        res.on('data', (b: Buffer) => {
          bytes += b.length;
          if (text.length < 2048) text += b.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, text }));
        res.on('error', () =>
          resolve({ status: res.statusCode ?? 0, bytes, text: `${text} [connection ended early]` }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const chat = (model: string, stream = false): string =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

/**
 * Opens a stream and stops reading after the headers, then waits until the upstream sees its
 * answer closed: gw gave up on the stalled caller and aborted the upstream request. (A paused
 * client socket would not notice gw closing it, so the upstream is asked.)
 */
async function stalledReader(c: Ctx, model: string): Promise<string> {
  const closed = async (): Promise<number> =>
    ((await (await fetch(`${c.upstream}/closed`)).json()) as { fireHoseClosed: number }).fireHoseClosed;
  const before = await closed();
  const t0 = performance.now();
  const req = httpRequest(
    `${c.base}/v1/chat/completions`,
    { method: 'POST', headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' } },
    (res: IncomingMessage) => {
      res.pause(); // read nothing more: the socket's receive window fills up
      res.socket.pause();
    },
  );
  req.on('error', () => undefined);
  req.end(chat(model, true));
  try {
    while (performance.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await closed()) > before)
        return `upstream request aborted by gw after ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    }
    return 'gw did not give up on the stalled reader within 60 s';
  } finally {
    req.destroy();
  }
}

/** `n` sockets that send a request line and then one header byte a second. */
async function slowloris(base: string, n: number, seconds: number): Promise<string> {
  const { hostname, port } = new URL(base);
  const sockets: Socket[] = [];
  let closedByGw = 0;
  for (let i = 0; i < n; i++) {
    const s = connect(Number(port), hostname);
    s.on('error', () => undefined);
    s.on('close', () => closedByGw++);
    s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nX-Slow: ');
    sockets.push(s);
  }
  for (let t = 0; t < seconds; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    for (const s of sockets) if (!s.destroyed) s.write('a');
  }
  const open = sockets.filter((s) => !s.destroyed).length;
  for (const s of sockets) s.destroy();
  return `${n} sockets, ${closedByGw} closed by gw within ${seconds} s, ${open} still open`;
}

// ---------------------------------------------------------------- scenarios

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'idle',
    what: 'nothing but the probe',
    run: async () => (await new Promise((r) => setTimeout(r, 2000)), 'idle 2 s'),
  },
  {
    name: 'huge-json',
    what: 'upstream answers 600 MB of JSON (cap: upstream.maxAnswerBytes 64 MiB)',
    run: async (c) => describe(await post(`${c.base}/v1/chat/completions`, c.key, chat('huge-json'))),
  },
  {
    name: 'long-line',
    what: 'upstream streams one 50 MB SSE data line (cap: upstream.maxEventBytes 8 MiB)',
    run: async (c) => describe(await post(`${c.base}/v1/chat/completions`, c.key, chat('long-line', true))),
  },
  {
    name: 'never-ends',
    what: 'upstream stream never ends (deadline: proxy.requestTimeout, 5 s here)',
    run: async (c) => describe(await post(`${c.base}/v1/chat/completions`, c.key, chat('never-ends', true))),
  },
  {
    name: 'stalled-reader',
    what: 'caller stops reading a fast stream (proxy.sendTimeout, 2 s here)',
    run: (c) => stalledReader(c, 'fire-hose'),
  },
  {
    name: 'echo-cred',
    what: 'upstream 401 echoes the credential it received',
    run: async (c) => {
      const a = await post(`${c.base}/v1/chat/completions`, c.key, chat('echo-cred'));
      return `${a.status}, secret in the answer: ${a.text.includes(UPSTREAM_SECRET) ? 'YES' : 'no'}`;
    },
  },
  {
    name: 'deep-json',
    what: '4 callers send 9 MB of nested arrays at once (under proxy.maxBodyBytes)',
    prepare: async () => Buffer.from(`{"model":"ok","messages":${'['.repeat(9 * 1024 * 1024)}`),
    run: async (c, body) => {
      const answers = await Promise.all(
        [0, 1, 2, 3].map(() =>
          post(`${c.base}/v1/chat/completions`, c.key, body ?? Buffer.alloc(0)).catch((e: Error) => ({
            status: 0,
            bytes: 0,
            text: e.message,
          })),
        ),
      );
      return answers.map((a) => a.status).join(' ');
    },
  },
  {
    name: 'big-body',
    what: '4 callers send a 9.5 MB valid chat body at once (under proxy.maxBodyBytes)',
    prepare: async () =>
      Buffer.from(JSON.stringify({ model: 'ok', messages: [{ role: 'user', content: 'x'.repeat(9_500_000) }] })),
    run: async (c, body) => {
      const answers = await Promise.all(
        [0, 1, 2, 3].map(() => post(`${c.base}/v1/chat/completions`, c.key, body ?? Buffer.alloc(0))),
      );
      return answers.map((a) => a.status).join(' ');
    },
  },
  {
    name: 'slowloris',
    what: '500 sockets dribble their headers (proxy.headersTimeout, 5 s here)',
    run: (c) => slowloris(c.base, 500, 8),
  },
  {
    name: 'status',
    what: `20 × gw status (GET /admin/v1/status) with ${PREFILL_ROWS.toLocaleString('en')} rows in the last hour`,
    run: async (c) => {
      let last = '';
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${c.admin}/admin/v1/status`);
        const body = (await r.json()) as { endpoints?: { name: string; requests: number }[] };
        last = `${r.status}, ${body.endpoints?.map((e) => `${e.name} ${e.requests}`).join(', ') ?? ''}`;
      }
      return last;
    },
  },
  {
    name: 'admin-apply',
    what: 'POST /admin/v1/apply of 5,001 resources',
    // The body is built before the probe starts: building it here would stall the prober itself.
    prepare: async (c) => Buffer.from(JSON.stringify({ manifests: await bigManifestSet(c.dir) })),
    run: async (c, body) => {
      const a = await post(`${c.admin}/admin/v1/apply`, 'none', body ?? Buffer.alloc(0));
      return `${a.status} ${a.text.slice(0, 80)}`;
    },
  },
];

function describe(a: Answer): string {
  const code = /GW_ERR_[A-Z_]+/.exec(a.text)?.[0] ?? '';
  return `${a.status} ${code} (${a.bytes} bytes)`.replace(/\s+/g, ' ');
}

/** 5,000 generated resources plus the bench's own, as parsed documents (what `gw apply` sends). */
async function bigManifestSet(dir: string): Promise<unknown[]> {
  const { loadAll } = await import('js-yaml');
  const out = join(dir, 'apply-set');
  const g = await generateManifests(out, 5000);
  const docs: unknown[] = [];
  for (const f of [join(dir, 'manifests', 'gw.yaml'), ...g.files])
    docs.push(...(loadAll(await readFile(f, 'utf8')) as unknown[]));
  return docs;
}

// ---------------------------------------------------------------- setup

async function writeDir(dir: string, upstreamPort: number): Promise<GatewayDir> {
  const callerKey = `gw-hostile-${randomBytes(16).toString('hex')}`;
  const hash = createHash('sha256').update(callerKey).digest('hex');
  await mkdir(join(dir, 'manifests'), { recursive: true });
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: hostile }
spec:
  proxy: { listen: 127.0.0.1:0, requestTimeout: 5s, sendTimeout: 2s, headersTimeout: 5s, bodyTimeout: 5s }
  admin: { listen: 127.0.0.1:0 }
  manifests: [./manifests]
  storage: { sqlite: ./storage.sqlite }
  log: { level: warn }
`,
  );
  const models = MODELS.map((m) => `${m}: ${m}`).join(', ');
  await writeFile(
    join(dir, 'manifests', 'gw.yaml'),
    `apiVersion: gw/v1
kind: Provider
metadata: { name: hostile }
spec:
  type: openai
  baseUrl: http://127.0.0.1:${upstreamPort}/v1
  auth: { bearer: "\${env:GW_HOSTILE_UPSTREAM_KEY}" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: hostile }
spec:
  type: chat
  routing:
    targets:
      - provider: hostile
        models: { ${models} }
  defaultModel: ok
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: hostile }
spec:
  keyHash: sha256:${hash}
  scopes: [chat]
`,
  );
  return { dir, configPath: join(dir, 'gateway.yaml'), callerKey, resources: 3 };
}

/** Writes `n` request rows spread over the last hour through the real usage log (batched). */
function prefillUsage(path: string, n: number): void {
  const log = UsageLog.open(path, { flushIntervalMs: 60_000, maxBatch: 5_000 });
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const status = i % 50 === 0 ? 502 : 200;
    log.record({
      ts: now - ((i * 7919) % 3_540_000),
      requestId: `prefill-${i}`,
      workspace: 'default',
      endpoint: 'hostile',
      keyName: 'hostile',
      model: 'ok',
      provider: 'hostile',
      upstreamModel: 'ok',
      status,
      errorCode: status === 502 ? 'GW_ERR_UPSTREAM_EXHAUSTED' : null,
      tokensIn: 9,
      tokensOut: 7,
      latencyMs: 1 + (i % 400),
      route: 'openai.chat',
    });
  }
  log.close();
}

interface Row {
  readonly scenario: string;
  readonly what: string;
  readonly outcome: string;
  readonly probe: ProbeResult;
  readonly alive: boolean;
  readonly rssMb: number;
  readonly load1: number;
}

async function main(): Promise<void> {
  process.env['GW_HOSTILE_UPSTREAM_KEY'] = UPSTREAM_SECRET;
  const only = args.only?.split(',');
  const procs: Proc[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-hostile-'));
  const rows: Row[] = [];
  try {
    const upstream = await startScript('hostile-upstream.ts');
    procs.push(upstream);
    const g = await writeDir(dir, upstream.port);
    if (only === undefined || only.includes('status')) prefillUsage(join(dir, 'storage.sqlite'), PREFILL_ROWS);
    const gw = await startGateway(
      g,
      args.profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile)}`] : [],
    );
    procs.push(gw);
    const log = await readFile(gw.logPath, 'utf8');
    const admin = /admin on (http:\/\/\S+)/.exec(log)?.[1];
    if (admin === undefined) throw new Error(`no admin address in the log:\n${log}`);
    const ctx: Ctx = { base: gw.url, admin, key: g.callerKey, dir, upstream: `http://127.0.0.1:${upstream.port}` };
    const m = machine();
    console.log(
      `gw hostile bench: ${m.cpu}, ${m.nproc} cores, node ${m.node}; load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const s of SCENARIOS) {
      if (only !== undefined && !only.includes(s.name)) continue;
      const prepared = await s.prepare?.(ctx);
      const probe = startProbe(gw.url);
      let outcome: string;
      try {
        outcome = await s.run(ctx, prepared);
      } catch (e) {
        outcome = `failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      const p = await probe.stop();
      const alive = gw.child.exitCode === null && gw.child.signalCode === null;
      const row: Row = {
        scenario: s.name,
        what: s.what,
        outcome,
        probe: p,
        alive,
        rssMb: alive ? await rssMb(gw.pid) : 0,
        load1: loadavg()[0] ?? 0,
      };
      rows.push(row);
      console.log(
        `${s.name.padEnd(15)} ${outcome.slice(0, 70).padEnd(70)} healthz n=${p.n} failed=${p.failed} p50=${p.p50.toFixed(1)} p99=${p.p99.toFixed(1)} max=${p.max.toFixed(1)} ms  alive=${alive} rss=${row.rssMb.toFixed(0)} MB load1=${row.load1.toFixed(2)}`,
      );
      if (!alive) break;
    }
  } finally {
    for (const p of procs.reverse()) await stop(p);
    if (args.keep) console.error(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  if (args.json !== undefined) await writeFile(args.json, JSON.stringify(rows, null, 2));
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
