// `npx tsx bench/proxy.ts [--size-mb 100] [--body-mb 1] [--duration 10] [--concurrency 4] [--smoke] [--json FILE]`
// The transparent proxy under the real `gw serve` (bin/gw: `npm run build` first):
//   1. RSS growth of the gw process while a --size-mb body goes up through it, then while one as
//      large comes down (sampled every 20 ms from /proc): the bound is < 30 MB for 100 MB.
//   2. Throughput of --body-mb uploads (each answered with a body as large) for --duration
//      seconds at --concurrency, straight to the upstream and through gw, in the same run: the
//      issue's bound is gw ≥ 70 % of direct.
// The upstream (a sink and a source) and the client live in this process; gw in its own.
// --smoke: 8 MB and 1 s, only to see that the harness runs (its figures mean nothing).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rssMb, startGateway, stop, type GatewayDir } from './serve-procs.js';

const { values: flags } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '100' },
    'body-mb': { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const MB = 1024 * 1024;
const SIZE = (flags.smoke ? 8 : Number(flags['size-mb'])) * MB;
const BODY = Number(flags['body-mb']) * MB;
const DURATION_MS = (flags.smoke ? 1 : Number(flags.duration)) * 1000;
const CONCURRENCY = Number(flags.concurrency);
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

/** POST /sink reads and drops the body, answering its size; GET /source?n= streams n bytes; POST /echo-size answers as many bytes as it read. */
async function startUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/source')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void writeBytes(res, Number(url.searchParams.get('n')), () => res.end());
    }
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      if (url.pathname.endsWith('/echo-size')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
        writeBytes(res, n, () => res.end());
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes: n }));
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Writes n bytes with backpressure, then calls done. */
function writeBytes(out: NodeJS.WritableStream, n: number, done: () => void): void {
  let left = n;
  const pump = (): void => {
    while (left > 0) {
      const c = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= c.length;
      if (!out.write(c)) return void out.once('drain', pump);
    }
    done();
  };
  pump();
}

/** One request; the body (n bytes) is written with backpressure and the answer read and dropped. Resolves with the answer's byte count. */
function send(base: string, method: string, path: string, key: string, n: number): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: { authorization: `Bearer ${key}`, ...(n > 0 ? { 'content-length': String(n) } : {}) },
      },
      (res: IncomingMessage) => {
        let got = 0;
        res.on('data', (c: Buffer) => (got += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(got) : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (n > 0) writeBytes(req, n, () => req.end());
    else req.end();
  });
}

/** Max RSS growth of `pid` over its value before `run`, sampled every 20 ms. */
async function rssGrowth(pid: number, run: () => Promise<unknown>): Promise<{ baseMb: number; peakMb: number }> {
  const baseMb = await rssMb(pid);
  let peakMb = baseMb;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakMb = Math.max(peakMb, await rssMb(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await run();
  } finally {
    sampling = false;
    await sampler;
  }
  return { baseMb, peakMb };
}

/** MB/s of body bytes (up + down) for DURATION_MS at CONCURRENCY. */
async function throughput(base: string, path: string, key: string): Promise<number> {
  const until = Date.now() + DURATION_MS;
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) bytes += BODY + (await send(base, 'POST', path, key, BODY));
    }),
  );
  return bytes / MB / ((performance.now() - t0) / 1000);
}

async function writeDir(dir: string, upstreamPort: number): Promise<GatewayDir> {
  const callerKey = `gw-bench-${randomBytes(16).toString('hex')}`;
  const hash = createHash('sha256').update(callerKey).digest('hex');
  await mkdir(join(dir, 'manifests'), { recursive: true });
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: bench-proxy }
spec:
  proxy: { listen: 127.0.0.1:0 }
  admin: { listen: 127.0.0.1:0 }
  manifests: [./manifests]
  storage: { sqlite: ./storage.sqlite }
  log: { level: warn }
`,
  );
  await writeFile(
    join(dir, 'manifests', 'bench.yaml'),
    `apiVersion: gw/v1
kind: Provider
metadata: { name: files }
spec: { type: http, baseUrl: "http://127.0.0.1:${upstreamPort}/base", auth: { none: true }, timeout: 60s }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: blobs }
spec: { type: proxy, provider: files }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: bench }
spec: { keyHash: "sha256:${hash}", scopes: [chat] }
`,
  );
  return { dir, configPath: join(dir, 'gateway.yaml'), callerKey, resources: 3 };
}

async function main(): Promise<void> {
  const up = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-proxy-'));
  const g = await writeDir(dir, up.port);
  const gw = await startGateway(g);
  const direct = `http://127.0.0.1:${up.port}`;
  const key = g.callerKey;
  try {
    // Warm up: pools, JIT, the first usage-log write.
    for (let i = 0; i < 3; i++) await send(gw.url, 'POST', '/proxy/files/blobs/echo-size', key, BODY);
    const upload = await rssGrowth(gw.pid, () => send(gw.url, 'PUT', '/proxy/files/blobs/sink', key, SIZE));
    const download = await rssGrowth(gw.pid, () => send(gw.url, 'GET', `/proxy/files/blobs/source?n=${SIZE}`, key, 0));
    const directMbs = await throughput(direct, '/base/echo-size', key);
    const gwMbs = await throughput(gw.url, '/proxy/files/blobs/echo-size', key);
    const result = {
      sizeMb: SIZE / MB,
      uploadRssGrowthMb: upload.peakMb - upload.baseMb,
      downloadRssGrowthMb: download.peakMb - download.baseMb,
      bodyMb: BODY / MB,
      concurrency: CONCURRENCY,
      durationS: DURATION_MS / 1000,
      directMbPerS: directMbs,
      gwMbPerS: gwMbs,
      ratio: gwMbs / directMbs,
      smoke: flags.smoke,
    };
    const f = (x: number): string => x.toFixed(1);
    console.log(
      `${f(result.sizeMb)} MB up:   gw RSS +${f(result.uploadRssGrowthMb)} MB (bound: < 30 MB at 100 MB)\n` +
        `${f(result.sizeMb)} MB down: gw RSS +${f(result.downloadRssGrowthMb)} MB\n` +
        `${f(result.bodyMb)} MB bodies x${CONCURRENCY}, ${f(result.durationS)} s: direct ${f(directMbs)} MB/s, ` +
        `through gw ${f(gwMbs)} MB/s (${(result.ratio * 100).toFixed(0)} %; bound: ≥ 70 %)` +
        (flags.smoke ? '\n(smoke run: the figures mean nothing)' : ''),
    );
    if (flags.json !== undefined) await writeFile(flags.json, JSON.stringify(result, null, 2));
  } finally {
    await stop(gw);
    up.server.closeAllConnections();
    await new Promise((done) => up.server.close(done));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
