// Both official SDKs against an in-process gw, with recording fake upstreams of both kinds: the
// four caller -> target combinations (OpenAI->OpenAI, OpenAI->Anthropic, Anthropic->OpenAI,
// Anthropic->Anthropic), each non-streamed and streamed with a tool call; a 529 from an
// Anthropic target falling back to an OpenAI one; usage rows with tokens and cost.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FakeUpstream } from '../serve/helpers.js';
import {
  ANTHROPIC_UPSTREAM_KEY,
  CALLER_KEY,
  OPENAI_UPSTREAM_KEY,
  startDialectGateway,
  type DialectGateway,
} from './dialects-gateway.js';
import { startAnthropicUpstream, startOpenAIUpstream, TOOL_ARGS } from './dialects-upstreams.js';

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

const openai = (): OpenAI => new OpenAI({ apiKey: CALLER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const anthropic = (opts: { apiKey?: string | null; authToken?: string; baseURL?: string } = {}): Anthropic =>
  new Anthropic({ apiKey: CALLER_KEY, baseURL: gw.url, maxRetries: 0, ...opts });

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
const ask = 'What is the weather in Paris?';

/** The request an upstream got since `from`. */
function sent(
  up: FakeUpstream,
  from: number,
): { url: string; headers: Record<string, unknown>; body: Record<string, unknown> } {
  const r = up.requests[from];
  assert.ok(r, 'the upstream got no request');
  return r;
}

/** Tool-call arguments joined from OpenAI chunks. */
async function collectOpenAI(
  stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>,
): Promise<{ text: string; args: string; name: string; finish: string | null }> {
  let text = '';
  let args = '';
  let name = '';
  let finish: string | null = null;
  for await (const c of stream) {
    const ch = c.choices[0];
    if (ch === undefined) continue;
    text += ch.delta.content ?? '';
    for (const tc of ch.delta.tool_calls ?? []) {
      name += tc.function?.name ?? '';
      args += tc.function?.arguments ?? '';
    }
    finish = ch.finish_reason ?? finish;
  }
  return { text, args, name, finish };
}

function toolUse(msg: Anthropic.Message): Anthropic.ToolUseBlock {
  const block = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  assert.ok(block, `no tool_use block in ${JSON.stringify(msg.content)}`);
  return block;
}

describe('OpenAI SDK caller', () => {
  test('-> OpenAI target: tool call, non-stream and stream (passthrough of the body)', async () => {
    const n = oai.requests.length;
    const r = await openai().chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: ask }],
      tools: OPENAI_TOOLS,
    });
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGS);
    assert.deepEqual(sent(oai, n).body['tools'], OPENAI_TOOLS);
    const s = await collectOpenAI(
      await openai().chat.completions.create({
        model: 'gpt',
        messages: [{ role: 'user', content: ask }],
        tools: OPENAI_TOOLS,
        stream: true,
      }),
    );
    assert.equal(s.name, 'get_weather');
    assert.deepEqual(JSON.parse(s.args), TOOL_ARGS);
    assert.equal(s.finish, 'tool_calls');
  });

  test('-> Anthropic target: tool_use comes back as tool_calls; the upstream got an Anthropic request with its own key', async () => {
    const n = ant.requests.length;
    const { data: r, response } = await openai()
      .chat.completions.create({
        model: 'claude',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: ask },
        ],
        tools: OPENAI_TOOLS,
      })
      .withResponse();
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(r.choices[0]?.message.content, 'Checking.');
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGS);
    const up = sent(ant, n);
    assert.equal(up.url, '/v1/messages');
    assert.equal(up.headers['x-api-key'], ANTHROPIC_UPSTREAM_KEY);
    assert.ok(typeof up.headers['anthropic-version'] === 'string');
    assert.equal(up.body['model'], 'claude-up');
    assert.equal(up.body['system'], 'Be brief.');
    assert.equal(up.body['max_tokens'], 4096, 'the documented default when the caller sets none');
    assert.deepEqual((up.body['tools'] as Record<string, unknown>[])[0]?.['input_schema'], SCHEMA);
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.provider, 'ant');
    assert.equal(row.tokensOut, 30);
    assert.ok(row.tokensIn >= 120, `tokensIn ${row.tokensIn}`);
    assert.ok(row.costUsd > 0);
  });

  test('-> Anthropic target, streamed: argument deltas arrive as tool_call chunks; the usage row has tokens and cost', async () => {
    const { data: stream, response } = await openai()
      .chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: ask }],
        tools: OPENAI_TOOLS,
        stream: true,
      })
      .withResponse();
    const s = await collectOpenAI(stream);
    assert.equal(s.text, 'Checking. ');
    assert.equal(s.name, 'get_weather');
    assert.deepEqual(JSON.parse(s.args), TOOL_ARGS);
    assert.equal(s.finish, 'tool_calls');
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.stream, true);
    assert.equal(row.provider, 'ant');
    assert.equal(row.tokensOut, 30);
    assert.ok(row.tokensIn >= 120, `tokensIn ${row.tokensIn}`);
    assert.ok(row.costUsd > 0);
  });
});

