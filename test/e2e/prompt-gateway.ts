// An in-process gw for the prompt-endpoint tests (schemas, sessions, the simple API): two
// OpenAI-type providers on one recording fake upstream, whose answer depends on the upstream
// model (an echo, good JSON, bad JSON, a stall), and a clock the tests move (session TTLs).
import type { ServerResponse } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/build.js';
import { MemorySessionStore } from '../../src/policy/memory-stores.js';
import { createGateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';
import { echoHandler, startUpstream, type FakeUpstream, type Recorded } from '../serve/helpers.js';

export const KEY = { app: 'gw-prompt-app', admin: 'gw-prompt-admin', other: 'gw-prompt-other', ops: 'gw-prompt-ops' };

const FIXED: Readonly<Record<string, string>> = {
  'json-good': '{"answer": "yes"}',
  'json-fenced': '```json\n{"answer": "fenced"}\n```',
  'json-bad': 'not json at all',
  'json-wrong': '{"reply": 1}',
};

/** Fixed answers for the json-* models, a stall for 'stall', an echo otherwise. */
function handler(r: Recorded, res: ServerResponse, req: import('node:http').IncomingMessage): void {
  const model = String(r.body['model']);
  if (model === 'stall') return;
  const fixed = FIXED[model];
  if (fixed === undefined) return echoHandler(r, res, req);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-fixed',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: fixed }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    }),
  );
}

function manifests(url: string): string {
  const provider = (name: string): string => `apiVersion: gw/v1
kind: Provider
metadata: { name: ${name} }
spec: { type: openai, baseUrl: ${url}/v1, auth: { none: true }, timeout: 5s }
---
`;
  const key = (name: string, secret: string, roles: string): string => `---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ${name} }
spec: { keyHash: "${sha(secret)}", roles: [${roles}], scopes: [chat] }
`;
  return `${provider('up-a')}${provider('up-b')}apiVersion: gw/v1
kind: Endpoint
metadata: { name: typed }
spec:
  type: chat
  description: Weather by city
  routing: { targets: [{ provider: up-a, models: { typed: echo-typed } }] }
  prompt: { system: "Answer briefly.", template: "City {{input.city}} in {{ input.unit }}; all: {{input}}" }
  schema:
    input:
      type: object
      required: [city]
      additionalProperties: false
      properties: { city: { type: string }, unit: { enum: [c, f] } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: strict }
spec:
  type: chat
  routing:
    targets:
      - { provider: up-a, models: { strict: json-bad } }
      - { provider: up-b, models: { strict: json-good } }
  schema: { output: { type: object, required: [answer], properties: { answer: { type: string } } } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: fenced }
spec:
  type: chat
  routing: { targets: [{ provider: up-a, models: { fenced: json-fenced } }] }
  schema: { output: { type: object, required: [answer] } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: never }
spec:
  type: chat
  routing:
    targets:
      - { provider: up-a, models: { never: json-bad } }
      - { provider: up-b, models: { never: json-wrong } }
  schema: { output: { type: object, required: [answer] } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chatty }
spec:
  type: chat
  routing: { targets: [{ provider: up-a, models: { chatty: echo-chatty } }] }
  prompt: { system: "Be kind." }
  sessions: { ttl: 1m, maxMessages: 4 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: tokeny }
spec:
  type: chat
  routing: { targets: [{ provider: up-a, models: { tokeny: echo-tokeny } }] }
  sessions: { ttl: 1h, maxTokens: 40 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: admins }
spec:
  type: chat
  allowedRoles: [admin]
  routing: { targets: [{ provider: up-a, models: { secret: echo-secret } }] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: plain }
spec:
  type: chat
  streaming: false
  routing: { targets: [{ provider: up-a, models: { plain: echo-plain } }] }
  limits: { maxInputTokens: 50 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: limited }
spec:
  type: chat
  routing: { targets: [{ provider: up-a, models: { limited: echo-limited } }] }
  limits: { rpm: 1 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: slow }
spec:
  type: chat
  timeout: 150ms
  routing: { targets: [{ provider: up-a, models: { slow: stall } }] }
${key('app', KEY.app, 'editor')}${key('admin', KEY.admin, 'admin')}${key('other', KEY.other, 'editor')}${key('ops', KEY.ops, 'auditor')}`;
}

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: prompt }
spec:
  proxy: { listen: 127.0.0.1:0, maxBodyBytes: 16384 }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 1s }
`;

export interface PromptGateway {
  readonly url: string;
  readonly up: FakeUpstream;
  readonly sessions: MemorySessionStore<Readonly<Record<string, unknown>>>;
  /** Moves the gateway's clock forward. */
  advance(ms: number): void;
  stop(): Promise<void>;
}

export async function startPromptGateway(): Promise<PromptGateway> {
  const up = await startUpstream(handler);
  const dir = await mkdtemp(join(tmpdir(), 'gw-prompt-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(up.url));
  const configPath = join(dir, 'gateway.yaml');
  await writeFile(configPath, GATEWAY);
  const built = await buildConfig({ configPath });
  if (!built.ok) throw new Error(`test config invalid: ${JSON.stringify(built.diagnostics, null, 1)}`);
  const usageLog = UsageLog.open(built.settings.storage.sqlitePath, { flushIntervalMs: 10 });
  let offset = 0;
  const sessions = new MemorySessionStore<Readonly<Record<string, unknown>>>({ maxSessions: 100 });
  const gateway = createGateway({
    settings: built.settings,
    table: built.table,
    usageLog,
    logger: createLogger({ level: 'warn', destination: { write: () => undefined } }),
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
    sessions,
    clock: () => Date.now() + offset,
  });
  const url = await gateway.listen();
  return {
    url,
    up,
    sessions,
    advance: (ms) => void (offset += ms),
    stop: async () => {
      await gateway.close();
      await up.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
