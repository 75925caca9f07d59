// The OpenAI Responses API (POST /v1/responses) with the official `openai` SDK against an
// in-process gw and recording fake upstreams of both kinds: JSON and streamed answers, a function
// tool round trip (function_call out, function_call_output back in), structured output through
// text.format, usage rows, and each refusal (previous_response_id, GET /v1/responses/{id},
// non-function tools, unknown fields) as a 400 naming the field.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { FakeUpstream } from '../serve/helpers.js';
import { CALLER_KEY, startDialectGateway, type DialectGateway } from './dialects-gateway.js';
import { startAnthropicUpstream, startOpenAIUpstream, STRUCTURED, TOOL_ARGS } from './dialects-upstreams.js';

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

const client = (): OpenAI => new OpenAI({ apiKey: CALLER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

const TOOLS: OpenAI.Responses.FunctionTool[] = [
  {
    type: 'function',
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    strict: false,
  },
];

function lastBody(up: FakeUpstream, from: number): Obj {
  assert.ok(up.requests.length > from, 'the upstream got no request');
  return (up.requests.at(-1) as { body: Obj }).body;
}

function badRequest(field: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof OpenAI.BadRequestError && e.message.includes(field);
}

for (const [model, kind] of [
  ['gpt', 'OpenAI'],
  ['claude', 'Anthropic'],
] as const) {
  describe(`responses.create -> ${kind} target`, () => {
    const upstream = (): FakeUpstream => (kind === 'OpenAI' ? oai : ant);

    test('JSON: text answer as a message item with output_text, usage, an openai.responses usage row', async () => {
      const n = upstream().requests.length;
      const { data: r, response } = await client()
        .responses.create({ model, instructions: 'Be brief.', input: 'hello there', max_output_tokens: 50 })
        .withResponse();
      assert.equal(r.object, 'response');
      assert.equal(r.status, 'completed');
      assert.match(r.id, /^resp_/);
      assert.equal(r.output_text.trim(), 'echo: hello there');
      assert.equal(r.output[0]?.type, 'message');
      assert.ok((r.usage?.input_tokens ?? 0) > 0);
      const sent = lastBody(upstream(), n);
      if (kind === 'OpenAI') {
        assert.deepEqual(sent['messages'], [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there' },
        ]);
        assert.equal(sent['max_tokens'], 50);
      } else {
        assert.equal(sent['system'], 'Be brief.');
        assert.equal(sent['max_tokens'], 50);
      }
      const row = await gw.row(response.headers.get('x-request-id'));
      assert.equal(row.route, 'openai.responses');
      assert.ok(row.tokensIn > 0 && row.tokensOut > 0);
    });

    test('tool round trip: function_call item out, function_call_output back in as a tool message', async () => {
      const first = await client().responses.create({ model, input: 'Weather in Paris?', tools: TOOLS });
      const call = first.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
      assert.ok(call, JSON.stringify(first.output));
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), TOOL_ARGS);
      const n = upstream().requests.length;
      const second = await client().responses.create({
        model,
        tools: TOOLS,
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' },
        ],
      });
      assert.equal(second.status, 'completed');
      const sent = lastBody(upstream(), n);
      const msgs = sent['messages'] as Obj[];
      if (kind === 'OpenAI') {
        assert.deepEqual(msgs[1], {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: call.arguments } },
          ],
        });
        assert.deepEqual(msgs[2], { role: 'tool', tool_call_id: call.call_id, content: '{"temp":21}' });
      } else {
        const result = (msgs[2]?.['content'] as Obj[])[0];
        assert.deepEqual(result, { type: 'tool_result', tool_use_id: call.call_id, content: '{"temp":21}' });
      }
    });

    test('streamed: typed events in order, text deltas, a function call with argument deltas, response.completed', async () => {
      const stream = await client().responses.create({ model, input: 'Weather in Paris?', tools: TOOLS, stream: true });
      const types: string[] = [];
      let text = '';
      let args = '';
      let completed: OpenAI.Responses.Response | undefined;
      let seq = -1;
      for await (const e of stream) {
        types.push(e.type);
        assert.equal(e.sequence_number, seq + 1);
        seq = e.sequence_number;
        if (e.type === 'response.output_text.delta') text += e.delta;
        if (e.type === 'response.function_call_arguments.delta') args += e.delta;
        if (e.type === 'response.completed') completed = e.response;
      }
      assert.equal(types[0], 'response.created');
      assert.equal(types[1], 'response.in_progress');
      assert.equal(types.at(-1), 'response.completed');
      assert.ok(types.includes('response.output_item.added'));
      assert.ok(types.includes('response.function_call_arguments.done'));
      assert.equal(text.trim(), 'Checking.');
      assert.deepEqual(JSON.parse(args), TOOL_ARGS);
      assert.ok(completed);
      assert.equal(completed.output.length, 2);
      assert.ok((completed.usage?.output_tokens ?? 0) > 0);
    });

    test('the SDK stream helper accepts the event sequence (finalResponse, output_text)', async () => {
      const s = client().responses.stream({ model, input: 'stream me' });
      const final = await s.finalResponse();
      assert.equal(final.output_text.trim(), 'echo: stream me');
    });
  });
}

