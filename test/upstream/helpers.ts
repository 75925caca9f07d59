// Hand-built routing tables and a recording upstream on 127.0.0.1 for the upstream tests.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { GwError } from '../../src/errors.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CompiledChatEndpoint,
  CompiledEndpoint,
  CompiledProvider,
  CompiledTarget,
  FailureClass,
  MockBehaviour,
  RoutingTable,
} from '../../src/compile/routing-table.js';
import type { ChatCall } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';

export function httpProvider(name: string, baseUrl: string, extra: Partial<CompiledProvider> = {}): CompiledProvider {
  const u = new URL(baseUrl);
  return {
    id: `default/${name}`,
    name,
    workspace: 'default',
    type: 'openai',
    baseUrl,
    origin: u.origin,
    basePath: u.pathname.replace(/\/$/, ''),
    headers: { authorization: 'Bearer upstream-secret' },
    tls: { rejectUnauthorized: true, ca: undefined },
    timeoutMs: 5000,
    pricing: new Map(),
    mock: undefined,
    probePath: '/models',
    ...extra,
  };
}

export function mockProvider(name: string, mock: Partial<MockBehaviour> = {}): CompiledProvider {
  return {
    id: `default/${name}`,
    name,
    workspace: 'default',
    type: 'mock',
    baseUrl: '',
    origin: '',
    basePath: '',
    headers: {},
    tls: { rejectUnauthorized: true, ca: undefined },
    timeoutMs: 5000,
    pricing: new Map(),
    mock: { reply: 'mock reply: {{input}}', latencyMs: 0, chunkSize: 8, failStatus: undefined, ...mock },
    probePath: '/models',
  };
}

export function to(provider: CompiledProvider, models: Record<string, string>, weight = 1): CompiledTarget {
  return { kind: 'provider', provider, models: new Map(Object.entries(models)), weight };
}

export function toEndpoint(endpoint: string, models: Record<string, string>, weight = 1): CompiledTarget {
  return { kind: 'endpoint', endpoint, models: new Map(Object.entries(models)), weight };
}

export function chatEndpoint(
  name: string,
  targets: CompiledTarget[],
  extra: Partial<CompiledChatEndpoint> = {},
): CompiledChatEndpoint {
  const models: string[] = [];
  for (const t of targets) for (const m of t.models.keys()) if (!models.includes(m)) models.push(m);
  return {
    type: 'chat',
    id: `default/${name}`,
    name,
    workspace: 'default',
    enabled: true,
    description: undefined,
    allowedRoles: new Set(['admin', 'editor', 'reviewer', 'auditor']),
    timeoutMs: undefined,
    strategy: 'fallback',
    retries: { attempts: 0, backoffMs: 10 },
    fallbackOn: new Set<FailureClass>(['timeout', 'connect', '429', '5xx']),
    targets,
    models,
    defaultModel: models[0],
    params: {},
    lockParams: false,
    prompt: { system: undefined, template: undefined },
    inputSchema: undefined,
    outputSchema: undefined,
    schemaJson: { input: undefined, output: undefined },
    limits: { rpm: undefined, rph: undefined, tpm: undefined, maxInputTokens: undefined, monthlyBudgetUsd: undefined },
    guardrails: [],
    streaming: true,
    sessions: undefined,
    mcp: { expose: false, description: undefined },
    ...extra,
  };
}

export function table(endpoints: CompiledEndpoint[], providers: CompiledProvider[] = []): RoutingTable {
  const eps = new Map(endpoints.map((e) => [e.name, e]));
  const models = new Map<string, CompiledChatEndpoint>();
  for (const e of endpoints) if (e.type === 'chat') for (const m of e.models) models.set(m, e);
  const provs = new Map<string, CompiledProvider>();
  for (const p of providers) provs.set(p.id, p);
  for (const e of endpoints) {
    if (e.type === 'chat') for (const t of e.targets) if (t.kind === 'provider') provs.set(t.provider.id, t.provider);
  }
  return {
    hash: 'test',
    workspaces: new Map([['default', { name: 'default', endpoints: eps, models }]]),
    providers: provs,
    keys: new Map(),
    counts: { providers: provs.size, endpoints: eps.size, keys: 0, guardrails: 0 },
  };
}

export function call(t: RoutingTable, endpoint: string, model: string, extra: Partial<ChatCall> = {}): ChatCall {
  const ep = t.workspaces.get('default')?.endpoints.get(endpoint);
  if (ep === undefined || ep.type !== 'chat') throw new Error(`no chat endpoint ${endpoint}`);
  return {
    table: t,
    endpoint: ep,
    model,
    body: { model, messages: [{ role: 'user', content: 'hello there' }] },
    stream: false,
    signal: new AbortController().signal,
    requestId: 'req-test',
    ...extra,
  };
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, rec: Recorded) => void;

export interface Upstream {
  readonly url: string;
  readonly requests: Recorded[];
  handler: Handler;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records every request, then lets handler answer. */
export async function startUpstream(handler: Handler = okJson('hi')): Promise<Upstream> {
  const requests: Recorded[] = [];
  const up: { handler: Handler } = { handler };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
      requests.push(rec);
      up.handler(req, res, rec);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get handler() {
      return up.handler;
    },
    set handler(h: Handler) {
      up.handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function completion(model: unknown, text: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  };
}

export function okJson(text: string): Handler {
  return (_req, res, rec) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion(rec.body.model, text)));
  };
}

export function status(code: number, message = `failing with ${code}`, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message, type: 'server_error' } }));
  };
}

export function chunk(model: unknown, delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

export function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** A port nothing listens on: bind, read the port, close. */
export async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/** A promise plus its resolver, to let a test and a fake upstream take turns without sleeps. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * One pool registry and the upstreams a test file starts, all closed after the file:
 * `const { pools, upstream } = upstreamHarness();`
 */
export function upstreamHarness(): { pools: PoolRegistry; upstream: (handler?: Handler) => Promise<Upstream> } {
  const pools = new PoolRegistry();
  const ups: Upstream[] = [];
  after(async () => {
    await pools.close();
    await Promise.all(ups.map((u) => u.close()));
  });
  return {
    pools,
    upstream: async (handler?: Handler) => {
      const u = await startUpstream(handler);
      ups.push(u);
      return u;
    },
  };
}

/** Awaits `p`, which must reject with a GwError; returns it. */
export async function rejects(p: Promise<unknown>): Promise<GwError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GwError, `expected GwError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
