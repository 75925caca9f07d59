// The MCP bridge end to end: the official MCP SDK client over Streamable HTTP against a real
// `gw serve` process and a fake OpenAI upstream on 127.0.0.1. Tools are listed per key, calls
// run the endpoint's whole pipeline (every refusal comes back as a tool error with the gateway's
// code), a reload changes the tool list and is announced to open sessions, and every call
// leaves a usage row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { freePort, runGw, sha, startServe, type ServingGw } from '../helpers/gw.js';
import { echoHandler, startUpstream, type FakeUpstream, type Recorded } from '../serve/helpers.js';

const KEY = {
  agent: 'gw-mcp-agent-key',
  chatOnly: 'gw-mcp-chat-only-key',
  revoked: 'gw-mcp-revoked-key',
  other: 'gw-mcp-other-workspace-key',
};
const ADMIN_KEY = 'gw-e2e-mcp-admin-key-0123456789abcdef';

/** A fixed JSON answer for the 'json-good' upstream model, an echo otherwise. */
function handler(r: Recorded, res: ServerResponse, req: IncomingMessage): void {
  if (r.body['model'] !== 'json-good') return echoHandler(r, res, req);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-json',
      object: 'chat.completion',
      created: 1,
      model: 'json-good',
      choices: [{ index: 0, message: { role: 'assistant', content: '{"answer": "yes"}' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    }),
  );
}

function manifests(url: string, opts: { added: boolean }): string {
  const ep = (name: string, body: string): string => `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: ${name} }
spec:
  type: chat
${body}`;
  const key = (name: string, secret: string, scopes: string, ws = 'default'): string => `---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ${name}, workspace: ${ws} }
spec: { keyHash: "${sha(secret)}", roles: [editor], scopes: [${scopes}] }
`;
  return [
    `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${url}/v1
  auth: { none: true }
  timeout: 5s
  models:
    echo-pricey: { inputPer1k: 1000, outputPer1k: 1000 }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: up, workspace: other }
spec: { type: openai, baseUrl: ${url}/v1, auth: { none: true }, timeout: 5s }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: no-secrets }
spec: { stage: input, action: block, message: No secrets here., rules: [ { keywords: [top-secret] } ] }
`,
    ep(
      'plain',
      `  description: Echoes the message
  routing: { targets: [{ provider: up, models: { plain: echo-plain } }] }
  mcp: { expose: true }
`,
    ),
    ep(
      'typed',
      `  description: Weather by city
  routing: { targets: [{ provider: up, models: { typed: echo-typed } }] }
  prompt: { template: "City {{input.city}} in {{input.unit}}" }
  schema:
    input:
      type: object
      required: [city]
      additionalProperties: false
      properties: { city: { type: string }, unit: { enum: [c, f] } }
  mcp: { expose: true, description: The weather in a city }
`,
    ),
    ep(
      'structured',
      `  routing: { targets: [{ provider: up, models: { structured: json-good } }] }
  schema: { output: { type: object, required: [answer], properties: { answer: { type: string } } } }
  mcp: { expose: true }
`,
    ),
    ep('hidden', `  routing: { targets: [{ provider: up, models: { hidden: echo-hidden } }] }\n`),
    ep(
      'admins',
      `  allowedRoles: [admin]
  routing: { targets: [{ provider: up, models: { admins: echo-admins } }] }
  mcp: { expose: true }
`,
    ),
    ep(
      'limited',
      `  routing: { targets: [{ provider: up, models: { limited: echo-limited } }] }
  limits: { rpm: 1 }
  mcp: { expose: true }
`,
    ),
    ep(
      'pricey',
      `  routing: { targets: [{ provider: up, models: { pricey: echo-pricey } }] }
  limits: { monthlyBudgetUsd: 0.01 }
  mcp: { expose: true }
`,
    ),
    ep(
      'guarded',
      `  routing: { targets: [{ provider: up, models: { guarded: echo-guarded } }] }
  guardrails: [no-secrets]
  mcp: { expose: true }
`,
    ),
    opts.added
      ? ep(
          'added',
          `  description: Arrived with a reload
  routing: { targets: [{ provider: up, models: { added: echo-added } }] }
  mcp: { expose: true }
`,
        )
      : '',
    `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: elsewhere, workspace: other }
spec:
  type: chat
  routing: { targets: [{ provider: up, models: { elsewhere: echo-elsewhere } }] }
  mcp: { expose: true }
`,
    key('agent', KEY.agent, 'mcp'),
    key('chat-only', KEY.chatOnly, 'chat'),
    // The reload takes the mcp scope away from this key.
    key('revoked', KEY.revoked, opts.added ? 'chat' : 'mcp'),
    key('other', KEY.other, 'mcp', 'other'),
  ].join('');
}

