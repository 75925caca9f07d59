// Both official SDKs reach a bedrock provider through gw, started from manifests (validated and
// compiled as `gw serve` does) against a fake Bedrock runtime on 127.0.0.1 that re-verifies every
// SigV4 signature and streams AWS event-stream frames: each SDK non-streamed and streamed, with a
// tool call and its result, and usage rows priced from the provider's model catalog.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/build.js';
import { createGateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import type { StoredUsageRow } from '../../src/telemetry/usage-row.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';
import {
  CREDENTIALS,
  REGION,
  startFakeBedrock,
  TOOL_INPUT,
  USAGE,
  type FakeBedrock,
} from '../providers/bedrock-server.js';

const CALLER_KEY = 'gw-bedrock-e2e-key';
const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function manifests(url: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: aws }
spec:
  type: bedrock
  baseUrl: ${url}
  bedrock:
    region: ${REGION}
    credentials:
      accessKeyId: "\${env:GW_TEST_AWS_KEY_ID:-${CREDENTIALS.accessKeyId}}"
      secretAccessKey: "\${env:GW_TEST_AWS_SECRET:-${CREDENTIALS.secretAccessKey}}"
      sessionToken: "\${env:GW_TEST_AWS_TOKEN:-${CREDENTIALS.sessionToken}}"
  timeout: 5s
  models:
    "${MODEL_ID}": { inputPer1k: 0.0008, outputPer1k: 0.004 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: on-aws }
spec:
  type: chat
  routing:
    targets:
      - provider: aws
        models: { haiku: "${MODEL_ID}" }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(CALLER_KEY)}", roles: [editor], scopes: [chat] }
`;
}

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: bedrock }
spec:
  proxy: { listen: 127.0.0.1:0 }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`;

let fake: FakeBedrock;
let dir: string;
let url: string;
let usageLog: UsageLog;
let close: () => Promise<void>;

before(async () => {
  fake = await startFakeBedrock();
  dir = await mkdtemp(join(tmpdir(), 'gw-bedrock-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(fake.url));
  await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
  const built = await buildConfig({ configPath: join(dir, 'gateway.yaml') });
  if (!built.ok) throw new Error(`test config invalid: ${JSON.stringify(built.diagnostics, null, 1)}`);
  usageLog = UsageLog.open(built.settings.storage.sqlitePath, { flushIntervalMs: 10 });
  const gateway = createGateway({
    settings: built.settings,
    table: built.table,
    usageLog,
    logger: createLogger({ level: 'warn', destination: { write: () => undefined } }),
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
  });
  url = await gateway.listen();
  close = () => gateway.close();
});
after(async () => {
  await close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(fake.refused, [], 'every request gw sent carried a valid signature');
});

/** The usage row of one request, once written (rows are recorded after the answer ends). */
async function row(requestId: string | null): Promise<StoredUsageRow> {
  for (let i = 0; i < 200; i++) {
    usageLog.flush();
    const r = usageLog.recent({ limit: 100 }).find((x) => x.requestId === requestId);
    if (r !== undefined) return r;
    await new Promise((done) => setTimeout(done, 5));
  }
  throw new Error(`no usage row for request ${String(requestId)}`);
}

function assertPriced(r: StoredUsageRow): void {
  const promptTokens = USAGE.inputTokens + USAGE.cacheReadInputTokens;
  assert.equal(r.provider, 'aws');
  assert.equal(r.upstreamModel, MODEL_ID);
  assert.equal(r.tokensIn, promptTokens);
  assert.equal(r.tokensOut, USAGE.outputTokens);
  assert.ok(
    Math.abs(r.costUsd - (promptTokens * 0.0008 + USAGE.outputTokens * 0.004) / 1000) < 1e-9,
    `cost ${r.costUsd}`,
  );
}

const SCHEMA = {
  type: 'object',
  properties: { location: { type: 'string' }, unit: { type: 'string' } },
  required: ['location'],
};
const ask = 'What is the weather in Paris?';

describe('OpenAI SDK -> bedrock', () => {
  const openai = (): OpenAI => new OpenAI({ apiKey: CALLER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: SCHEMA } },
  ];

  test('non-streamed: a tool call, then its result answered; usage priced from the catalog', async () => {
    const { data: r, response } = await openai()
      .chat.completions.create({ model: 'haiku', messages: [{ role: 'user', content: ask }], tools })
      .withResponse();
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_INPUT);
    assertPriced(await row(response.headers.get('x-request-id')));
    const n = fake.requests.length;
    const followUp = await openai().chat.completions.create({
      model: 'haiku',
      messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '18C, sunny' },
      ],
      tools,
    });
    assert.equal(followUp.choices[0]?.message.content, 'tool said: 18C, sunny');
    assert.equal(fake.requests[n]?.path, `/model/${encodeURIComponent(MODEL_ID)}/converse`);
  });

  test('streamed: text and tool-call deltas assemble in the SDK; the usage row is written', async () => {
    const { data: stream, response } = await openai()
      .chat.completions.create({
        model: 'haiku',
        messages: [{ role: 'user', content: ask }],
        tools,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = '';
    let args = '';
    let name = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      usage = c.usage ?? usage;
      const ch = c.choices[0];
      if (ch === undefined) continue;
      text += ch.delta.content ?? '';
      for (const tc of ch.delta.tool_calls ?? []) {
        name += tc.function?.name ?? '';
        args += tc.function?.arguments ?? '';
      }
      finish = ch.finish_reason ?? finish;
    }
    assert.equal(text, 'Let me check.');
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), TOOL_INPUT);
    assert.equal(finish, 'tool_calls');
    assert.equal(usage?.completion_tokens, USAGE.outputTokens);
    const r = await row(response.headers.get('x-request-id'));
    assert.equal(r.stream, true);
    assertPriced(r);
  });
});

