// Prompt endpoints end to end, against an in-process gw and a recording fake upstream: the
// endpoint's input and output JSON Schemas (422; 502 only after every target was tried), sessions
// (history across calls, trimming, TTL, bound to the key), and the simple API
// (POST /api/{workspace}/{endpoint}, GET /api/{workspace}/endpoints) with every error status in
// its envelope. Callers: the official OpenAI and Anthropic SDKs and plain HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { KEY, startPromptGateway, type PromptGateway } from './prompt-gateway.js';

type Obj = Record<string, unknown>;
let gw: PromptGateway;

before(async () => {
  gw = await startPromptGateway();
});
after(async () => {
  await gw.stop();
});

const openai = (key = KEY.app): OpenAI => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Obj;
  readonly text: string;
}

async function call(
  path: string,
  body: unknown,
  opts: { key?: string | null; method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const key = opts.key === undefined ? KEY.app : opts.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  const res = await fetch(`${gw.url}${path}`, {
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    // an event stream
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

const api = (endpoint: string, body: unknown, opts?: Parameters<typeof call>[2]): Promise<Answer> =>
  call(`/api/default/${endpoint}`, body, opts);

/** The upstream requests made while `fn` ran. */
async function upstreamDuring(fn: () => Promise<unknown>): Promise<Obj[]> {
  const from = gw.up.requests.length;
  await fn();
  return gw.up.requests.slice(from).map((r) => r.body);
}

function messagesOf(body: Obj): { role: string; content: string }[] {
  return body['messages'] as { role: string; content: string }[];
}

function errorOf(a: Answer): { code: string; message: string } {
  assert.equal(a.body['ok'], false, a.text);
  return a.body['error'] as { code: string; message: string };
}

/** The events of a simple-API stream, in order. */
function events(text: string): { event: string; data: Obj }[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => {
      const event = /^event: (.*)$/m.exec(b)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? 'null') as Obj;
      return { event, data };
    });
}

// --- schemas

test('input schema on a chat route: the last user message is parsed as JSON; 422 names the path (OpenAI SDK)', async () => {
  const client = openai();
  const ok = await client.chat.completions.create({
    model: 'typed',
    messages: [{ role: 'user', content: '{"city": "Paris"}' }],
  });
  assert.match(ok.choices[0]?.message.content ?? '', /Paris/);
  await assert.rejects(
    client.chat.completions.create({ model: 'typed', messages: [{ role: 'user', content: '{"city": 3}' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.UnprocessableEntityError);
      assert.equal(err.code, 'GW_ERR_INPUT_SCHEMA');
      assert.match(err.message, /\/city must be string/);
      return true;
    },
  );
  const sent = await upstreamDuring(() =>
    assert.rejects(
      client.chat.completions.create({ model: 'typed', messages: [{ role: 'user', content: 'Paris please' }] }),
      (err: unknown) => err instanceof OpenAI.UnprocessableEntityError && /not JSON/.test(err.message),
    ),
  );
  assert.equal(sent.length, 0, 'a refused input never goes upstream');
});

test('simple API input: checked by the schema, then rendered into the template ({{input}} and {{input.field}})', async () => {
  const sent = await upstreamDuring(async () => {
    const a = await api('typed', { input: { city: 'Paris', unit: 'c' } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body['ok'], true);
  });
  const msgs = messagesOf(sent[0] as Obj);
  assert.deepEqual(msgs[0], { role: 'system', content: 'Answer briefly.' });
  assert.equal(msgs[1]?.content, 'City Paris in c; all: {"city":"Paris","unit":"c"}');

  const wrong = await api('typed', { input: { unit: 'kelvin' } });
  assert.equal(wrong.status, 422);
  const e = errorOf(wrong);
  assert.equal(e.code, 'GW_ERR_INPUT_SCHEMA');
  assert.match(e.message, /must have required property 'city'/);
  assert.match(e.message, /\/unit must be equal to one of the allowed values/);

  // The message is bounded: five failures named, each cut at 300 characters.
  const input: Obj = { city: 'x' };
  for (let i = 0; i < 8; i++) input[`${i}${'k'.repeat(1000)}`] = i;
  const many = await api('typed', { input });
  assert.equal(many.status, 422);
  const m = errorOf(many).message;
  assert.match(m, /\(and 3 more\)$/);
  assert.ok(m.length < 2000, `${m.length} characters`);
});

test('output schema: a non-matching answer is a failed attempt, the next target answers; structured output is asked', async () => {
  const sent = await upstreamDuring(async () => {
    const a = await api('strict', { message: 'yes or no?' });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body['content'], '{"answer": "yes"}');
    assert.equal((a.body['meta'] as Obj)['provider'], 'up-b');
  });
  assert.deepEqual(
    sent.map((b) => b['model']),
    ['json-bad', 'json-good'],
  );
  const rf = (sent[0] as Obj)['response_format'] as Obj;
  assert.equal(rf['type'], 'json_schema');
  assert.deepEqual((rf['json_schema'] as Obj)['schema'], {
    type: 'object',
    required: ['answer'],
    properties: { answer: { type: 'string' } },
  });
  // A Markdown code fence around the JSON is not held against the answer.
  const fenced = await api('fenced', { message: 'x' });
  assert.equal(fenced.status, 200, fenced.text);
});

test('output schema: 502 GW_ERR_OUTPUT_SCHEMA only after every target was tried (Anthropic SDK and simple API)', async () => {
  const client = new Anthropic({ apiKey: KEY.app, baseURL: gw.url, maxRetries: 0 });
  const sent = await upstreamDuring(() =>
    assert.rejects(
      client.messages.create({ model: 'never', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.APIError);
        assert.equal(err.status, 502);
        assert.match(err.message, /output schema/);
        return true;
      },
    ),
  );
  assert.deepEqual(
    sent.map((b) => b['model']),
    ['json-bad', 'json-wrong'],
  );
  const a = await api('never', { message: 'x' });
  assert.equal(a.status, 502);
  const e = errorOf(a);
  assert.equal(e.code, 'GW_ERR_OUTPUT_SCHEMA');
  assert.match(e.message, /must have required property 'answer'/);
});

test('output schema on a stream: the upstream is asked for one answer, checked, then streamed (OpenAI SDK)', async () => {
  const sent = await upstreamDuring(async () => {
    const stream = await openai().chat.completions.create({
      model: 'strict',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'yes?' }],
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, '{"answer": "yes"}');
    assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });
  assert.deepEqual(
    sent.map((b) => [b['model'], b['stream']]),
    [
      ['json-bad', false],
      ['json-good', false],
    ],
  );
});

// --- sessions

test('a session across three calls (simple API): history prepended after the system prompt, trimmed to maxMessages', async () => {
  const sent = await upstreamDuring(async () => {
    const first = await api('chatty', { message: 'one' });
    assert.equal(first.status, 200, first.text);
    const id = (first.body['meta'] as Obj)['session_id'] as string;
    assert.match(id, /^[\w-]{36}$/);
    assert.equal(first.headers.get('x-gw-session-id'), id);
    const second = await api('chatty', { message: 'two', session_id: id });
    assert.equal((second.body['meta'] as Obj)['session_id'], id);
    const third = await api('chatty', { message: 'three', session_id: id });
    assert.equal(third.status, 200, third.text);
  });
  const roles = (b: Obj): string[] => messagesOf(b).map((m) => `${m.role}:${m.content}`);
  assert.deepEqual(roles(sent[0] as Obj), ['system:Be kind.', 'user:one']);
  assert.deepEqual(roles(sent[1] as Obj), ['system:Be kind.', 'user:one', 'assistant:echo: one', 'user:two']);
  // maxMessages 4: the oldest turn is dropped, the system prompt kept.
  assert.deepEqual(roles(sent[2] as Obj), ['system:Be kind.', 'user:two', 'assistant:echo: two', 'user:three']);
});

test('sessions on the chat route (OpenAI SDK, x-gw-session-id), streamed answers stored too', async () => {
  const client = openai();
  const { response } = await client.chat.completions
    .create({ model: 'chatty', messages: [{ role: 'user', content: 'alpha' }] })
    .withResponse();
  const id = response.headers.get('x-gw-session-id');
  assert.ok(id);
  const sent = await upstreamDuring(async () => {
    const stream = await client.chat.completions.create(
      { model: 'chatty', stream: true, messages: [{ role: 'user', content: 'beta' }] },
      { headers: { 'x-gw-session-id': id } },
    );
    for await (const _ of stream) void _;
    await client.chat.completions.create(
      { model: 'chatty', messages: [{ role: 'user', content: 'gamma' }] },
      { headers: { 'x-gw-session-id': id } },
    );
  });
  assert.deepEqual(
    messagesOf(sent[1] as Obj).map((m) => m.content),
    ['Be kind.', 'beta', 'echo: beta ', 'gamma'],
  );
});

test('sessions through the Anthropic SDK: the header starts and continues one, the history goes upstream', async () => {
  const client = new Anthropic({ apiKey: KEY.app, baseURL: gw.url, maxRetries: 0 });
  const { response } = await client.messages
    .create({ model: 'chatty', max_tokens: 50, messages: [{ role: 'user', content: 'uno' }] })
    .withResponse();
  const id = response.headers.get('x-gw-session-id');
  assert.ok(id);
  const sent = await upstreamDuring(async () => {
    const msg = await client.messages.create(
      { model: 'chatty', max_tokens: 50, messages: [{ role: 'user', content: 'dos' }] },
      { headers: { 'x-gw-session-id': id } },
    );
    assert.equal(msg.content[0]?.type === 'text' ? msg.content[0].text : '', 'echo: dos');
  });
  assert.deepEqual(
    messagesOf(sent[0] as Obj).map((m) => m.content),
    ['Be kind.', 'uno', 'echo: uno', 'dos'],
  );
});

test('sessions are trimmed by maxTokens, oldest turns first', async () => {
  const line = (w: string): string => `${w} ${'x'.repeat(39 - w.length)}`; // 40 chars: 10 tokens + 1
  const sent = await upstreamDuring(async () => {
    const first = await api('tokeny', { message: line('first') });
    const id = (first.body['meta'] as Obj)['session_id'] as string;
    await api('tokeny', { message: line('second'), session_id: id });
    await api('tokeny', { message: line('third'), session_id: id });
  });
  const firstWords = (b: Obj): string[] => messagesOf(b).map((m) => m.content.replace(/ x+$/, ''));
  assert.deepEqual(firstWords(sent[1] as Obj), ['first', 'echo: first', 'second']);
  // 4 stored messages came to 48 tokens (> 40): the first turn went.
  assert.deepEqual(firstWords(sent[2] as Obj), ['second', 'echo: second', 'third']);
});

test('a session expires after its ttl, and belongs to the key that started it (404 for others)', async () => {
  const first = await api('chatty', { message: 'mine' });
  const id = (first.body['meta'] as Obj)['session_id'] as string;
  const stranger = await api('chatty', { message: 'yours?', session_id: id }, { key: KEY.other });
  assert.equal(stranger.status, 404);
  assert.equal(errorOf(stranger).code, 'GW_ERR_SESSION_NOT_FOUND');
  const unknown = await api('chatty', { message: 'x', session_id: 'no-such-session' });
  assert.equal(unknown.status, 404);
  assert.equal(errorOf(unknown).message.replace('no-such-session', id), errorOf(stranger).message);
  // Another key on the chat route: the same 404.
  await assert.rejects(
    openai(KEY.other).chat.completions.create(
      { model: 'chatty', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-gw-session-id': id } },
    ),
    (err: unknown) => err instanceof OpenAI.NotFoundError,
  );
  assert.equal((await api('chatty', { message: 'still here', session_id: id })).status, 200);
  gw.advance(61_000); // ttl 1m
  const expired = await api('chatty', { message: 'gone?', session_id: id });
  assert.equal(expired.status, 404);
  assert.equal(errorOf(expired).code, 'GW_ERR_SESSION_NOT_FOUND');
});

test('session ids are bounded: over 128 characters or odd characters → 400; none on an endpoint without sessions', async () => {
  for (const bad of ['x'.repeat(129), 'has space', 'semi;colon', 7]) {
    const a = await api('chatty', { message: 'x', session_id: bad });
    assert.equal(a.status, 400, String(bad));
    assert.equal(errorOf(a).code, 'GW_ERR_BAD_REQUEST');
  }
  const header = await call(
    '/v1/chat/completions',
    { model: 'chatty', messages: [{ role: 'user', content: 'x' }] },
    { headers: { 'x-gw-session-id': 'y'.repeat(129) } },
  );
  assert.equal(header.status, 400);
  const none = await api('plain', { message: 'x', session_id: 'abc' });
  assert.equal(none.status, 400);
  assert.match(errorOf(none).message, /keeps no sessions/);
  // 128 characters is still an id (unknown here: 404, not 400).
  assert.equal((await api('chatty', { message: 'x', session_id: 'z'.repeat(128) })).status, 404);
});

// --- the simple API

test('simple API: message → the envelope with content and meta', async () => {
  const a = await api('plain', { message: 'hello there' });
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.body, {
    ok: true,
    content: 'echo: hello there',
    meta: {
      session_id: null,
      model: 'plain',
      provider: 'up-a',
      usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      request_id: a.headers.get('x-request-id'),
    },
  });
});

test('simple API: messages are sent as given', async () => {
  const sent = await upstreamDuring(async () => {
    const a = await api('plain', {
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ],
    });
    assert.equal(a.body['content'], 'echo: q2');
  });
  assert.deepEqual(
    messagesOf(sent[0] as Obj).map((m) => m.content),
    ['q1', 'a1', 'q2'],
  );
});

test('simple API: stream → delta events, then done with meta', async () => {
  const a = await api('chatty', { message: 'stream me', stream: true });
  assert.equal(a.status, 200);
  assert.match(a.headers.get('content-type') ?? '', /text\/event-stream/);
  const evs = events(a.text);
  const done = evs.at(-1);
  assert.equal(done?.event, 'done');
  assert.equal(done?.data['ok'], true);
  const meta = done?.data['meta'] as Obj;
  assert.deepEqual(meta['usage'], { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  assert.equal(typeof meta['session_id'], 'string');
  const deltas = evs.slice(0, -1);
  assert.ok(deltas.every((e) => e.event === 'delta'));
  assert.equal(deltas.map((e) => e.data['content']).join(''), 'echo: stream me ');
});

test('simple API: every error status in the envelope', async () => {
  const cases: [string, Promise<Answer>, number, string][] = [
    ['not JSON', api('plain', '{"message": '), 400, 'GW_ERR_INVALID_JSON'],
    ['message not a string', api('plain', { message: 3 }), 400, 'GW_ERR_BAD_REQUEST'],
    ['two inputs', api('plain', { message: 'a', input: {} }), 400, 'GW_ERR_BAD_REQUEST'],
    ['nothing to send', api('plain', {}), 400, 'GW_ERR_BAD_REQUEST'],
    ['unknown field', api('plain', { message: 'a', temperature: 2 }), 400, 'GW_ERR_BAD_REQUEST'],
    [
      'stream on a non-streaming endpoint',
      api('plain', { message: 'a', stream: true }),
      400,
      'GW_ERR_STREAMING_DISABLED',
    ],
    ['no key', api('plain', { message: 'a' }, { key: null }), 401, 'GW_ERR_AUTH_MISSING_KEY'],
    ['unknown key', api('plain', { message: 'a' }, { key: 'nope' }), 401, 'GW_ERR_AUTH_INVALID_KEY'],
    ['role not allowed', api('admins', { message: 'a' }), 403, 'GW_ERR_AUTH_ROLE'],
    ['unknown endpoint', api('nowhere', { message: 'a' }), 404, 'GW_ERR_MODEL_NOT_FOUND'],
    ['another workspace', call('/api/elsewhere/plain', { message: 'a' }), 404, 'GW_ERR_MODEL_NOT_FOUND'],
    ['no such route', call('/api/default', { message: 'a' }), 404, 'GW_ERR_ROUTE_NOT_FOUND'],
    ['GET on a call', api('plain', undefined), 405, 'GW_ERR_METHOD_NOT_ALLOWED'],
    ['body too large', api('plain', { message: 'x'.repeat(20_000) }), 413, 'GW_ERR_BODY_TOO_LARGE'],
    [
      'not JSON media type',
      api('plain', 'message=hi', { headers: { 'content-type': 'text/plain' } }),
      415,
      'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['input token cap', api('plain', { message: 'y'.repeat(400) }), 422, 'GW_ERR_TOKEN_CAP'],
    ['input schema', api('typed', { input: { city: 1 } }), 422, 'GW_ERR_INPUT_SCHEMA'],
    ['output schema', api('never', { message: 'a' }), 502, 'GW_ERR_OUTPUT_SCHEMA'],
    ['upstream timeout', api('slow', { message: 'a' }), 504, 'GW_ERR_UPSTREAM_TIMEOUT'],
  ];
  for (const [what, pending, status, code] of cases) {
    const a = await pending;
    assert.equal(a.status, status, `${what}: ${a.text}`);
    assert.equal(errorOf(a).code, code, what);
    assert.ok(a.headers.get('x-request-id'), what);
  }
  assert.equal((await api('limited', { message: 'a' })).status, 200);
  const limited = await api('limited', { message: 'a' });
  assert.equal(limited.status, 429);
  assert.equal(errorOf(limited).code, 'GW_ERR_RATE_LIMITED');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});

// --- listings

test('GET /api/{workspace}/endpoints lists what the key may call, role-filtered, with input schemas', async () => {
  const names = async (key: string): Promise<string[]> => {
    const a = await call('/api/default/endpoints', undefined, { key });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body['ok'], true);
    return (a.body['endpoints'] as Obj[]).map((e) => String(e['name']));
  };
  const editor = await names(KEY.app);
  assert.ok(!editor.includes('admins'));
  assert.ok(editor.includes('typed') && editor.includes('chatty'));
  assert.ok((await names(KEY.admin)).includes('admins'));
  assert.ok(!(await names(KEY.ops)).includes('admins'));

  const a = await call('/api/default/endpoints', undefined);
  const typed = (a.body['endpoints'] as Obj[]).find((e) => e['name'] === 'typed');
  assert.deepEqual(typed, {
    name: 'typed',
    url: '/api/default/typed',
    description: 'Weather by city',
    models: ['typed'],
    streaming: true,
    sessions: false,
    input_schema: {
      type: 'object',
      required: ['city'],
      additionalProperties: false,
      properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
    },
  });
  const other = await call('/api/elsewhere/endpoints', undefined);
  assert.equal(other.status, 404);
  assert.equal(errorOf(other).code, 'GW_ERR_MODEL_NOT_FOUND');
  const noKey = await call('/api/default/endpoints', undefined, { key: null });
  assert.equal(noKey.status, 401);
  assert.equal(errorOf(noKey).code, 'GW_ERR_AUTH_MISSING_KEY');
  // /v1/models filters the same way.
  const models = await openai(KEY.app).models.list();
  assert.ok(!models.data.some((m) => m.id === 'admins' || m.id === 'secret'));
});