let dir: string;
let up: FakeUpstream;
let gw: ServingGw;
const clients: Client[] = [];

before(async () => {
  up = await startUpstream(handler);
  dir = await mkdtemp(join(tmpdir(), 'gw-mcp-'));
  await writeFile(join(dir, 'manifests.yaml'), manifests(up.url, { added: false }));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: mcp-e2e }
spec:
  proxy: { listen: 127.0.0.1:${proxyPort}, maxBodyBytes: 16384 }
  admin: { listen: 127.0.0.1:${adminPort}, key: "\${env:GW_ADMIN_KEY}" }
  manifests: [manifests.yaml]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 1s }
`,
  );
  gw = await startServe(dir, { proxy: proxyPort, admin: adminPort }, { GW_ADMIN_KEY: ADMIN_KEY });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gw?.stop();
  await up?.close();
  await rm(dir, { recursive: true, force: true });
});

function transport(
  key: string | undefined,
  workspace = 'default',
  onEventStream?: () => void,
): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(`${gw.proxyUrl}/mcp/${workspace}`), {
    requestInit: { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } },
    // Tells when the session's GET event stream (where list_changed arrives) is open.
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      if (init?.method === 'GET' && res.ok) onEventStream?.();
      return res;
    },
  });
}

async function connect(key = KEY.agent, workspace = 'default', onEventStream?: () => void): Promise<Client> {
  const client = new Client({ name: 'gw-e2e', version: '1.0.0' });
  await client.connect(transport(key, workspace, onEventStream));
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(r: CallToolResult): string {
  const first = r.content[0];
  assert.ok(first !== undefined && first.type === 'text', JSON.stringify(r));
  return first.text;
}

/** The gateway code of a tool error. */
function toolError(r: CallToolResult): string {
  assert.equal(r.isError, true, JSON.stringify(r));
  const code = /^(GW_ERR_[A-Z_]+): /.exec(text(r))?.[1];
  assert.ok(code !== undefined, text(r));
  assert.equal((r._meta?.['gw/error'] as { code: string }).code, code);
  return code;
}

test('tools/list shows the exposed endpoints the key may use, with their schemas', async () => {
  const client = await connect();
  assert.deepEqual(client.getServerVersion()?.name, 'gw');
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((t) => t.name),
    ['guarded', 'limited', 'plain', 'pricey', 'structured', 'typed'],
  );
  const byName = new Map(tools.map((t) => [t.name, t]));
  assert.equal(byName.get('plain')?.description, 'Echoes the message');
  assert.deepEqual(byName.get('plain')?.inputSchema.required, ['message']);
  assert.equal(byName.get('typed')?.description, 'The weather in a city');
  assert.deepEqual(byName.get('typed')?.inputSchema.required, ['city']);
  assert.equal(byName.get('structured')?.outputSchema?.type, 'object');
  assert.equal(byName.get('plain')?.outputSchema, undefined);
});

test('a key of another workspace sees its own tools only, and no server at this workspace', async () => {
  const client = await connect(KEY.other, 'other');
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((t) => t.name),
    ['elsewhere'],
  );
  const res = await fetch(`${gw.proxyUrl}/mcp/default`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEY.other}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    }),
  });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_ROUTE_NOT_FOUND');
});

test('calls: plain, with an input schema, with an output schema (structured content)', async () => {
  const client = await connect();
  // Listed first, so the client checks structuredContent against the tool's output schema.
  await client.listTools();
  const plain = await call(client, 'plain', { message: 'hello tools' });
  assert.equal(plain.isError, undefined);
  assert.equal(text(plain), 'echo: hello tools');

  const typed = await call(client, 'typed', { city: 'Lyon', unit: 'c' });
  assert.equal(text(typed), 'echo: City Lyon in c');
  const sent = up.requests.at(-1)?.body['messages'] as { role: string; content: string }[];
  assert.equal(sent.at(-1)?.content, 'City Lyon in c');

  const structured = await call(client, 'structured', { message: 'is it?' });
  assert.deepEqual(structured.structuredContent, { answer: 'yes' });
  assert.deepEqual(JSON.parse(text(structured)), { answer: 'yes' });
});

test('the MCP client config printed by gw curl connects, and lists the tool', async () => {
  const r = await runGw(['curl', 'plain', '--key', KEY.agent, '-o', 'json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const { mcp } = JSON.parse(r.stdout) as {
    mcp: { tool: string; config: { mcpServers: Record<string, { url: string; headers: Record<string, string> }> } };
  };
  const server = mcp.config.mcpServers['gw'];
  assert.ok(server !== undefined);
  const client = new Client({ name: 'gw-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }),
  );
  clients.push(client);
  assert.ok((await client.listTools()).tools.some((t) => t.name === mcp.tool));
});

test('a missing or unknown key is refused at the transport with 401', async () => {
  for (const key of [undefined, 'gw-mcp-no-such-key']) {
    const client = new Client({ name: 'gw-e2e', version: '1.0.0' });
    await assert.rejects(client.connect(transport(key)), (err: Error & { code?: number }) => {
      assert.equal(err.code, 401);
      assert.match(err.message, key === undefined ? /GW_ERR_AUTH_MISSING_KEY/ : /GW_ERR_AUTH_INVALID_KEY/);
      return true;
    });
    await client.close();
  }
});

test('a key without the mcp scope cannot open a session (403)', async () => {
  const client = new Client({ name: 'gw-e2e', version: '1.0.0' });
  await assert.rejects(client.connect(transport(KEY.chatOnly)), (err: Error & { code?: number }) => {
    assert.equal(err.code, 403);
    assert.match(err.message, /GW_ERR_AUTH_SCOPE/);
    return true;
  });
  await client.close();
});

test('refusals are tool errors with the gateway code: role, not exposed, input schema, guardrail, rate limit, budget', async () => {
  const client = await connect();
  assert.equal(toolError(await call(client, 'admins', { message: 'hi' })), 'GW_ERR_AUTH_ROLE');
  assert.equal(toolError(await call(client, 'hidden', { message: 'hi' })), 'GW_ERR_MODEL_NOT_FOUND');
  assert.equal(toolError(await call(client, 'elsewhere', { message: 'hi' })), 'GW_ERR_MODEL_NOT_FOUND');
  assert.equal(toolError(await call(client, 'typed', { town: 'Lyon' })), 'GW_ERR_INPUT_SCHEMA');
  assert.equal(toolError(await call(client, 'plain', { text: 'no message' })), 'GW_ERR_BAD_REQUEST');
  const blocked = await call(client, 'guarded', { message: 'this is top-secret' });
  assert.equal(toolError(blocked), 'GW_ERR_GUARDRAIL_BLOCKED');
  assert.match(text(blocked), /No secrets here/);
  assert.equal(text(await call(client, 'limited', { message: 'first' })), 'echo: first');
  assert.equal(toolError(await call(client, 'limited', { message: 'second' })), 'GW_ERR_RATE_LIMITED');
  assert.equal(toolError(await call(client, 'pricey', { message: 'hi' })), 'GW_ERR_BUDGET_EXCEEDED');
});

test('tool calls leave usage rows (route mcp.call, key, endpoint, status, code)', async () => {
  const client = await connect();
  await call(client, 'plain', { message: 'counted' });
  await call(client, 'admins', { message: 'refused' });
  const rows = async (endpoint: string): Promise<Record<string, unknown>[]> => {
    const filter = endpoint === '' ? '' : `endpoint=${endpoint}&`;
    const res = await fetch(`${gw.adminUrl}/admin/v1/requests?${filter}limit=100`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { requests: Record<string, unknown>[] }).requests;
  };
  const ok = (await rows('plain')).find((r) => r['route'] === 'mcp.call' && r['status'] === 200);
  assert.ok(ok !== undefined);
  assert.equal(ok['keyName'], 'agent');
  assert.equal(ok['tokensIn'], 11);
  assert.equal(ok['tokensOut'], 7);
  // A refusal before the endpoint was resolved (its role check) records no endpoint, as on the simple API.
  const refused = (await rows('')).find((r) => r['route'] === 'mcp.call' && r['errorCode'] === 'GW_ERR_AUTH_ROLE');
  assert.equal(refused?.['keyName'], 'agent');
  assert.equal(refused?.['status'], 403);
  assert.equal(refused?.['errorCode'], 'GW_ERR_AUTH_ROLE');
});

test('a reload: open sessions are told (list_changed), new sessions see the new tool, a revoked scope is a tool error', async () => {
  let streamOpen!: () => void;
  const listening = new Promise<void>((done) => (streamOpen = done));
  const open = await connect(KEY.agent, 'default', () => streamOpen());
  const revoked = await connect(KEY.revoked);
  assert.ok(!(await open.listTools()).tools.some((t) => t.name === 'added'));
  assert.equal(text(await call(revoked, 'plain', { message: 'before' })), 'echo: before');
  const announced = new Promise<void>((done) => {
    open.setNotificationHandler(ToolListChangedNotificationSchema, () => done());
  });
  // The notification goes out on the event stream only: the reload waits until it is open.
  await listening;
  await writeFile(join(dir, 'manifests.yaml'), manifests(up.url, { added: true }));
  gw.child.kill('SIGHUP');
  await announced;

  const fresh = await connect();
  const tool = (await fresh.listTools()).tools.find((t) => t.name === 'added');
  assert.equal(tool?.description, 'Arrived with a reload');
  assert.equal(text(await call(fresh, 'added', { message: 'new' })), 'echo: new');
  // The open session lists from the table in service too.
  assert.ok((await open.listTools()).tools.some((t) => t.name === 'added'));
  assert.equal(toolError(await call(revoked, 'plain', { message: 'after' })), 'GW_ERR_AUTH_SCOPE');
  assert.deepEqual((await revoked.listTools()).tools, []);
});

test('a session ends with DELETE; its id is then unknown (404)', async () => {
  const t = transport(KEY.agent);
  const client = new Client({ name: 'gw-e2e', version: '1.0.0' });
  await client.connect(t);
  const id = t.sessionId;
  assert.ok(id !== undefined);
  await t.terminateSession();
  const res = await fetch(`${gw.proxyUrl}/mcp/default`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEY.agent}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': id,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_MCP_SESSION_NOT_FOUND');
  await client.close();
});

test('a body over proxy.maxBodyBytes is refused before it is parsed (413)', async () => {
  const res = await fetch(`${gw.proxyUrl}/mcp/default`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEY.agent}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(20_000) } }),
  });
  assert.equal(res.status, 413);
  await res.body?.cancel();
});

test('no CORS preflight is answered: OPTIONS is 405', async () => {
  const res = await fetch(`${gw.proxyUrl}/mcp/default`, {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  await res.body?.cancel();
});
