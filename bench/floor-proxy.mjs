// The floor for a Node.js proxy on this machine: node:http in, one keep-alive undici Pool out,
// the JSON body parsed and re-serialised both ways (as any gateway that maps models and reads
// usage must), nothing else; a streamed answer is piped through untouched. The serve benchmark
// runs it beside gw so gw's figures can be read against what Node itself costs here.
//
// With --features it also does, per request, the least of what issue 16's throughput target
// keeps on in gw: the caller's key hashed and looked up, one access-log line through pino
// (batched writes to a file, as gw's logger in the bench), one usage row queued and written to SQLite in
// batched transactions off the request (as gw's usage log), a counter and a latency histogram
// in prom-client. No routing table, retries, timeouts, error mapping or dialects: a lower bound
// on what those features cost, not a gateway.
//
// Plain JavaScript, run without tsx, so that its RSS is Node's and undici's alone.
// Prints `listening <port>`; argv[2] is the upstream port.
import { hash } from 'node:crypto';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const upstreamPort = Number(process.argv[2]);
const features = process.argv.includes('--features');
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { keepAliveTimeout: 30_000 });
const auth = `Bearer ${process.env['GW_BENCH_UPSTREAM_KEY'] ?? ''}`;

/** The --features part, or undefined: one call per answered request. */
const account = features ? await featureSet() : undefined;

async function featureSet() {
  const { default: pino } = await import('pino');
  const { default: Database } = await import('better-sqlite3');
  const prom = await import('prom-client');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'gw-floor-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  // To a file, as gw's log in the serve bench (its stdout is the bench's pipe).
  const log = pino(
    pino.destination({ dest: join(dir, 'access.log'), sync: false, minLength: 4096, periodicFlush: 100 }),
  );
  const db = new Database(join(dir, 'usage.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE requests (ts INTEGER, request_id TEXT, key TEXT, endpoint TEXT, model TEXT, status INTEGER, tokens_in INTEGER, tokens_out INTEGER, latency_ms REAL)',
  );
  const insert = db.prepare('INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const writeAll = db.transaction((rows) => {
    for (const r of rows) insert.run(r.ts, r.id, r.key, r.endpoint, r.model, r.status, r.tokensIn, r.tokensOut, r.ms);
  });
  let batch = [];
  let timer;
  // As gw's storage.flushInterval (bench/instructions.ts stretches both under callgrind).
  const FLUSH_MS = Number(process.env['GW_BENCH_FLUSH_MS'] ?? 100);
  const flush = () => {
    timer = undefined;
    const rows = batch;
    batch = [];
    writeAll(rows);
  };
  const registry = new prom.Registry();
  const requests = new prom.Counter({
    name: 'floor_requests_total',
    help: 'requests',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
  });
  const latency = new prom.Histogram({
    name: 'floor_latency_seconds',
    help: 'latency',
    labelNames: ['endpoint'],
    registers: [registry],
  });
  // The bench's caller key is not known here: any bearer is hashed and looked up; a miss still answers.
  const keys = new Map();
  let seq = 0;
  return (req, status, answer, startedAt) => {
    const token = String(req.headers['authorization'] ?? '').slice(7);
    const key = keys.get(hash('sha256', token, 'hex')) ?? 'anonymous';
    const ms = performance.now() - startedAt;
    const usage = answer?.['usage'] ?? {};
    const id = `req-${++seq}`;
    log.info({ requestId: id, key, endpoint: 'bench', status, ms }, 'request');
    batch.push({
      ts: Date.now(),
      id,
      key,
      endpoint: 'bench',
      model: 'bench-upstream-model',
      status,
      tokensIn: usage.prompt_tokens ?? 0,
      tokensOut: usage.completion_tokens ?? 0,
      ms,
    });
    if (batch.length >= 500) setImmediate(flush);
    else timer ??= setTimeout(flush, FLUSH_MS);
    requests.inc({ endpoint: 'bench', status: String(status) });
    latency.observe({ endpoint: 'bench' }, ms / 1000);
  };
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const startedAt = performance.now();
  const parts = [];
  req.on('data', (b) => parts.push(b));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    body['model'] = 'bench-upstream-model';
    pool
      .request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify(body),
      })
      .then(async (up) => {
        if (body['stream'] === true) {
          // A stream is piped as it comes: the least any proxy does with one.
          res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'text/event-stream') });
          up.body.pipe(res);
          res.on('close', () => {
            up.body.destroy();
            account?.(req, up.statusCode, undefined, startedAt);
          });
          return;
        }
        const answer = JSON.parse(await up.body.text());
        answer['model'] = 'bench-model';
        const out = JSON.stringify(answer);
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
        account?.(req, up.statusCode, answer, startedAt);
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
