// The official OpenAI SDK against an in-process gw on 127.0.0.1 with a recording fake upstream:
// what callers see (answers, streams, listings, error classes) and what the upstream receives.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { APIError } from 'openai';
import {
  KEYS,
  UPSTREAM_KEY,
  scriptedHandler,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
} from './helpers.js';

let up: FakeUpstream;
let gw: TestGateway;
const client = (key: string, path = '/v1'): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `${gw.url}${path}`, maxRetries: 0 });
const ask = (content: string) => [{ role: 'user' as const, content }];

before(async () => {
  up = await startUpstream(scriptedHandler());
  gw = await startGateway(up.url);
});
after(async () => {
  await gw.stop();
  await up.close();
});

describe('OpenAI SDK through gw', () => {
  test('chat: the answer comes back and the upstream got the mapped model, its own key and the endpoint settings', async () => {
    const before = up.requests.length;
    const r = await client(KEYS.app).chat.completions.create({
      model: 'fast',
      messages: ask('hello'),
      temperature: 0.9,
    });
    assert.equal(r.choices[0]?.message.content, 'echo: Q: hello');
    assert.equal(r.usage?.total_tokens, 18);
    const sent = up.requests[before];
    assert.ok(sent);
    assert.equal(sent.url, '/v1/chat/completions');
    assert.equal(sent.body['model'], 'up-fast');
    assert.equal(sent.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    for (const [name, value] of Object.entries(sent.headers)) {
      assert.ok(!String(value).includes(KEYS.app), `caller key leaked upstream in ${name}`);
    }
    assert.equal(sent.headers['x-api-key'], undefined);
    // params are defaults (caller's temperature wins, max_tokens filled), system prompt prepended, template applied.
    assert.equal(sent.body['temperature'], 0.9);
    assert.equal(sent.body['max_tokens'], 100);
    assert.deepEqual(sent.body['messages'], [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Q: hello' },
    ]);
  });

  test('chat by endpoint name uses its default model', async () => {
    const before = up.requests.length;
    const r = await client(KEYS.app).chat.completions.create({ model: 'support', messages: ask('hi') });
    assert.equal(r.choices[0]?.message.content, 'echo: Q: hi');
    assert.equal(up.requests[before]?.body['model'], 'up-fast');
  });

  test('lockParams: the endpoint value overrides the caller', async () => {
    const before = up.requests.length;
    await client(KEYS.app).chat.completions.create({ model: 'hush', messages: ask('x'), temperature: 0.7 });
    assert.equal(up.requests[before]?.body['temperature'], 0);
    assert.equal(up.requests[before]?.body['model'], 'up-hush');
  });

  test('streaming: chunks arrive through for-await and join to the full answer', async () => {
    const stream = await client(KEYS.app).chat.completions.create({
      model: 'fast',
      messages: ask('stream me'),
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, 'echo: Q: stream me ');
    assert.ok(chunks >= 4, `expected several chunks, got ${chunks}`);
  });

  test('a stream that breaks mid-way raises an APIError in the SDK instead of ending cleanly', async () => {
    const stream = await client(KEYS.app).chat.completions.create({ model: 'break', messages: ask('x'), stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    }, OpenAI.APIError);
    assert.equal(text, 'partial ');
  });

  test('models.list lists exactly the names the key may use', async () => {
    const all = [];
    for await (const m of client(KEYS.app).models.list()) all.push(m.id);
    assert.deepEqual(all, ['break', 'fail', 'fast', 'hang', 'hush', 'quiet', 'slow', 'smart', 'support']);
    const limited = [];
    for await (const m of client(KEYS.limited).models.list()) limited.push(m);
    assert.deepEqual(
      limited.map((m) => m.id),
      ['fast', 'support'],
    );
    assert.equal(limited[0]?.object, 'model');
    assert.equal(limited[0]?.owned_by, 'gw');
    const other = [];
    for await (const m of client(KEYS.other).models.list()) other.push(m.id);
    assert.deepEqual(other, ['elsewhere', 'far']);
  });

  test('embeddings go to the endpoint target', async () => {
    const r = await client(KEYS.app).embeddings.create({ model: 'fast', input: 'vector me' });
    assert.deepEqual(r.data[0]?.embedding, [0.5, 0.25]);
    assert.equal(up.requests.at(-1)?.url, '/v1/embeddings');
    assert.equal(up.requests.at(-1)?.body['model'], 'up-fast');
  });

  test('endpoint-scoped routes resolve only that endpoint', async () => {
    const scoped = client(KEYS.app, '/endpoints/support/v1');
    const names = [];
    for await (const m of scoped.models.list()) names.push(m.id);
    assert.deepEqual(names, ['break', 'fail', 'fast', 'hang', 'slow', 'smart', 'support']);
    const r = await scoped.chat.completions.create({ model: 'smart', messages: ask('scoped') });
    assert.equal(r.model, 'up-smart');
    await assert.rejects(scoped.chat.completions.create({ model: 'hush', messages: ask('x') }), OpenAI.NotFoundError);
    // The endpoint is in the URL, so `model` may be left out.
    const raw = await fetch(`${gw.url}/endpoints/support/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: ask('no model') }),
    });
    assert.equal(raw.status, 200);
    await assert.rejects(
      client(KEYS.app, '/endpoints/nope/v1').chat.completions.create({ model: 'fast', messages: ask('x') }),
      OpenAI.NotFoundError,
    );
  });
});

describe('error classes', () => {
  const expectError = async (
    p: Promise<unknown>,
    cls: new (...a: never[]) => Error,
    code: string,
  ): Promise<APIError> => {
    const err = await p.then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    const apiErr = err as APIError;
    assert.equal(apiErr.code, code);
    assert.ok(apiErr.requestID ?? apiErr.headers?.get('x-request-id'), 'x-request-id on the error answer');
    return apiErr;
  };
  const chat = (key: string, model: string) => client(key).chat.completions.create({ model, messages: ask('x') });

  test('401 for unknown, disabled and expired keys', async () => {
    const unknown = await expectError(chat('not-a-key', 'fast'), OpenAI.AuthenticationError, 'GW_ERR_AUTH_INVALID_KEY');
    const disabled = await expectError(
      chat(KEYS.disabled, 'fast'),
      OpenAI.AuthenticationError,
      'GW_ERR_AUTH_DISABLED_KEY',
    );
    const expired = await expectError(
      chat(KEYS.expired, 'fast'),
      OpenAI.AuthenticationError,
      'GW_ERR_AUTH_EXPIRED_KEY',
    );
    // One message for all three: it names no key and tells nothing of its state.
    const message = (e: APIError): unknown => (e.error as { message?: unknown } | undefined)?.message;
    assert.equal(message(unknown), 'the API key is not valid');
    assert.equal(message(disabled), message(unknown));
    assert.equal(message(expired), message(unknown));
  });

  test('401 without a key; x-api-key works as well as Bearer', async () => {
    const none = await fetch(`${gw.url}/v1/models`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'GW_ERR_AUTH_MISSING_KEY');
    const viaHeader = await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': KEYS.app } });
    assert.equal(viaHeader.status, 200);
  });

  test('403 for scope, role, endpoint and model', async () => {
    await expectError(chat(KEYS.noscope, 'fast'), OpenAI.PermissionDeniedError, 'GW_ERR_AUTH_SCOPE');
    await expectError(chat(KEYS.viewer, 'secret-model'), OpenAI.PermissionDeniedError, 'GW_ERR_AUTH_ROLE');
    await expectError(chat(KEYS.limited, 'hush'), OpenAI.PermissionDeniedError, 'GW_ERR_AUTH_ENDPOINT');
    await expectError(chat(KEYS.limited, 'smart'), OpenAI.PermissionDeniedError, 'GW_ERR_AUTH_MODEL');
  });

  test('404 lists the names the key may use; disabled endpoints and other workspaces are unknown', async () => {
    const e = await expectError(chat(KEYS.limited, 'nope'), OpenAI.NotFoundError, 'GW_ERR_MODEL_NOT_FOUND');
    assert.match(e.message, /this key may use: fast, support/);
    await expectError(chat(KEYS.app, 'gone'), OpenAI.NotFoundError, 'GW_ERR_MODEL_NOT_FOUND');
    await expectError(chat(KEYS.app, 'retired'), OpenAI.NotFoundError, 'GW_ERR_MODEL_NOT_FOUND');
    await expectError(chat(KEYS.other, 'fast'), OpenAI.NotFoundError, 'GW_ERR_MODEL_NOT_FOUND');
    const far = await chat(KEYS.other, 'far');
    assert.equal(far.model, 'up-far');
  });

  test('400 for stream: true on a non-streaming endpoint', async () => {
    const p = client(KEYS.app).chat.completions.create({ model: 'hush', messages: ask('x'), stream: true });
    await expectError(p, OpenAI.BadRequestError, 'GW_ERR_STREAMING_DISABLED');
  });

  test('502 when the upstream fails', async () => {
    await expectError(chat(KEYS.app, 'fail'), OpenAI.InternalServerError, 'GW_ERR_UPSTREAM_EXHAUSTED');
  });
});
