// What each cloud type sends and how its answers come back, beyond the contract: Azure's
// deployment mapping, embeddings and content filter; Gemini's request shape, tool calls both
// ways (streamed and not) and safety blocks; Vertex's token cache and refresh; preset quirks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { compileProvider } from '../../src/compile/providers.js';
import { GwError } from '../../src/errors.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { call, chatEndpoint, httpProvider, table, to } from '../upstream/helpers.js';
import {
  startFakeAzure,
  startFakeGemini,
  startTokenEndpoint,
  TOOL_ARGS,
  type Fake,
  type TokenEndpoint,
} from './cloud-fakes.js';

type Obj = Record<string, unknown>;
const pools = new PoolRegistry();
after(() => pools.close());

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
      additionalProperties: false,
    },
  },
};

function single(p: CompiledProvider, model = 'm'): ReturnType<typeof table> {
  return table([chatEndpoint('ep', [to(p, { exposed: model })])]);
}

async function chat(p: CompiledProvider, body: Obj, stream = false, model = 'm') {
  return executeChat(call(single(p, model), 'ep', 'exposed', { stream, body: { model: 'exposed', ...body } }), {
    pools,
  });
}

async function collect(out: Awaited<ReturnType<typeof executeChat>>): Promise<Obj[]> {
  const chunks: Obj[] = [];
  if (out.stream) for await (const c of out.stream) chunks.push(c as Obj);
  return chunks;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<GwError> {
  let caught: unknown;
  await assert.rejects(p, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof GwError, String(caught));
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe('azure-openai', () => {
  let fake: Fake;
  const provider = (extra: Partial<CompiledProvider> = {}): CompiledProvider =>
    httpProvider('az', `${fake.origin}`, {
      type: 'azure-openai',
      headers: { 'api-key': 'azure-key-123456' },
      options: { apiVersion: '2024-06-01', deployments: new Map([['gpt-4o', 'prod-gpt4o']]) },
      ...extra,
    });
  before(async () => {
    fake = await startFakeAzure({
      apiKey: 'azure-key-123456',
      apiVersion: '2024-06-01',
      deployments: ['prod-gpt4o', 'gpt-4o-mini', 'embed-small'],
      bearer: 'entra-token-abcdef',
    });
  });
  after(() => fake.close());

  test('a mapped model goes to its deployment, an unmapped one is its own deployment; api-version and api-key are sent', async () => {
    const out = await chat(provider(), { messages: [{ role: 'user', content: 'hi' }] }, false, 'gpt-4o');
    assert.equal(((out.json as Obj).choices as Obj[])[0]?.finish_reason, 'stop');
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.url, '/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-06-01');
    assert.equal(sent.headers['api-key'], 'azure-key-123456');
    await chat(provider(), { messages: [{ role: 'user', content: 'hi' }] }, false, 'gpt-4o-mini');
    assert.equal(fake.requests.at(-1)!.url, '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-06-01');
  });

  test('a Microsoft Entra ID bearer token works instead of the key', async () => {
    const p = provider({ headers: { authorization: 'Bearer entra-token-abcdef' } });
    const out = await chat(p, { messages: [{ role: 'user', content: 'hi' }] }, false, 'gpt-4o');
    assert.equal(out.attempts.at(-1)?.status, 200);
  });

  test('embeddings go to the deployment embeddings path', async () => {
    const t = table([chatEndpoint('ep', [to(provider(), { e: 'embed-small' })])]);
    const out = await executeEmbeddings({ ...call(t, 'ep', 'e'), body: { model: 'e', input: 'hello' } }, { pools });
    assert.equal(((out.json as Obj).data as Obj[]).length, 1);
    assert.equal(fake.requests.at(-1)!.url, '/openai/deployments/embed-small/embeddings?api-version=2024-06-01');
  });

  test("Azure's content filter refusal is GW_ERR_UPSTREAM_BLOCKED (400) with Azure's message", async () => {
    const err = await rejectsWith(
      chat(provider(), { messages: [{ role: 'user', content: 'something forbidden' }] }, false, 'gpt-4o'),
      'GW_ERR_UPSTREAM_BLOCKED',
    );
    assert.equal(err.details?.upstreamStatus, 400);
    assert.match(err.message, /content management policy/);
  });

  test('a tool call streams through as OpenAI tool_calls; filter-only chunks are left out', async () => {
    const out = await chat(
      provider(),
      { messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], stream: true },
      true,
      'gpt-4o',
    );
    const chunks = await collect(out);
    assert.ok(chunks.every((c) => (c.choices as Obj[]).length > 0));
    const call = ((chunks[1]?.choices as Obj[])[0]?.delta as Obj).tool_calls as Obj[];
    assert.equal((call[0]?.function as Obj).name, 'get_weather');
    assert.equal((chunks.at(-1)?.choices as Obj[])[0]?.finish_reason, 'tool_calls');
  });
});