describe('Anthropic SDK caller', () => {
  test('-> OpenAI target: a translated request, and a message with a parsed tool_use, the model name asked, usage', async () => {
    const n = oai.requests.length;
    const { data: msg, response } = await anthropic()
      .messages.create({
        model: 'gpt',
        max_tokens: 300,
        system: 'Be brief.',
        tools: ANTHROPIC_TOOLS,
        tool_choice: { type: 'any' },
        messages: [{ role: 'user', content: ask }],
      })
      .withResponse();
    assert.equal(msg.type, 'message');
    assert.equal(msg.model, 'gpt');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content[0], { type: 'text', text: 'Checking.' });
    assert.deepEqual(toolUse(msg).input, TOOL_ARGS);
    assert.equal(msg.usage.input_tokens, 40);
    assert.equal(msg.usage.output_tokens, 12);
    const up = sent(oai, n);
    assert.equal(up.url, '/v1/chat/completions');
    assert.equal(up.headers['authorization'], `Bearer ${OPENAI_UPSTREAM_KEY}`);
    assert.equal(up.headers['x-api-key'], undefined, "the caller's key never goes upstream");
    assert.deepEqual(up.body['messages'], [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: ask },
    ]);
    assert.deepEqual(up.body['tools'], [
      { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: SCHEMA } },
    ]);
    assert.equal(up.body['tool_choice'], 'required');
    assert.equal(up.body['max_tokens'], 300);
    assert.ok(response.headers.get('request-id'));
    assert.equal(response.headers.get('request-id'), response.headers.get('x-request-id'));
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.route, 'anthropic.messages');
    assert.equal(row.model, 'gpt');
    assert.equal(row.tokensIn, 40);
    assert.equal(row.tokensOut, 12);
    assert.ok(row.costUsd > 0);
  });

  test('-> OpenAI target, streamed: the SDK assembles text and tool input from the translated events', async () => {
    const stream = anthropic().messages.stream({
      model: 'gpt',
      max_tokens: 300,
      tools: ANTHROPIC_TOOLS,
      messages: [{ role: 'user', content: ask }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const msg = await stream.finalMessage();
    assert.equal(msg.model, 'gpt');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content[0], { type: 'text', text: 'Checking. ' });
    assert.deepEqual(toolUse(msg).input, TOOL_ARGS);
    assert.equal(msg.usage.output_tokens, 12);
    assert.equal(msg.usage.input_tokens, 40);
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(types.includes('content_block_delta'));
  });

  test('-> Anthropic target: passthrough, the body arrives as sent (model swapped) and the answer as given', async () => {
    const n = ant.requests.length;
    const body = {
      model: 'claude',
      max_tokens: 200,
      top_k: 5,
      tools: ANTHROPIC_TOOLS,
      system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: ask }],
    };
    const { data: msg, response } = await anthropic().messages.create(body).withResponse();
    assert.deepEqual(sent(ant, n).body, { ...body, model: 'claude-up' });
    assert.equal(sent(ant, n).headers['x-api-key'], ANTHROPIC_UPSTREAM_KEY);
    assert.equal(msg.id, 'msg_e2e1');
    assert.equal(msg.model, 'claude');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(toolUse(msg).input, TOOL_ARGS);
    assert.equal(msg.usage.cache_read_input_tokens, 10);
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.provider, 'ant');
    assert.equal(row.tokensOut, 30);
    assert.ok(row.tokensIn >= 120);
    assert.ok(row.costUsd > 0);
  });

  test('-> Anthropic target, streamed: events pass through with the model name asked; usage row with tokens and cost', async () => {
    const { data: stream, response } = await anthropic()
      .messages.create({
        model: 'claude',
        max_tokens: 200,
        tools: ANTHROPIC_TOOLS,
        messages: [{ role: 'user', content: ask }],
        stream: true,
      })
      .withResponse();
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const start = events[0];
    assert.ok(start?.type === 'message_start');
    assert.equal(start.message.model, 'claude');
    assert.equal(start.message.id, 'msg_e2e2');
    let json = '';
    for (const e of events)
      if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') json += e.delta.partial_json;
    assert.deepEqual(JSON.parse(json), TOOL_ARGS);
    assert.equal(events.at(-1)?.type, 'message_stop');
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.stream, true);
    assert.equal(row.provider, 'ant');
    assert.equal(row.tokensOut, 30);
    assert.ok(row.tokensIn >= 120);
    assert.ok(row.costUsd > 0);
  });

  test("the endpoint's params and prompt reach both kinds of target, the passthrough body included", async () => {
    const n = ant.requests.length;
    await anthropic().messages.create({
      model: 'claude-brief',
      max_tokens: 20,
      system: 'Mine.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const native = sent(ant, n).body;
    assert.deepEqual(native['system'], [
      { type: 'text', text: 'House rules.' },
      { type: 'text', text: 'Mine.' },
    ]);
    assert.deepEqual(native['messages'], [{ role: 'user', content: 'Q: hi' }]);
    assert.equal(native['temperature'], 0.1);
    assert.deepEqual(native['stop_sequences'], ['END']);
    const m = oai.requests.length;
    await anthropic().messages.create({
      model: 'gpt-brief',
      max_tokens: 20,
      system: 'Mine.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const hub = sent(oai, m).body;
    assert.deepEqual(hub['messages'], [
      { role: 'system', content: 'House rules.' },
      { role: 'system', content: 'Mine.' },
      { role: 'user', content: 'Q: hi' },
    ]);
    assert.equal(hub['temperature'], 0.1);
    assert.deepEqual(hub['stop'], ['END']);
  });

  test('Authorization: Bearer works as well as x-api-key; errors come in the Anthropic shape and classes', async () => {
    const viaBearer = await anthropic({ apiKey: null, authToken: CALLER_KEY }).messages.create({
      model: 'gpt',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(viaBearer.content, [{ type: 'text', text: 'echo: hi' }]);
    await assert.rejects(
      anthropic({ apiKey: 'wrong' }).messages.create({
        model: 'gpt',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (e: unknown) => {
        assert.ok(e instanceof Anthropic.AuthenticationError);
        assert.equal(e.type, 'authentication_error');
        assert.ok(e.requestID);
        return true;
      },
    );
    await assert.rejects(
      anthropic().messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      Anthropic.NotFoundError,
    );
    const raw = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': CALLER_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(raw.status, 400);
    const body = (await raw.json()) as Record<string, unknown>;
    assert.deepEqual(body, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      request_id: raw.headers.get('request-id'),
    });
  });

  test('models.list works from the Anthropic SDK too (same path as OpenAI, one listing both read)', async () => {
    const ids: string[] = [];
    for await (const m of anthropic().models.list()) {
      ids.push(m.id);
      assert.equal(m.type, 'model');
      assert.equal(m.display_name, m.id);
    }
    assert.ok(ids.includes('claude') && ids.includes('gpt') && ids.includes('mixed'), ids.join(','));
  });

  test('count_tokens answers an estimate without asking the target', async () => {
    const before = oai.requests.length + ant.requests.length;
    const r = await anthropic().messages.countTokens({
      model: 'claude',
      system: 'Be brief.',
      tools: ANTHROPIC_TOOLS,
      messages: [{ role: 'user', content: ask }],
    });
    assert.ok(r.input_tokens > 10 && r.input_tokens < 200, `input_tokens ${r.input_tokens}`);
    assert.equal(oai.requests.length + ant.requests.length, before);
    await assert.rejects(
      anthropic().messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.NotFoundError,
    );
  });

  test('/endpoints/{name}/v1/messages: the endpoint name is a model (its default), other endpoints do not resolve', async () => {
    const scoped = anthropic({ baseURL: `${gw.url}/endpoints/mixed` });
    const msg = await scoped.messages.create({
      model: 'mixed',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'scoped' }],
    });
    assert.equal(msg.model, 'mixed');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'echo: scoped' }]);
    await assert.rejects(
      scoped.messages.create({ model: 'busy', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.NotFoundError,
    );
  });

  test('a stream that breaks mid-way raises an APIError in the SDK (error event, no message_stop)', async () => {
    const stream = await anthropic().messages.create({
      model: 'gpt-broken',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x y' }],
      stream: true,
    });
    const types: string[] = [];
    await assert.rejects(async () => {
      for await (const e of stream) types.push(e.type);
    }, Anthropic.APIError);
    assert.equal(types[0], 'message_start');
    assert.ok(!types.includes('message_stop'));
  });
});

describe('fallback across dialects', () => {
  test('an Anthropic target answering 529 falls back to OpenAI; each SDK gets its own shape', async () => {
    const n = ant.requests.length;
    const { data: msg, response } = await anthropic()
      .messages.create({ model: 'busy', max_tokens: 10, messages: [{ role: 'user', content: 'spill' }] })
      .withResponse();
    assert.equal(ant.requests[n]?.body['model'], 'claude-busy');
    assert.equal(msg.type, 'message');
    assert.equal(msg.model, 'busy');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'echo: spill' }]);
    const row = await gw.row(response.headers.get('x-request-id'));
    assert.equal(row.provider, 'oai');
    assert.deepEqual(
      row.attemptLog.map((a) => [a.provider, a.status]),
      [
        ['ant', 529],
        ['oai', 200],
      ],
    );

    const r = await openai().chat.completions.create({ model: 'busy', messages: [{ role: 'user', content: 'spill' }] });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0]?.message.content, 'echo: spill');

    const streamed = await anthropic()
      .messages.stream({ model: 'busy', max_tokens: 10, messages: [{ role: 'user', content: 'spill' }] })
      .finalMessage();
    assert.equal(streamed.model, 'busy');
    assert.deepEqual(streamed.content, [{ type: 'text', text: 'echo: spill ' }]);
  });

  test('with no target left, an overloaded upstream reads as overloaded_error (502) to an Anthropic caller', async () => {
    await assert.rejects(
      anthropic().messages.create({ model: 'jammed', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => {
        assert.ok(e instanceof Anthropic.InternalServerError);
        assert.equal(e.status, 502);
        assert.equal(e.type, 'overloaded_error');
        return true;
      },
    );
  });
});
