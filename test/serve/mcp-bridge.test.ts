// The MCP bridge's bounds, in process with small limits and a clock the test moves: open
// sessions per key and in all (429 GW_ERR_MCP_SESSIONS_FULL), a DELETE frees a place, and an
// idle session expires (its id then answers 404 GW_ERR_MCP_SESSION_NOT_FOUND).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { buildConfig } from '../../src/config/build.js';
import { createGateway, type Gateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';

const KEY = { a: 'gw-bridge-a', b: 'gw-bridge-b' };
let dir: string;
let gateway: Gateway;
let url: string;
let offset = 0;
const open: { client: Client; transport: StreamableHTTPClientTransport }[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-mcp-bridge-'));
  const key = (name: string, secret: string): string => `---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ${name} }
spec: { keyHash: "${sha(secret)}", roles: [editor], scopes: [mcp] }
`;
  await writeFile(
    join(dir, 'm.yaml'),
    `apiVersion: gw/v1
kind: Provider
metadata: { name: local }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: tool }
spec:
  type: chat
  routing: { targets: [{ provider: local, models: { tool: a } }] }
  mcp: { expose: true }
${key('key-a', KEY.a)}${key('key-b', KEY.b)}`,
  );
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: bridge }
spec:
  proxy: { listen: 127.0.0.1:0 }
  manifests: [m.yaml]
  storage: { sqlite: ./gw.db }
`,
  );
  const built = await buildConfig({ configPath: join(dir, 'gateway.yaml') });
  if (!built.ok) throw new Error(JSON.stringify(built.diagnostics));
  gateway = createGateway({
    settings: built.settings,
    table: built.table,
    usageLog: { record: () => undefined, close: () => undefined },
    logger: createLogger({ level: 'warn', destination: { write: () => undefined } }),
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
    clock: () => Date.now() + offset,
    mcpSessions: { maxSessionsPerKey: 2, maxSessions: 3, idleMs: 60_000 },
  });
  url = await gateway.listen();
});

after(async () => {
  await Promise.all(open.map((o) => o.client.close().catch(() => undefined)));
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

async function connect(key: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp/default`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'bridge-test', version: '1.0.0' });
  await client.connect(transport);
  const o = { client, transport };
  open.push(o);
  return o;
}

async function refused(key: string): Promise<string> {
  const client = new Client({ name: 'bridge-test', version: '1.0.0' });
  let message = '';
  await assert.rejects(
    client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp/default`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    ),
    (err: Error & { code?: number }) => {
      assert.equal(err.code, 429);
      message = err.message;
      return true;
    },
  );
  await client.close();
  return message;
}

/** The status a request with a session id gets now. */
async function statusOf(sessionId: string, key: string): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(`${url}/mcp/default`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
  });
  const text = await res.text();
  const code = res.status === 404 ? (JSON.parse(text) as { error: { code: string } }).error.code : undefined;
  return { status: res.status, code };
}

test('sessions are bounded per key and in all; a DELETE frees a place; a session is bound to its key', async () => {
  const a1 = await connect(KEY.a);
  await connect(KEY.a);
  assert.match(await refused(KEY.a), /2 for one key.*GW_ERR_MCP_SESSIONS_FULL/);
  await connect(KEY.b);
  assert.match(await refused(KEY.b), /3 in all.*GW_ERR_MCP_SESSIONS_FULL/);

  // Another key cannot use a's session.
  const id = a1.transport.sessionId ?? '';
  assert.deepEqual(await statusOf(id, KEY.b), { status: 404, code: 'GW_ERR_MCP_SESSION_NOT_FOUND' });
  assert.equal((await statusOf(id, KEY.a)).status, 200);

  await a1.transport.terminateSession();
  await connect(KEY.b);
});

test('a session with no request for idleMs is closed; its id is then unknown', async () => {
  // The first test left every place taken: once they are idle long enough, an initialize finds room.
  assert.match(await refused(KEY.a), /3 in all/);
  offset += 61_000;
  const s = await connect(KEY.a);
  const id = s.transport.sessionId ?? '';
  assert.equal((await statusOf(id, KEY.a)).status, 200);
  offset += 61_000;
  // The next initialize sweeps the idle sessions first, so it finds room.
  const fresh = await connect(KEY.a);
  assert.deepEqual(await statusOf(id, KEY.a), { status: 404, code: 'GW_ERR_MCP_SESSION_NOT_FOUND' });
  assert.ok((await fresh.client.listTools()).tools.some((t) => t.name === 'tool'));
});