describe('gemini', () => {
  let fake: Fake;
  const provider = (): CompiledProvider =>
    httpProvider('gm', `${fake.origin}/v1beta`, { type: 'gemini', headers: { 'x-goog-api-key': 'gemini-key-123456' } });
  before(async () => {
    fake = await startFakeGemini({
      modelsPath: '/v1beta/models',
      auth: (r) => (r.headers['x-goog-api-key'] === 'gemini-key-123456' ? undefined : 'bad key'),
    });
  });
  after(() => fake.close());

  test('system messages become systemInstruction, assistant turns role model, sampling fields generationConfig', async () => {
    await chat(
      provider(),
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'one' },
          { role: 'assistant', content: 'two' },
          { role: 'user', content: [{ type: 'text', text: 'three' }] },
        ],
        temperature: 0.3,
        top_p: 0.9,
        max_tokens: 64,
        stop: ['END'],
        response_format: { type: 'json_object' },
        user: 'someone',
      },
      false,
      'gemini-2.0-flash',
    );
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.url, '/v1beta/models/gemini-2.0-flash:generateContent');
    assert.deepEqual(sent.body, {
      contents: [
        { role: 'user', parts: [{ text: 'one' }] },
        { role: 'model', parts: [{ text: 'two' }] },
        { role: 'user', parts: [{ text: 'three' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: {
        temperature: 0.3,
        topP: 0.9,
        maxOutputTokens: 64,
        stopSequences: ['END'],
        responseMimeType: 'application/json',
      },
    });
  });

  test('tools: declarations go out without unsupported schema keywords; a functionCall comes back as tool_calls', async () => {
    const out = await chat(
      provider(),
      { messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [WEATHER_TOOL], tool_choice: 'required' },
      false,
      'gemini-2.0-flash',
    );
    const sent = fake.requests.at(-1)!.body;
    const decl = ((sent.tools as Obj[])[0]?.functionDeclarations as Obj[])[0] as Obj;
    assert.equal(decl.name, 'get_weather');
    assert.equal('additionalProperties' in (decl.parameters as Obj), false);
    assert.deepEqual(sent.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    const choice = ((out.json as Obj).choices as Obj[])[0] as Obj;
    assert.equal(choice.finish_reason, 'tool_calls');
    const calls = (choice.message as Obj).tool_calls as Obj[];
    assert.equal((calls[0]?.function as Obj).name, 'get_weather');
    assert.deepEqual(JSON.parse(String((calls[0]?.function as Obj).arguments)), TOOL_ARGS);
  });

  test('a tool result goes back as a functionResponse named after the call it answers', async () => {
    const out = await chat(
      provider(),
      {
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        ],
        tools: [WEATHER_TOOL],
      },
      false,
      'gemini-2.0-flash',
    );
    const contents = fake.requests.at(-1)!.body.contents as Obj[];
    assert.deepEqual(contents[1], {
      role: 'model',
      parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }],
    });
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }],
    });
    const message = (((out.json as Obj).choices as Obj[])[0] as Obj).message as Obj;
    assert.equal(message.content, 'tool said: {"temp":21}');
  });

  test('a streamed tool call arrives as one tool_calls delta, then finish_reason tool_calls and usage', async () => {
    const out = await chat(
      provider(),
      {
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [WEATHER_TOOL],
        stream: true,
        stream_options: { include_usage: true },
      },
      true,
      'gemini-2.0-flash',
    );
    const chunks = await collect(out);
    assert.match(fake.requests.at(-1)!.url, /:streamGenerateContent\?alt=sse$/);
    const calls = chunks.flatMap(
      (c) => (((c.choices as Obj[])[0]?.delta as Obj | undefined)?.tool_calls as Obj[]) ?? [],
    );
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.index, 0);
    assert.deepEqual(JSON.parse(String((calls[0]?.function as Obj).arguments)), TOOL_ARGS);
    assert.equal((chunks.at(-2)?.choices as Obj[])[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 31, completion_tokens: 7, total_tokens: 38 });
  });

  test('a prompt the safety filters block is GW_ERR_UPSTREAM_BLOCKED, streamed or not, and does not fall back', async () => {
    for (const stream of [false, true]) {
      const err = await rejectsWith(
        chat(provider(), { messages: [{ role: 'user', content: 'something forbidden' }], stream }, stream),
        'GW_ERR_UPSTREAM_BLOCKED',
      );
      assert.match(
        err.message,
        /blocked by the upstream's safety filters \(SAFETY; flagged: HARM_CATEGORY_DANGEROUS_CONTENT\)/,
      );
      assert.equal((err.details?.attempts as unknown[]).length, 1, `stream=${stream}`);
    }
  });
});

