// `gw test-connection` through the real binary against live sockets on 127.0.0.1: a fake
// OpenAI/Anthropic upstream, a dead port, and a server that accepts but never answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';

const SECRET = 'sk-probe-secret-0123456789';
const ANT_SECRET = 'sk-ant-probe-secret-0123456789';

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

function listen(server: Server | NetServer): Promise<number> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
}

function manifests(port: number, deadPort: number, hangPort: number): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: http://127.0.0.1:${port}/v1
  auth: { bearer: "\${env:UP_KEY}" }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: claude }
spec:
  type: anthropic
  baseUrl: http://127.0.0.1:${port}/anthropic/v1
  auth: { header: { name: x-api-key, value: "\${env:ANT_KEY}" } }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: web }
spec:
  type: http
  baseUrl: http://127.0.0.1:${port}/web
  probe: { path: /health }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: dead }
spec:
  type: openai
  baseUrl: http://127.0.0.1:${deadPort}/v1
---
apiVersion: gw/v1
kind: Provider
metadata: { name: hang }
spec:
  type: openai
  baseUrl: http://127.0.0.1:${hangPort}/v1
---
apiVersion: gw/v1
kind: Provider
metadata: { name: mock }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chat }
spec:
  type: chat
  routing:
    targets:
      - provider: up
        models: { fast: gpt-a, smart: gpt-gone }
      - provider: claude
        models: { fast: claude-x }
`;
}

describe('gw test-connection', { concurrency: 2 }, () => {
  let dir: string;
  let upstream: Server;
  let hang: NetServer;
  const sockets: Socket[] = [];
  const seen: Seen[] = [];
  const env = { UP_KEY: SECRET, ANT_KEY: ANT_SECRET };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-testconn-'));
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/models') {
        if (req.headers.authorization !== `Bearer ${SECRET}`) return void res.writeHead(401).end('{}');
        return void res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-a' }, { id: 'gpt-b' }] }));
      }
      if (req.url?.startsWith('/anthropic/v1/models')) {
        return void res.end(JSON.stringify({ data: [{ id: 'claude-x', type: 'model' }], has_more: false }));
      }
      if (req.url === '/web/health') return void res.end('{"status":"ok"}');
      res.writeHead(404).end('{}');
    });
    const port = await listen(upstream);
    // A port nothing listens on: bind, note, close.
    const tmp = createNetServer();
    const deadPort = await listen(tmp);
    await new Promise<void>((done) => tmp.close(() => done()));
    // Accepts connections and never answers.
    hang = createNetServer((s) => void sockets.push(s));
    const hangPort = await listen(hang);
    await writeFile(join(dir, 'providers.yaml'), manifests(port, deadPort, hangPort));
    // Proxy endpoints on the http provider: one with its own auth header, one moved to a dead port.
    await writeFile(
      join(dir, 'proxies.yaml'),
      `apiVersion: gw/v1
kind: Provider
metadata: { name: web }
spec: { type: http, baseUrl: "http://127.0.0.1:${port}/web", probe: { path: /health } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: web-api }
spec:
  type: proxy
  provider: web
  auth: { header: { name: x-api-key, value: "\${env:UP_KEY}" } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: moved }
