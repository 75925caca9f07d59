// Shared fixtures for the serve tests: a recording fake OpenAI upstream on 127.0.0.1, a temp
// config folder with manifests pointing at it, and an in-process gateway on port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/build.js';
import type { RateLimiter } from '../../src/policy/rate-limits.js';
import { createReloader, type Reloader, type ReloadResult } from '../../src/serve/reload.js';
import { createGateway, type Gateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';

export const UPSTREAM_KEY = 'sk-upstream-test-secret';

export const KEYS = {
  app: 'gw-test-app-key',
  limited: 'gw-test-limited-key',
  noscope: 'gw-test-noscope-key',
  disabled: 'gw-test-disabled-key',
  expired: 'gw-test-expired-key',
  viewer: 'gw-test-viewer-key',
  other: 'gw-test-other-ws-key',
} as const;

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export interface FakeUpstream {
  readonly url: string;
  readonly requests: Recorded[];
  /** Resolves with each upstream request's `close` (used to see aborts). */
  readonly closed: Promise<void>[];
  close(): Promise<void>;
}

export type UpstreamHandler = (r: Recorded, res: ServerResponse, req: IncomingMessage) => void;

function lastUser(body: Record<string, unknown>): string {
  const msgs = (body['messages'] as { role: string; content: string }[] | undefined) ?? [];
  return [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
}

/** Answers like OpenAI: echo of the last user message, streamed word by word when asked. */
export const echoHandler: UpstreamHandler = (r, res) => {
  const model = String(r.body['model']);
  if (r.url.endsWith('/embeddings')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    // The SDK asks for base64 (little-endian float32) unless told otherwise.
    const vec = [0.5, 0.25];
    const embedding =
      r.body['encoding_format'] === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
    res.end(
      JSON.stringify({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding }],
        model,
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    );
    return;
  }
  const text = `echo: ${lastUser(r.body)}`;
  if (r.body['stream'] !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }));
  for (const w of text.split(' ')) res.write(chunk({ content: `${w} ` }));
  res.write(chunk({}, 'stop'));
  res.write(
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
};

export async function startUpstream(handler: UpstreamHandler = echoHandler): Promise<FakeUpstream> {
  const requests: Recorded[] = [];
  const closed: Promise<void>[] = [];
  const server: Server = createServer((req, res) => {
    closed.push(new Promise((done) => res.on('close', () => done())));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const r: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      requests.push(r);
      handler(r, res, req);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    closed,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** The manifests every serve test uses; `alias` is the extra model name the reload test flips. */
export function manifests(upstreamUrl: string, alias = 'fast'): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { bearer: "\${env:GW_TEST_UPSTREAM_KEY:-${UPSTREAM_KEY}}" }
  timeout: 5s
  models: { up-fast: { inputPer1k: 1, outputPer1k: 2 } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  routing:
    targets:
      - provider: up
        models: { ${alias}: up-fast, smart: up-smart, hang: up-hang, break: up-break, fail: up-fail, slow: up-slow }
  defaultModel: ${alias}
  params: { temperature: 0.2, max_tokens: 100 }
  prompt: { system: "Be brief.", template: "Q: {{input}}" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: quiet }
spec:
  type: chat
  streaming: false
  lockParams: true
  params: { temperature: 0 }
  routing: { targets: [ { provider: up, models: { hush: up-hush } } ] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: retired }
spec:
  type: chat
  enabled: false
  routing: { targets: [ { provider: up, models: { gone: up-gone } } ] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: vault }
spec:
  type: chat
  allowedRoles: [admin]
  routing: { targets: [ { provider: up, models: { secret-model: up-secret } } ] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: elsewhere, workspace: other }
spec:
  type: chat
  routing: { targets: [ { provider: up2, models: { far: up-far } } ] }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: up2, workspace: other }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { none: true }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(KEYS.app)}", roles: [editor], scopes: [chat] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: limited }
spec: { keyHash: "${sha(KEYS.limited)}", roles: [editor], scopes: [chat], allow: { endpoints: [support], models: [${alias}] } }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: noscope }
spec: { keyHash: "${sha(KEYS.noscope)}", roles: [editor], scopes: [mcp] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: off }
spec: { keyHash: "${sha(KEYS.disabled)}", roles: [editor], scopes: [chat], enabled: false }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: old }
spec: { keyHash: "${sha(KEYS.expired)}", roles: [editor], scopes: [chat], expiresAt: "2020-01-01T00:00:00Z" }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: viewer }
spec: { keyHash: "${sha(KEYS.viewer)}", roles: [auditor], scopes: [chat], allow: { endpoints: [support, vault] } }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: far-app, workspace: other }
spec: { keyHash: "${sha(KEYS.other)}", roles: [editor], scopes: [chat] }
`;
}

/** `proxy` adds or overrides fields of spec.proxy (e.g. { headersTimeout: '500ms' }). */
export function gatewayYaml(port = 0, extra = '', proxy: Readonly<Record<string, string | number>> = {}): string {
  const fields = Object.entries({ listen: `127.0.0.1:${port}`, maxBodyBytes: 4096, ...proxy })
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `apiVersion: gw/v1
kind: Gateway
metadata: { name: test }
spec:
  proxy: { ${fields} }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: info }
  shutdown: { drainTimeout: 2s }