describe('vertex', () => {
  let tokens: TokenEndpoint;
  let fake: Fake;
  const base = '/v1/projects/example-project/locations/us-central1';
  before(async () => {
    tokens = await startTokenEndpoint();
    fake = await startFakeGemini({ modelsPath: `${base}/publishers/google/models`, auth: tokens.checkBearer });
  });
  after(async () => {
    await fake.close();
    await tokens.close();
  });

  test('the token comes from the key token_uri, is reused while fresh, and is fetched again before it expires', async () => {
    // A key of its own (so no client from another test holds a token): the first token lives 60 s,
    // inside the refresh margin, so the next request fetches a new one; that one lives an hour.
    const own = await startTokenEndpoint();
    own.lifetimes.push(60, 3600);
    const local = await startFakeGemini({ modelsPath: `${base}/publishers/google/models`, auth: own.checkBearer });
    try {
      const pv = httpProvider('vx', `${local.origin}${base}`, {
        type: 'vertex',
        headers: {},
        options: { googleCredentials: own.key },
      });
      for (let i = 0; i < 3; i++)
        await chat(pv, { messages: [{ role: 'user', content: `q${i}` }] }, false, 'gemini-2.0-flash');
      assert.deepEqual(
        local.requests.map((r) => r.headers.authorization),
        ['Bearer ya29.fake-token-1', 'Bearer ya29.fake-token-2', 'Bearer ya29.fake-token-2'],
      );
      assert.equal(own.requests.length, 2);
      assert.deepEqual(own.problems, []);
      assert.equal(local.requests[0]?.url, `${base}/publishers/google/models/gemini-2.0-flash:generateContent`);
    } finally {
      await local.close();
      await own.close();
    }
  });

  test('an access token the upstream echoes in an error is scrubbed from what the caller sees', async () => {
    const { startUpstream } = await import('../upstream/helpers.js');
    const up = await startUpstream((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 400, message: `refused token ${String(req.headers.authorization).slice('Bearer '.length)}` },
        }),
      );
    });
    try {
      const p = httpProvider('vx-echo', up.url, {
        type: 'vertex',
        headers: {},
        options: { googleCredentials: tokens.key },
      });
      const err = await rejectsWith(
        chat(p, { messages: [{ role: 'user', content: 'hi' }] }),
        'GW_ERR_UPSTREAM_EXHAUSTED',
      );
      const text = `${err.message} ${String(err.details?.upstreamMessage)}`;
      assert.match(text, /refused/);
      assert.ok(tokens.issued.length > 0);
      for (const t of tokens.issued) assert.ok(!text.includes(t), text);
    } finally {
      await up.close();
    }
  });

  test('credentials that are not a service-account key fail the attempt with GW_ERR_UPSTREAM_AUTH in the message', async () => {
    const p = httpProvider('vx-bad', `${fake.origin}${base}`, {
      type: 'vertex',
      headers: {},
      options: { googleCredentials: '{"type":"authorized_user"}' },
    });
    const err = await rejectsWith(
      chat(p, { messages: [{ role: 'user', content: 'hi' }] }),
      'GW_ERR_UPSTREAM_EXHAUSTED',
    );
    assert.match(String(err.details?.upstreamMessage), /GW_ERR_UPSTREAM_AUTH.*not a service-account key/);
  });
});

describe('presets', () => {
  const manifest = (spec: Obj) =>
    compileProvider('default', 'p', { apiVersion: 'gw/v1', kind: 'Provider', metadata: { name: 'p' }, spec } as never);

  test('a preset fills the baseUrl when none is given; an explicit one wins', () => {
    assert.equal(manifest({ type: 'openai', preset: 'groq' })?.provider.baseUrl, 'https://api.groq.com/openai/v1');
    assert.equal(
      manifest({ type: 'openai', preset: 'vllm', baseUrl: 'http://gpu-box:8000/v1' })?.provider.baseUrl,
      'http://gpu-box:8000/v1',
    );
  });

  test("mistral's quirks: refused fields are removed, seed is sent as random_seed", async () => {
    const { startUpstream, okJson } = await import('../upstream/helpers.js');
    const up = await startUpstream(okJson('fine'));
    try {
      const compiled = manifest({
        type: 'openai',
        preset: 'mistral',
        baseUrl: up.url,
        auth: { bearer: 'mistral-key-1234' },
      });
      assert.ok(compiled !== undefined);
      await chat(compiled.provider, {
        messages: [{ role: 'user', content: 'hi' }],
        seed: 7,
        user: 'u-1',
        max_completion_tokens: 20,
      });
      const sent = up.requests.at(-1)!.body;
      assert.equal(sent.random_seed, 7);
      assert.equal(sent.max_tokens, 20);
      for (const gone of ['seed', 'user', 'max_completion_tokens', 'stream_options'])
        assert.equal(gone in sent, false, gone);
      assert.equal(up.requests.at(-1)!.headers.authorization, 'Bearer mistral-key-1234');
    } finally {
      await up.close();
    }
  });
});

describe('vertex credentials in plans', () => {
  test('a service-account key written literally is masked; a reference is shown as written', async () => {
    const { maskValue } = await import('../../src/state/mask.js');
    const path = ['spec', 'vertex', 'credentials'];
    assert.equal(maskValue(path, '{"private_key":"-----BEGIN PRIVATE KEY-----"}'), '[masked]');
    assert.equal(maskValue(path, '${file:./sa.json}'), '${file:./sa.json}');
  });
});
