// Compatibility II against the real `gw serve` process (bin/gw, the built dist) with recording
// fake OpenAI and Anthropic upstreams: the Responses API through the official `openai` SDK
// (streamed and not, with a tool round trip to an Anthropic target), structured output to an
// Anthropic target in both caller dialects, the message_start estimate, the routes without /v1
// and an explicit refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { freePort, startServe, type ServingGw } from '../helpers/gw.js';
import type { FakeUpstream } from '../serve/helpers.js';
import { CALLER_KEY, manifests } from './dialects-gateway.js';
import { startAnthropicUpstream, startOpenAIUpstream, STRUCTURED, TOOL_ARGS } from './dialects-upstreams.js';

type Obj = Record<string, unknown>;

let oai: FakeUpstream;
let ant: FakeUpstream;
let gw: ServingGw;
let dir: string;

before(async () => {
  oai = await startOpenAIUpstream();
  ant = await startAnthropicUpstream();
  dir = await mkdtemp(join(tmpdir(), 'gw-compat-serve-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(oai.url, ant.url));
  const [proxy, admin] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: compat }
spec:
  proxy: { listen: 127.0.0.1:${proxy} }
  admin: { listen: 127.0.0.1:${admin}, key: "\${env:GW_ADMIN_KEY}" }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`,
  );
  gw = await startServe(dir, { proxy, admin }, { GW_ADMIN_KEY: 'gw-e2e-compat-admin-key-0123456789abcdef' });
});
after(async () => {
  await gw.stop();
  await oai.close();
  await ant.close();
  await rm(dir, { recursive: true, force: true });
});

const openai = (base = '/v1'): OpenAI =>
  new OpenAI({ apiKey: CALLER_KEY, baseURL: `${gw.proxyUrl}${base}`, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: CALLER_KEY, baseURL: gw.proxyUrl, maxRetries: 0 });
const lastBody = (up: FakeUpstream): Obj => (up.requests.at(-1) as { body: Obj }).body;

const SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const TOOLS: OpenAI.Responses.FunctionTool[] = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false },
];

test('gw serve: responses.create to an Anthropic target, JSON and streamed, with a tool round trip', async () => {
  const r = await openai().responses.create({ model: 'claude', input: 'Weather?', tools: TOOLS });
  const call = r.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
  assert.ok(call);
  assert.deepEqual(JSON.parse(call.arguments), TOOL_ARGS);
  await openai().responses.create({
    model: 'claude',
    tools: TOOLS,
    input: [
      { role: 'user', content: 'Weather?' },
      { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
    ],
  });
  const turns = lastBody(ant)['messages'] as Obj[];
  assert.deepEqual((turns[2]?.['content'] as Obj[])[0], {
    type: 'tool_result',
    tool_use_id: call.call_id,
    content: 'sunny',
  });
  const final = await openai().responses.stream({ model: 'claude', input: 'stream me' }).finalResponse();
  assert.equal(final.output_text.trim(), 'echo: stream me');
});

test('gw serve: structured output reaches the Anthropic upstream as a forced tool; JSON back in both dialects', async () => {
  const r = await openai().chat.completions.create({
    model: 'claude',
    messages: [{ role: 'user', content: 'Paris' }],
    response_format: { type: 'json_schema', json_schema: { name: 'w', schema: SCHEMA } },
  });
  assert.deepEqual(lastBody(ant)['tool_choice'], { type: 'tool', name: 'json_answer' });
  assert.deepEqual(JSON.parse(r.choices[0]?.message.content ?? ''), STRUCTURED);
  const viaResponses = await openai().responses.create({
    model: 'claude',
    input: 'Paris',
    text: { format: { type: 'json_schema', name: 'w', schema: SCHEMA } },
  });
  assert.deepEqual(JSON.parse(viaResponses.output_text), STRUCTURED);
  const params = {
    model: 'claude',
    max_tokens: 100,
    messages: [{ role: 'user' as const, content: 'Paris' }],
    output_config: { format: { type: 'json_schema', schema: SCHEMA } },
  };
  const msg = await anthropic().messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
  assert.deepEqual(lastBody(ant)['output_config'], params.output_config);
  const block = msg.content[0];
  assert.ok(block?.type === 'text');
  assert.deepEqual(JSON.parse(block.text), STRUCTURED);
});

test('gw serve: a translated Anthropic stream starts with a non-zero input estimate', async () => {
  const stream = anthropic().messages.stream({
    model: 'gpt',
    max_tokens: 50,
    messages: [{ role: 'user', content: 'How warm is it in Paris in June?' }],
  });
  let startTokens = -1;
  for await (const e of stream) if (e.type === 'message_start') startTokens = e.message.usage.input_tokens;
  assert.ok(startTokens > 0, `message_start input_tokens ${startTokens}`);
  assert.equal((await stream.finalMessage()).usage.input_tokens, 40);
});

test('gw serve: /chat/completions and /models answer without /v1; GET /v1/responses/{id} is refused', async () => {
  const r = await openai('').chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.choices[0]?.message.content, 'echo: hi');
  const models = await openai('').models.list();
  assert.ok(models.data.some((m) => m.id === 'gpt'));
  await assert.rejects(
    openai().responses.retrieve('resp_1'),
    (e: unknown) => e instanceof OpenAI.BadRequestError && e.message.includes('stores no responses'),
  );
});