describe('OpenAI Responses API -> bedrock', () => {
  test('a function call comes back as a function_call item, streamed and not', async () => {
    const openai = new OpenAI({ apiKey: CALLER_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: SCHEMA, strict: false },
    ];
    const r = await openai.responses.create({ model: 'haiku', input: ask, tools });
    const call = r.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
    assert.equal(call?.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.arguments ?? ''), TOOL_INPUT);
    const stream = await openai.responses.create({ model: 'haiku', input: ask, tools, stream: true });
    let args = '';
    for await (const ev of stream) if (ev.type === 'response.function_call_arguments.delta') args += ev.delta;
    assert.deepEqual(JSON.parse(args), TOOL_INPUT);
  });
});

describe('Anthropic SDK -> bedrock', () => {
  const anthropic = (): Anthropic => new Anthropic({ apiKey: CALLER_KEY, baseURL: url, maxRetries: 0 });
  const tools: Anthropic.Tool[] = [
    { name: 'get_weather', description: 'Weather for a city', input_schema: SCHEMA as Anthropic.Tool.InputSchema },
  ];

  test('non-streamed: tool_use comes back, and a tool_result is answered', async () => {
    const n = fake.requests.length;
    const msg = await anthropic().messages.create({
      model: 'haiku',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: ask }],
      tools,
    });
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    assert.ok(use);
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, TOOL_INPUT);
    assert.equal(msg.usage.output_tokens, USAGE.outputTokens);
    const sent = fake.requests[n];
    assert.deepEqual(sent?.body.system, [{ text: 'Be brief.' }]);
    assert.deepEqual((sent?.body.inferenceConfig as Record<string, unknown>).maxTokens, 256);
    const followUp = await anthropic().messages.create({
      model: 'haiku',
      max_tokens: 256,
      messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C, sunny' }] },
      ],
      tools,
    });
    assert.deepEqual(followUp.content, [{ type: 'text', text: 'tool said: 18C, sunny' }]);
  });

  test('streamed: the SDK assembles text and tool input from the translated events', async () => {
    const stream = anthropic().messages.stream({
      model: 'haiku',
      max_tokens: 256,
      messages: [{ role: 'user', content: ask }],
      tools,
    });
    const msg = await stream.finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    const text = msg.content.find((b): b is Anthropic.TextBlock => b.type === 'text');
    assert.equal(text?.text, 'Let me check.');
    const use = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    assert.deepEqual(use?.input, TOOL_INPUT);
    assert.equal(msg.usage.output_tokens, USAGE.outputTokens);
  });
});
