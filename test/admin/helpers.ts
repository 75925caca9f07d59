// Runs real `gw serve` processes for the control-plane tests: free ports, a temp gateway.yaml,
// the "listening" line awaited, admin calls with or without the key.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
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

export async function startGw(dir: string, o: { proxyPort: number; adminPort: number; env?: Record<string, string> }): Promise<RunningGw> {
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

export async function admin(base: string, path: string, o: { method?: string; body?: unknown; key?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = o.key === undefined ? ADMIN_KEY : o.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  const res = await fetch(`${base}${path}`, { method: o.method ?? (o.body === undefined ? 'GET' : 'POST'), headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
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
