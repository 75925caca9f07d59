// A fleet of real `gw serve` processes sharing one real Redis (limits.backend: redis), each in
// its own folder with its own SQLite, plus a priced OpenAI-shaped upstream on 127.0.0.1.
// Needs `npm run build` (bin/gw runs dist/) and redis-server (helpers/redis.ts).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GW_BIN, freePort, sha } from '../helpers/gw.js';

export const ADMIN_KEY = 'gw-e2e-fleet-admin-key-0123456789abcdef';

/** The caller keys of fleetManifests: one per limit under test. */
export const KEYS = { rated: 'gw-e2e-fleet-rated', payer: 'gw-e2e-fleet-payer', free: 'gw-e2e-fleet-free' } as const;

/**
 * Provider `up` (openai, priced $1 per 1k tokens in and out) answering through `upstreamUrl`;
 * endpoint `bot` (model `fast`, max_tokens locked at 10), endpoint `chatty` (model `talk`, with
 * sessions); keys `rated` (rpm 7), `payer`
 * (monthlyBudgetUsd 0.1) and `free` (rpm 1000).
 */
export function fleetManifests(upstreamUrl: string): string {
  const key = (name: keyof typeof KEYS, limits: string): string => `---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ${name} }
spec:
  keyHash: ${sha(KEYS[name])}
  allow: { endpoints: [bot, chatty] }
  limits: { ${limits} }
`;
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { none: true }
  models:
    up-1: { inputPer1k: 1, outputPer1k: 1 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: bot }
spec:
  type: chat
  params: { max_tokens: 10 }
  lockParams: true
  routing: { targets: [ { provider: up, models: { fast: up-1 } } ] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chatty }
spec:
  type: chat
  sessions: { ttl: 1h, maxMessages: 20 }
  routing: { targets: [ { provider: up, models: { talk: up-1 } } ] }
${key('rated', 'rpm: 7')}${key('payer', 'monthlyBudgetUsd: 0.1')}${key('free', 'rpm: 1000')}`;
}

export interface Upstream {
  readonly url: string;
  /** Chat calls that reached it. */
  readonly calls: number;
  /** The `content` of each message of the last chat call, in order. */
  readonly lastMessages: readonly string[];
  close(): Promise<void>;
}

/** Answers every chat call after `delayMs` with usage 1 prompt + 10 completion tokens ($0.011 at $1/1k). */
export async function startUpstream(delayMs = 0): Promise<Upstream> {
  let calls = 0;
  let lastMessages: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      try {
        const sent = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages?: { content: string }[] };
        lastMessages = (sent.messages ?? []).map((m) => m.content);
      } catch {
        lastMessages = [];
      }
      setTimeout(() => {
        const body = JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: 'up-1',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 10, total_tokens: 11 },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    get lastMessages() {
      return lastMessages;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Member {
  readonly dir: string;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly stderr: () => string;
  stop(): Promise<number | null>;
}

export interface MemberOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly failMode?: 'open' | 'closed';
  /** The manifests (files mode); none: the config comes from `gw apply`. */
  readonly manifests?: string;
}

/** One `gw serve` in a fresh folder under `root`, with limits.backend redis; resolves once it listens. */
export async function startMember(root: string, o: MemberOptions): Promise<Member> {
  const dir = await mkdtemp(join(root ?? tmpdir(), 'member-'));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  let manifests = '';
  if (o.manifests !== undefined) {
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'all.yaml'), o.manifests);
    manifests = '  manifests: [./manifests]\n';
  }
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: fleet-e2e }
spec:
  proxy: { listen: 127.0.0.1:${proxyPort} }
  admin: { listen: 127.0.0.1:${adminPort}, key: "\${env:GW_ADMIN_KEY}" }
  storage: { sqlite: ./state/gw.db, flushInterval: 20ms }
  limits: { backend: redis, url: "\${env:REDIS_URL}", keyPrefix: "${o.keyPrefix}", timeout: 1s, failMode: ${o.failMode ?? 'open'} }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
${manifests}`,
  );
  const child = spawn(process.execPath, [GW_BIN, 'serve'], {
    cwd: dir,
    env: { ...process.env, GW_ADMIN_KEY: ADMIN_KEY, REDIS_URL: o.redisUrl, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let stdout = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await new Promise<void>((done, fail) => {
    const onData = (d: Buffer): void => {
      stdout += d.toString();
      if (/listening on/.test(stdout)) done();
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => fail(new Error(`gw serve exited (${code}) before listening: ${stderr}${stdout}`)));
  });
  return {
    dir,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    stderr: () => stderr + stdout,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One chat request; the status and the error code (or the reply). Aborts after `timeoutMs`. */
export async function chat(
  proxyUrl: string,
  key: keyof typeof KEYS,
  timeoutMs = 5000,
): Promise<{ status: number; code: string }> {
  const res = await fetch(`${proxyUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS[key]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { code: string } };
  return { status: res.status, code: body.error?.code ?? body.choices?.[0]?.message.content ?? '' };
}

/** The admin listener's Prometheus text. */
export async function metrics(adminUrl: string): Promise<string> {
  const res = await fetch(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return res.text();
}
