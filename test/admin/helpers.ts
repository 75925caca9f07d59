// Runs real `gw serve` processes for the control-plane tests: free ports, a temp gateway.yaml,
// the "listening" line awaited, admin calls with or without the key; and an admin listener in
// process with raw requests (any Host, Origin, Content-Type) for the cross-site tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAdminRuntime } from '../../src/admin/runtime.js';
import type { AuthThrottle } from '../../src/admin/throttle.js';
import type { RoutingTable } from '../../src/compile/routing-table.js';
import { buildFromManifests } from '../../src/config/from-manifests.js';
import { RevisionStore } from '../../src/state/revisions.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { sha, freePort, waitForLine } from '../helpers/gw.js';

export { freePort, waitForLine };

export const BIN = resolve('bin/gw');
export const ADMIN_KEY = 'gw-admin-test-key-0123456789abcdefghij';
export const CALLER_KEY = 'gw-c1-caller-key';
export const UPSTREAM_SECRET = 'sk-c1-upstream-secret-value';

export { sha };

export function gatewayYaml(o: { proxyPort: number; adminListen: string; key?: boolean; manifests?: boolean }): string {
  return `apiVersion: gw/v1
kind: Gateway
metadata: { name: c1-test }
spec:
  proxy: { listen: 127.0.0.1:${o.proxyPort} }
  admin: { listen: ${o.adminListen}${o.key === false ? '' : ', key: "${env:GW_ADMIN_KEY}"'} }
${o.manifests === false ? '' : '  manifests: [manifests]\n'}  storage: { sqlite: ./state/gw.db, flushInterval: 20ms }
  log: { level: info }
  shutdown: { drainTimeout: 2s }
`;
}

/** Provider `up` (its key a reference), endpoint `support` exposing `fast` -> `upstreamModel`, key `app`. */
export function manifestsYaml(upstreamUrl: string, upstreamModel: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { bearer: "\${env:GW_C1_UPSTREAM_KEY}" }
  timeout: 5s
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { fast: ${upstreamModel} } } ] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(CALLER_KEY)}", roles: [editor], scopes: [chat] }
`;
}

export interface RunningGw {
  readonly child: ChildProcess;
  readonly line: string;
  readonly proxy: string;
  readonly admin: string;
  stderr(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startGw(
  dir: string,
  o: { proxyPort: number; adminPort: number; env?: Record<string, string> },
): Promise<RunningGw> {
  const child = spawn(process.execPath, [BIN, 'serve', '-c', 'gateway.yaml'], {
    cwd: dir,
    env: { ...process.env, GW_ADMIN_KEY: ADMIN_KEY, GW_C1_UPSTREAM_KEY: UPSTREAM_SECRET, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let line: string;
  try {
    line = await waitForLine(child, /listening on http/);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    child,
    line,
    proxy: `http://127.0.0.1:${o.proxyPort}`,
    admin: `http://127.0.0.1:${o.adminPort}`,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export async function admin(
  base: string,
  path: string,
  o: { method?: string; body?: unknown; key?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = o.key === undefined ? ADMIN_KEY : o.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  const res = await fetch(`${base}${path}`, {
    method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Prometheus text.
  }
  return { status: res.status, body, text };
}

/** One chat request through the proxy; returns the status and the upstream model that answered. */
export async function chat(proxy: string): Promise<{ status: number; model: string | undefined }> {
  const res = await fetch(`${proxy}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CALLER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hello' }] }),
  });
  const body = (await res.json()) as { model?: string };
  return { status: res.status, model: body.model };
}

/** An admin listener in this process (the real runtime, a temp SQLite file) on 127.0.0.1:0. */
export interface InProcessAdmin {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startAdminInProcess(
  o: { key?: string; authThrottle?: AuthThrottle } = {},
): Promise<InProcessAdmin> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-admin-ip-'));
  const db = join(dir, 'gw.db');
  const usageLog = UsageLog.open(db, { flushIntervalMs: 20 });
  const store = RevisionStore.open(db);
  let table: RoutingTable | undefined;
  const runtime = createAdminRuntime({
    settings: { admin: { host: '127.0.0.1', port: 0, key: o.key } },
    store,
    usageLog,
    metrics: createMetrics({ processMetrics: false }),
    logger: createLogger({ level: 'silent' }),
    swap: (t) => (table = t),
    table: () => table,
    build: (m, label) => buildFromManifests(m, { gateway: undefined, configPath: undefined }, { label }),
    ...(o.authThrottle !== undefined ? { authThrottle: o.authThrottle } : {}),
  });
  const url = await runtime.listen();
  return {
    url,
    port: Number(new URL(url).port),
    async close(): Promise<void> {
      await runtime.close();
      usageLog.close();
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One request through node:http, which (unlike fetch) sends any Host, Origin or Sec-Fetch-Site given. */
export function raw(
  base: string,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer & { headers: IncomingHttpHeaders }> {
  const u = new URL(base);
  return new Promise((done, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          done({ status: res.statusCode ?? 0, body, text, headers: res.headers });
        });
      },
    );
    req.on('error', fail);
    req.end(o.body);
  });
}