spec: { type: proxy, provider: web, baseUrl: "http://127.0.0.1:${deadPort}/web" }
`,
    );
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((done) => upstream.close(() => done()));
    await new Promise<void>((done) => hang.close(() => done()));
    await rm(dir, { recursive: true, force: true });
  });

  test('reachable providers: ok, model counts, a mapped model missing is a warning; secrets never printed', async () => {
    const r = await runGw(['test-connection', 'up', 'claude', 'web', 'mock', '-f', 'providers.yaml'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^up\s+openai\s+ok\s+\d+ms\s+2\s+http:\/\/127\.0\.0\.1:\d+\/v1\/models$/m);
    assert.match(r.stdout, /^claude\s+anthropic\s+ok\s+\d+ms\s+1\s/m);
    assert.match(r.stdout, /^web\s+http\s+ok\s+\d+ms\s+-\s+http:\/\/127\.0\.0\.1:\d+\/web\/health$/m);
    assert.match(r.stdout, /^mock\s+mock\s+ok\s+-\s+-\s+\(built-in, no I\/O\)$/m);
    assert.match(r.stdout, /warning up: mapped model 'gpt-gone' is not in the upstream's model list/);
    assert.doesNotMatch(r.stdout, /claude: mapped model/);
    assert.match(r.stdout, /4 providers reachable, 1 mapped model missing upstream/);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET) && !r.stdout.includes(ANT_SECRET));
    // The probes carried each provider's auth; Anthropic got its version header and one big page.
    const ant = seen.find((s) => s.url.startsWith('/anthropic/'));
    assert.equal(ant?.url, '/anthropic/v1/models?limit=1000');
    assert.equal(ant?.headers['x-api-key'], ANT_SECRET);
    assert.equal(ant?.headers['anthropic-version'], '2023-06-01');
  });

  test('a wrong upstream key is a failed probe with its HTTP status: exit 1', async () => {
    const r = await runGw(['test-connection', 'up', '-f', 'providers.yaml'], {
      cwd: dir,
      env: { ...env, UP_KEY: 'sk-wrong' },
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^up\s+openai\s+HTTP 401\s/m);
    assert.match(r.stdout, /check the provider auth/);
  });

  test('a dead port fails as connect refused: exit 1', async () => {
    const r = await runGw(['test-connection', 'dead', '-f', 'providers.yaml'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^dead\s+openai\s+connect refused\s/m);
    assert.match(r.stdout, /error dead: .*ECONNREFUSED/);
    assert.match(r.stdout, /1 of 1 provider failed/);
  });

  test('an upstream that never answers times out after --timeout: exit 1', async () => {
    const r = await runGw(['test-connection', 'hang', '--timeout', '300ms', '-f', 'providers.yaml'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const ms = Number(/^hang\s+openai\s+timeout\s+(\d+)ms/m.exec(r.stdout)?.[1]);
    assert.ok(ms >= 250 && ms < 5000, `gave up after ${ms} ms, not after --timeout 300ms (the default is 10s)`);
    assert.match(r.stdout, /no complete answer within 300 ms/);
  });

  test('all providers by default, concurrently; --output json carries every result', async () => {
    // Long enough for the live upstream on a busy machine, short enough for the hanging one.
    const r = await runGw(['test-connection', '--timeout', '2s', '-o', 'json', '-f', 'providers.yaml'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      providers: { name: string; ok: boolean; status: string; models: number | null; missing: string[] }[];
    };
    assert.equal(out.ok, false);
    const by = new Map(out.providers.map((p) => [p.name, p]));
    assert.deepEqual([...by.keys()].sort(), ['claude', 'dead', 'hang', 'mock', 'up', 'web']);
    assert.equal(by.get('up')?.models, 2);
    assert.deepEqual(by.get('up')?.missing, ['gpt-gone']);
    assert.equal(by.get('dead')?.status, 'connect refused');
    assert.equal(by.get('hang')?.status, 'timeout');
    assert.ok(!r.stdout.includes(SECRET));
  });

  test('proxy endpoints are probed with their own baseUrl and auth: GET {baseUrl}{probe.path}', async () => {
    const r = await runGw(['test-connection', '-o', 'json', '-f', 'proxies.yaml'], { cwd: dir, env });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { providers: { kind: string; name: string; status: string; url: string }[] };
    const by = new Map(out.providers.map((p) => [`${p.kind} ${p.name}`, p]));
    assert.deepEqual([...by.keys()].sort(), ['provider web', 'proxy endpoint moved', 'proxy endpoint web-api']);
    assert.equal(by.get('proxy endpoint web-api')?.status, 'ok');
    assert.equal(by.get('proxy endpoint moved')?.status, 'connect refused');
    assert.match(by.get('proxy endpoint moved')?.url ?? '', /\/web\/health$/);
    assert.ok(seen.some((s) => s.url === '/web/health' && s.headers['x-api-key'] === SECRET));
    assert.ok(!r.stdout.includes(SECRET));
    const pretty = await runGw(['test-connection', 'web-api', '-f', 'proxies.yaml'], { cwd: dir, env });
    assert.equal(pretty.code, 0);
    assert.match(pretty.stdout, /web-api \(proxy endpoint\)/);
  });

  test('an unknown provider name: exit 1 with the defined names', async () => {
    const r = await runGw(['test-connection', 'nope', '-f', 'providers.yaml'], { cwd: dir, env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown provider nope; defined: claude, dead, hang, mock, up, web/);
  });

  test('an unset provider secret fails that provider without sending anything; the others are probed', async () => {
    const before = seen.length;
    const r = await runGw(['test-connection', 'up', 'web', '-f', 'providers.yaml'], {
      cwd: dir,
      env: { UP_KEY: undefined, ANT_KEY: undefined },
    });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /^up\s+openai\s+secret unset\s/m);
    assert.match(r.stdout, /error up: GW_ERR_ENV_UNSET: UP_KEY is not set; nothing was sent/);
    assert.match(r.stdout, /^web\s+http\s+ok\s/m);
    assert.ok(
      seen.slice(before).every((s) => !String(s.headers.authorization ?? '').includes('unset')),
      'no request without the secret',
    );
  });
});