describe('structured output through text.format', () => {
  test('-> Anthropic target: a forced tool upstream, parseable JSON in output_text (JSON and streamed)', async () => {
    const n = ant.requests.length;
    const format = {
      type: 'json_schema' as const,
      name: 'weather',
      schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    };
    const r = await client().responses.create({ model: 'claude', input: 'Paris weather', text: { format } });
    assert.deepEqual(lastBody(ant, n)['tool_choice'], { type: 'tool', name: 'json_answer' });
    assert.deepEqual(JSON.parse(r.output_text), STRUCTURED);
    const final = await client()
      .responses.stream({ model: 'claude', input: 'Paris weather', text: { format } })
      .finalResponse();
    assert.deepEqual(JSON.parse(final.output_text), STRUCTURED);
  });

  test('-> OpenAI target: text.format becomes response_format', async () => {
    const n = oai.requests.length;
    const r = await client().responses.create({
      model: 'gpt',
      input: 'Paris weather',
      text: { format: { type: 'json_object' } },
    });
    assert.deepEqual(lastBody(oai, n)['response_format'], { type: 'json_object' });
    assert.deepEqual(JSON.parse(r.output_text), STRUCTURED);
  });
});

describe('a stream that breaks', () => {
  test('after content started: an error event the SDK raises, no response.completed', async () => {
    const stream = await client().responses.create({ model: 'gpt-broken', input: 'hello there', stream: true });
    const types: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of stream) types.push(e.type);
      })(),
      (e: unknown) => e instanceof OpenAI.APIError,
    );
    assert.ok(types.includes('response.output_text.delta'));
    assert.ok(!types.includes('response.completed'));
  });
});

describe('refusals: 400 naming the field, nothing sent upstream', () => {
  test('previous_response_id, built-in tools, unknown fields, GET /v1/responses/{id}', async () => {
    const n = oai.requests.length;
    await assert.rejects(
      client().responses.create({ model: 'gpt', input: 'hi', previous_response_id: 'resp_123' }),
      badRequest('previous_response_id'),
    );
    await assert.rejects(
      client().responses.create({ model: 'gpt', input: 'hi', tools: [{ type: 'web_search' }] }),
      badRequest('tools[0].type'),
    );
    await assert.rejects(
      client().responses.create({ model: 'gpt', input: 'hi', background: true }),
      badRequest('background'),
    );
    await assert.rejects(
      client().responses.create({
        model: 'gpt',
        input: 'hi',
        frobnicate: 1,
      } as OpenAI.Responses.ResponseCreateParamsNonStreaming),
      badRequest('frobnicate'),
    );
    await assert.rejects(client().responses.retrieve('resp_123'), badRequest('GET /v1/responses/{id}'));
    assert.equal(oai.requests.length, n);
  });
});