${extra}`;
}

/** Writes through a temp file and a rename, as editors do. */
export async function atomicWrite(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export interface TestGateway {
  readonly url: string;
  readonly dir: string;
  readonly gateway: Gateway;
  readonly usageLog: UsageLog;
  readonly reloader: Reloader;
  readonly logLines: Record<string, unknown>[];
  readonly manifestPath: string;
  stop(): Promise<void>;
}

/** A temp config folder and an in-process gateway on 127.0.0.1, port 0. */
export async function startGateway(
  upstreamUrl: string,
  opts: {
    proxy?: Readonly<Record<string, string | number>>;
    /** More manifests, appended to manifests() (a YAML stream starting with ---). */
    extraManifests?: string;
    /** The gateway's rate-limit counters (e.g. on an injected clock). */
    rateLimits?: RateLimiter;
  } = {},
): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-serve-'));
  const manifestPath = join(dir, 'manifests', 'all.yaml');
  await mkdir(join(dir, 'manifests'));
  await writeFile(manifestPath, manifests(upstreamUrl) + (opts.extraManifests ?? ''));
  const configPath = join(dir, 'gateway.yaml');
  await writeFile(configPath, gatewayYaml(0, '', opts.proxy));
  const first = await buildConfig({ configPath });
  if (!first.ok) throw new Error(`test config invalid: ${JSON.stringify(first.diagnostics, null, 1)}`);
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (s: string) => void logLines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  const usageLog = UsageLog.open(first.settings.storage.sqlitePath, { flushIntervalMs: 10 });
  const pools = new PoolRegistry();
  const gateway = createGateway({
    settings: first.settings,
    table: first.table,
    usageLog,
    logger,
    pools,
    upstream: { executeChat, executeEmbeddings },
    rateLimits: opts.rateLimits,
  });
  const url = await gateway.listen();
  const reloader = createReloader({
    load: async (): Promise<ReloadResult> => {
      const r = await buildConfig({ configPath });
      return r.ok ? { ok: true, table: r.table, diagnostics: r.diagnostics } : r;
    },
    swap: (t) => gateway.swap(t),
    logger,
  });
  return {
    url,
    dir,
    gateway,
    usageLog,
    reloader,
    logLines,
    manifestPath,
    stop: async () => {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const chunkOf = (model: string, delta: Record<string, unknown>): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

/**
 * echoHandler plus misbehaving models: up-hang streams one chunk and then stalls, up-break
 * sends one chunk and resets the connection, up-fail answers 500, up-slow answers after `slowMs`,
 * up-stall never answers.
 */
export function scriptedHandler(slowMs = 150): UpstreamHandler {
  return (r, res, req) => {
    const model = String(r.body['model']);
    if (model === 'up-hang') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkOf(model, { role: 'assistant', content: 'first ' }));
      return;
    }
    if (model === 'up-break') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkOf(model, { role: 'assistant', content: 'partial ' }));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (model === 'up-stall') return; // never answers: only a timeout ends it
    if (model === 'up-fail') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'upstream exploded', type: 'server_error' } }));
      return;
    }
    if (model === 'up-slow') {
      setTimeout(() => echoHandler(r, res, req), slowMs);
      return;
    }
    echoHandler(r, res, req);
  };
}
