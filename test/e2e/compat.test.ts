// Compatibility II with the official SDKs against an in-process gw and recording fake upstreams:
// structured output (response_format) reaching an Anthropic target as a forced tool and coming
// back as parseable JSON, an Anthropic caller's JSON output format reaching an OpenAI target, the
// input-token estimate in a translated message_start, and the OpenAI routes without /v1.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FakeUpstream } from '../serve/helpers.js';
import { CALLER_KEY, startDialectGateway, type DialectGateway } from './dialects-gateway.js';
import { startAnthropicUpstream, startOpenAIUpstream, STRUCTURED } from './dialects-upstreams.js';

type Obj = Record<string, unknown>;

let oai: FakeUpstream;
let ant: FakeUpstream;
let gw: DialectGateway;

before(async () => {
  oai = await startOpenAIUpstream();
  ant = await startAnthropicUpstream();
  gw = await startDialectGateway(oai.url, ant.url);
});
after(async () => {
  await gw.stop();
  await oai.close();
  await ant.close();
});

const openai = (baseURL = `${gw.url}/v1`): OpenAI => new OpenAI({ apiKey: CALLER_KEY, baseURL, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: CALLER_KEY, baseURL: gw.url, maxRetries: 0 });

const SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'number' } },
  required: ['city', 'temperature'],
  additionalProperties: false,
};
const FORMAT = {
  type: 'json_schema' as const,
  json_schema: { name: 'weather', schema: SCHEMA, strict: true },
};

function lastBody(up: FakeUpstream, from: number): Obj {
  const r = up.requests.at(-1);
  assert.ok(r !== undefined && up.requests.length > from, 'the upstream got no request');
  return r.body;
}

describe('structured output', () => {
  test('OpenAI caller -> Anthropic target: a forced json_answer tool upstream, parseable JSON content back', async () => {
    const n = ant.requests.length;
    const r = await openai().chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
      response_format: FORMAT,
    });
    const body = lastBody(ant, n);
    assert.deepEqual(body['tools'], [
      {
        name: 'json_answer',
        description: 'Give your whole answer as JSON matching this schema (weather).',
        input_schema: SCHEMA,
      },
    ]);
    assert.deepEqual(body['tool_choice'], { type: 'tool', name: 'json_answer' });
    assert.equal(body['response_format'], undefined);
    assert.equal(r.choices[0]?.finish_reason, 'stop');
    assert.equal(r.choices[0]?.message.tool_calls, undefined);
    assert.deepEqual(JSON.parse(r.choices[0]?.message.content ?? ''), STRUCTURED);
  });

  test('OpenAI caller -> Anthropic target, streamed: the tool input arrives as content deltas', async () => {
    const n = ant.requests.length;
    const stream = await openai().chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
      response_format: { type: 'json_object' },
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    let calls = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      calls += c.choices[0]?.delta.tool_calls?.length ?? 0;
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    const body = lastBody(ant, n);
    assert.deepEqual(body['tool_choice'], { type: 'tool', name: 'json_answer' });
    assert.deepEqual((body['tools'] as Obj[])[0]?.['input_schema'], { type: 'object' });
    assert.equal(calls, 0);
    assert.equal(finish, 'stop');
    assert.deepEqual(JSON.parse(text), STRUCTURED);
  });

  test('Anthropic caller -> OpenAI target: output_config.format becomes response_format, the text block is JSON', async () => {
    const n = oai.requests.length;
    const params = {
      model: 'gpt',
      max_tokens: 200,
      messages: [{ role: 'user' as const, content: 'Weather in Paris as JSON' }],
      output_config: { format: { type: 'json_schema', schema: SCHEMA } },
    };
    const msg = await anthropic().messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
    assert.deepEqual(lastBody(oai, n)['response_format'], {
      type: 'json_schema',
      json_schema: { name: 'output', schema: SCHEMA },
    });
    const block = msg.content[0];
    assert.ok(block?.type === 'text');
    assert.deepEqual(JSON.parse(block.text), STRUCTURED);
    assert.match(msg.id, /^msg_/);
  });

  test('Anthropic caller -> Anthropic target: the JSON output format passes through, JSON comes back', async () => {
    const n = ant.requests.length;
    const params = {
      model: 'claude',
      max_tokens: 200,
      messages: [{ role: 'user' as const, content: 'Weather in Paris as JSON' }],
      output_config: { format: { type: 'json_schema', schema: SCHEMA } },
    };
    const msg = await anthropic().messages.create(params as Anthropic.MessageCreateParamsNonStreaming);
    assert.deepEqual(lastBody(ant, n)['output_config'], params.output_config);
    const block = msg.content[0];
    assert.ok(block?.type === 'text');
    assert.deepEqual(JSON.parse(block.text), STRUCTURED);
  });
});

describe('translated Anthropic streams', () => {
  test('message_start carries a non-zero input estimate, message_delta the exact count; ids are msg_; no null counters', async () => {
    const events: Obj[] = [];
    const stream = anthropic().messages.stream({
      model: 'gpt',
      max_tokens: 100,
      system: 'You are a weather service.',
      messages: [{ role: 'user', content: 'What is the weather in Paris today, and tomorrow?' }],
    });
    for await (const e of stream) events.push(e as unknown as Obj);
    const final = await stream.finalMessage();
    const start = events.find((e) => e['type'] === 'message_start') as { message: Anthropic.Message } | undefined;
    assert.ok(start);
    assert.ok(start.message.usage.input_tokens > 0, `message_start input_tokens ${start.message.usage.input_tokens}`);
    assert.match(start.message.id, /^msg_/);
    assert.equal(start.message.usage.cache_read_input_tokens, 0);
    const delta = events.find((e) => e['type'] === 'message_delta') as { usage: Obj } | undefined;
    assert.equal(delta?.usage['input_tokens'], 40); // the fake OpenAI upstream's prompt_tokens
    assert.equal(final.usage.input_tokens, 40);
  });
});

describe('routes without /v1', () => {
  test('POST /chat/completions and GET /models answer as the versioned paths', async () => {
    const client = openai(gw.url);
    const { data: r, response } = await client.chat.completions
      .create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(r.choices[0]?.message.content, 'echo: hi');
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.route, 'openai.chat');
    const models = await client.models.list();
    const versioned = await openai().models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      versioned.data.map((m) => m.id),
    );
    assert.ok(models.data.some((m) => m.id === 'claude'));
  });

  test('POST /chat/completions to an Anthropic target, streamed; an unknown key is refused the same way', async () => {
    const s = await openai(gw.url).chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text.trim(), 'echo: hi');
    const bad = new OpenAI({ apiKey: 'nope', baseURL: gw.url, maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
  });
});
