// The official OpenAI and Anthropic SDKs as callers of a real gw (in-process, loaded from
// manifests) whose providers are the cloud types, each served by a fake of its API on
// 127.0.0.1 that refuses requests off its wire format: azure-openai, gemini, vertex (token
// from a fake token endpoint through the manifest's service-account key) and
// vertex-anthropic. Each is reached streamed and not, with a tool call.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { buildConfig } from '../../src/config/build.js';
import { createGateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';
import {
  startFakeAzure,
  startFakeGemini,
  startFakeVertexAnthropic,
  startTokenEndpoint,
  TOOL_ARGS,
  type Fake,
  type TokenEndpoint,
} from '../providers/cloud-fakes.js';

const CALLER_KEY = 'gw-clouds-test-key';
const VERTEX = '/v1/projects/example-project/locations/us-central1';

function manifests(azure: string, gemini: string, vertex: string, claude: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: azure }
spec:
  type: azure-openai
  baseUrl: ${azure}
  auth: { header: { name: api-key, value: "\${env:GW_TEST_AZURE_KEY:-azure-key-123456}" } }
  azure: { apiVersion: 2024-10-21, deployments: { gpt-4o: prod-gpt4o } }
  timeout: 5s
---
apiVersion: gw/v1
kind: Provider
metadata: { name: gemini }
spec:
  type: gemini
  baseUrl: ${gemini}/v1beta
  auth: { header: { name: x-goog-api-key, value: "\${env:GW_TEST_GEMINI_KEY:-gemini-key-123456}" } }
  timeout: 5s
---
apiVersion: gw/v1
kind: Provider
metadata: { name: vertex }
spec:
  type: vertex
  baseUrl: ${vertex}${VERTEX}
  vertex: { credentials: "\${file:./sa.json}" }
  timeout: 5s
---
apiVersion: gw/v1
kind: Provider
metadata: { name: claude }
spec:
  type: vertex-anthropic
  baseUrl: ${claude}${VERTEX}
  vertex: { credentials: "\${file:./sa.json}" }
  timeout: 5s
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: clouds }
spec:
  type: chat
  routing:
    targets:
      - provider: azure
        models: { azure-gpt: gpt-4o }
      - provider: gemini
        models: { gemini-flash: gemini-2.0-flash }
      - provider: vertex
        models: { vertex-flash: gemini-2.0-flash }
      - provider: claude
        models: { vertex-claude: claude-sonnet-4@20250514 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(CALLER_KEY)}", roles: [editor], scopes: [chat] }
`;
}

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: clouds }
spec:
  proxy: { listen: 127.0.0.1:0 }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`;

let dir: string;
let tokens: TokenEndpoint;
let fakes: Record<'azure' | 'gemini' | 'vertex' | 'claude', Fake>;
let url: string;
let stop: () => Promise<void>;

before(async () => {
  tokens = await startTokenEndpoint();
  fakes = {
    azure: await startFakeAzure({ apiKey: 'azure-key-123456', apiVersion: '2024-10-21', deployments: ['prod-gpt4o'] }),
    gemini: await startFakeGemini({
      modelsPath: '/v1beta/models',
      auth: (r) => (r.headers['x-goog-api-key'] === 'gemini-key-123456' ? undefined : 'bad key'),
    }),
    vertex: await startFakeGemini({ modelsPath: `${VERTEX}/publishers/google/models`, auth: tokens.checkBearer }),
    claude: await startFakeVertexAnthropic({ basePath: VERTEX, auth: tokens.checkBearer }),
  };
  dir = await mkdtemp(join(tmpdir(), 'gw-clouds-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'sa.json'), tokens.key);
  await writeFile(
    join(dir, 'manifests', 'all.yaml'),
    manifests(fakes.azure.origin, fakes.gemini.origin, fakes.vertex.origin, fakes.claude.origin),
  );
  await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
  const built = await buildConfig({ configPath: join(dir, 'gateway.yaml') });
  if (!built.ok) throw new Error(`test config invalid: ${JSON.stringify(built.diagnostics, null, 1)}`);
  const usageLog = UsageLog.open(built.settings.storage.sqlitePath, { flushIntervalMs: 10 });
  const gateway = createGateway({
    settings: built.settings,
    table: built.table,
    usageLog,
    logger: createLogger({ level: 'warn', destination: { write: () => undefined } }),
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
  });
  url = await gateway.listen();
  stop = () => gateway.close();
});

after(async () => {
  await stop();
  for (const f of Object.values(fakes)) await f.close();
  await tokens.close();
  await rm(dir, { recursive: true, force: true });
  for (const [name, f] of Object.entries(fakes))
    assert.deepEqual(f.problems, [], `${name}: requests off the wire format`);
  assert.deepEqual(tokens.problems, []);
});

const openai = (): OpenAI => new OpenAI({ apiKey: CALLER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: CALLER_KEY, baseURL: url, maxRetries: 0 });

const SCHEMA = {
  type: 'object',
  properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['location'],
};
const OPENAI_TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: SCHEMA } },
];
const ANTHROPIC_TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Weather for a city', input_schema: SCHEMA as Anthropic.Tool.InputSchema },
];

for (const model of ['azure-gpt', 'gemini-flash', 'vertex-flash', 'vertex-claude']) {
  describe(`SDK callers reach ${model}`, () => {
    test('OpenAI SDK: a text answer, not streamed', async () => {
      const r = await openai().chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello clouds' },
        ],
      });
      assert.equal(r.choices[0]?.message.content, 'echo: hello clouds');
      assert.equal(r.choices[0]?.finish_reason, 'stop');
      assert.ok((r.usage?.prompt_tokens ?? 0) > 0);
    });

    test('OpenAI SDK: a tool call, not streamed', async () => {
      const r = await openai().chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'weather in Paris?' }],
        tools: OPENAI_TOOLS,
      });
      const call = r.choices[0]?.message.tool_calls?.[0];
      assert.ok(call !== undefined && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGS);
      assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    });

    test('OpenAI SDK: streamed text and a streamed tool call', async () => {
      const text = await openai().chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'a streamed question for the clouds' }],
        stream: true,
      });
      let content = '';
      for await (const c of text) content += c.choices[0]?.delta.content ?? '';
      assert.equal(content, 'echo: a streamed question for the clouds');

      const stream = openai().chat.completions.stream({
        model,
        messages: [{ role: 'user', content: 'weather in Paris?' }],
        tools: OPENAI_TOOLS,
      });
      const final = await stream.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      assert.ok(call !== undefined && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGS);
    });

    test('Anthropic SDK: a tool call, not streamed and streamed', async () => {
      const msg = await anthropic().messages.create({
        model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'weather in Paris?' }],
        tools: ANTHROPIC_TOOLS,
      });
      const use = msg.content.find((b) => b.type === 'tool_use');
      assert.ok(use !== undefined && use.type === 'tool_use');
      assert.equal(use.name, 'get_weather');
      assert.deepEqual(use.input, TOOL_ARGS);
      assert.equal(msg.stop_reason, 'tool_use');

      const final = await anthropic()
        .messages.stream({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'weather in Paris?' }],
          tools: ANTHROPIC_TOOLS,
        })
        .finalMessage();
      const streamed = final.content.find((b) => b.type === 'tool_use');
      assert.ok(streamed !== undefined && streamed.type === 'tool_use');
      assert.deepEqual(streamed.input, TOOL_ARGS);

      const text = await anthropic().messages.create({
        model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'plain words' }],
      });
      assert.deepEqual(
        text.content.map((b) => (b.type === 'text' ? b.text : '')),
        ['echo: plain words'],
      );
    });
  });
}
