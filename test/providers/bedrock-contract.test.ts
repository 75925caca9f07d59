// The provider contract for the bedrock adapter, against a fake Bedrock runtime that verifies
// every SigV4 signature and streams AWS event-stream messages; then what is Bedrock's own: tool
// calls both ways, usage with cached input, model ids that need encoding in the path, a
// mid-stream exception, a wrong secret refused, Bedrock API keys, and the AWS default chain.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GwError } from '../../src/errors.js';
import { bedrockAdapter } from '../../src/providers/bedrock/index.js';
import { getAdapter } from '../../src/providers/registry.js';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { executeChat } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { call, chatEndpoint, table, to } from '../upstream/helpers.js';
import { runProviderContract } from './contract.js';
import {
  bedrockProvider,
  CREDENTIALS,
  startFakeBedrock,
  TOOL_INPUT,
  type FakeBedrock,
  type Scenario,
} from './bedrock-server.js';

type Obj = Record<string, unknown>;

runProviderContract({
  name: 'bedrock',
  adapter: bedrockAdapter,
  relaysErrorMessage: true,
  start: async () => {
    const fake = await startFakeBedrock();
    return {
      provider: (name, scenario) =>
        bedrockProvider(name, fake.url, {}, { headers: { 'x-contract-scenario': JSON.stringify(scenario) } }),
      close: async () => {
        assert.deepEqual(fake.refused, [], 'every signature verified');
        await fake.close();
      },
    };
  },
});

describe('bedrock adapter', () => {
  let fake: FakeBedrock;
  const pools = new PoolRegistry();
  before(async () => {
    fake = await startFakeBedrock();
  });
  after(async () => {
    await pools.close();
    await fake.close();
  });

  const run = async (p: CompiledProvider, upstreamModel: string, body: Obj, stream = false) => {
    const t = table([chatEndpoint('ep', [to(p, { m: upstreamModel })])]);
    return executeChat(
      call(t, 'ep', 'm', { stream, body: { model: 'm', ...body, ...(stream ? { stream: true } : {}) } }),
      {
        pools,
      },
    );
  };
  const tools = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { location: { type: 'string' } } },
      },
    },
  ];
  const scenario = (s: Scenario): Partial<CompiledProvider> => ({
    headers: { 'x-contract-scenario': JSON.stringify(s) },
  });

  test('is the registered adapter of type bedrock', () => {
    assert.equal(getAdapter('bedrock'), bedrockAdapter);
  });

  test('Converse request: model id encoded in the path, system, inferenceConfig, tools, tool results', async () => {
    const from = fake.requests.length;
    const out = await run(bedrockProvider('b', fake.url), 'anthropic.claude-3-5-haiku-20241022-v1:0', {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C and sunny' },
      ],
      tools,
      tool_choice: 'auto',
      max_tokens: 64,
      temperature: 0.3,
      stop: ['END'],
    });
    const sent = fake.requests[from];
    assert.ok(sent);
    assert.equal(sent.path, '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    assert.deepEqual(sent.body.system, [{ text: 'Be brief.' }]);
    assert.deepEqual(sent.body.inferenceConfig, { maxTokens: 64, temperature: 0.3, stopSequences: ['END'] });
    assert.deepEqual(sent.body.toolConfig, {
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Weather for a city',
            inputSchema: { json: { type: 'object', properties: { location: { type: 'string' } } } },
          },
        },
      ],
      toolChoice: { auto: {} },
    });
    assert.deepEqual(sent.body.messages, [
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ toolUse: { toolUseId: 'call_1', name: 'get_weather', input: { location: 'Paris' } } }],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ text: '18C and sunny' }] } }] },
    ]);
    assert.equal(sent.headers['x-amz-security-token'], CREDENTIALS.sessionToken);
    const json = out.json as Obj;
    assert.equal(json.model, 'anthropic.claude-3-5-haiku-20241022-v1:0');
    assert.deepEqual(((json.choices as Obj[])[0] as Obj).message, {
      role: 'assistant',
      content: 'tool said: 18C and sunny',
    });
  });

  test('a toolUse answer becomes tool_calls, with usage including cached input', async () => {
    const out = await run(bedrockProvider('b', fake.url), 'm-up', {
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
    });
    const choice = ((out.json as Obj).choices as Obj[])[0] as Obj;
    assert.equal(choice.finish_reason, 'tool_calls');
    const message = choice.message as Obj;
    assert.equal(message.content, 'Let me check.');
    assert.deepEqual(message.tool_calls, [
      {
        id: 'tooluse_fake01',
        type: 'function',
        function: { name: 'get_weather', arguments: JSON.stringify(TOOL_INPUT) },
      },
    ]);
    assert.deepEqual(out.usage(), { promptTokens: 25, completionTokens: 9, cacheReadTokens: 4 });
  });

  test('a streamed toolUse arrives as tool_call deltas that add up to the arguments', async () => {
    const out = await run(
      bedrockProvider('b', fake.url),
      'm-up',
      { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools },
      true,
    );
    assert.ok(out.stream);
    const chunks: Obj[] = [];
    for await (const c of out.stream) chunks.push(c);
    const deltas = chunks.map((c) => ((c.choices as Obj[])[0]?.delta as Obj | undefined) ?? {});
    const calls = deltas.flatMap((d) => (d.tool_calls as Obj[] | undefined) ?? []);
    assert.equal(calls[0]?.id, 'tooluse_fake01');
    assert.equal((calls[0]?.function as Obj).name, 'get_weather');
    assert.deepEqual(JSON.parse(calls.map((c) => (c.function as Obj).arguments).join('')), TOOL_INPUT);
    assert.equal(deltas.map((d) => d.content ?? '').join(''), 'Let me check.');
    assert.equal(
      chunks.map((c) => (c.choices as Obj[])[0]?.finish_reason).find((f) => f !== null && f !== undefined),
      'tool_calls',
    );
    assert.deepEqual(out.usage(), { promptTokens: 25, completionTokens: 9, cacheReadTokens: 4 });
  });

  test('an exception message mid-stream ends the stream with its error', async () => {
    const out = await run(
      bedrockProvider('b', fake.url, {}, scenario({ streamException: 'Too many tokens, please wait' })),
      'm-up',
      { messages: [{ role: 'user', content: 'hi' }] },
      true,
    );
    assert.ok(out.stream);
    await assert.rejects(
      (async () => {
        for await (const _c of out.stream!) void _c;
      })(),
      /throttlingException: Too many tokens, please wait/,
    );
  });

  test('a wrong secret key fails the signature check: 403 with AWS message reaches the caller', async () => {
    const refusedBefore = fake.refused.length;
    const wrong = bedrockProvider('b', fake.url, {
      credentials: { ...CREDENTIALS, secretAccessKey: 'not-the-secret-key-at-all' },
    });
    await assert.rejects(run(wrong, 'm-up', { messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof GwError);
      assert.equal(err.details?.upstreamStatus, 403);
      assert.match(String(err.details?.upstreamMessage), /signature/);
      return true;
    });
    assert.deepEqual(fake.refused.slice(refusedBefore), ['the signature does not match']);
  });

  test('the AWS secret key and session token are scrubbed from what an upstream echoes back', async () => {
    const echo = `denied for ${CREDENTIALS.secretAccessKey} with token ${CREDENTIALS.sessionToken}`;
    const p = bedrockProvider('b', fake.url, {}, scenario({ failStatus: 400, message: echo }));
    // compile lists them (test/compile/bedrock.test.ts); this hand-built provider names them too.
    const compiled = { ...p, secrets: [CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken] };
    await assert.rejects(run(compiled, 'm-up', { messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof GwError);
      const text = String(err.details?.upstreamMessage);
      assert.match(text, /denied for/);
      assert.ok(!text.includes(CREDENTIALS.secretAccessKey) && !text.includes(CREDENTIALS.sessionToken), text);
      return true;
    });
  });

  test('auth.bearer (a Bedrock API key) is sent as is, unsigned', async () => {
    const from = fake.requests.length;
    const p = bedrockProvider(
      'b',
      fake.url,
      { credentials: undefined },
      { headers: { authorization: 'Bearer bedrock-api-key-0123' } },
    );
    const out = await run(p, 'm-up', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(((out.json as Obj).choices as Obj[]).length, 1);
    assert.equal(fake.requests[from]?.headers.authorization, 'Bearer bedrock-api-key-0123');
    assert.equal(fake.requests[from]?.headers['x-amz-date'], undefined);
  });

  test('when the default chain finds no credentials the attempt fails, naming GW_ERR_UPSTREAM_CREDENTIALS', async () => {
    const saved = { ...process.env };
    const names = [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ];
    for (const k of names) delete process.env[k];
    // Nothing to find on disk, and no instance metadata lookup (it would leave 127.0.0.1).
    process.env.AWS_CONFIG_FILE = '/nonexistent/gw-test/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/gw-test/credentials';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const from = fake.requests.length;
    try {
      await assert.rejects(
        run(bedrockProvider('nocreds', fake.url, { credentials: undefined }), 'm-up', {
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (err: unknown) => {
          assert.ok(err instanceof GwError);
          assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
          assert.match(
            String(err.details?.upstreamMessage),
            /GW_ERR_UPSTREAM_CREDENTIALS: no AWS credentials for provider nocreds/,
          );
          return true;
        },
      );
      assert.equal(fake.requests.length, from, 'nothing was sent unsigned');
    } finally {
      for (const k of [...names, 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED'])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });

  test('without static credentials the AWS default chain signs (here: from AWS_* environment variables)', async () => {
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = CREDENTIALS.sessionToken;
    try {
      const out = await run(bedrockProvider('chain', fake.url, { credentials: undefined }), 'm-up', {
        messages: [{ role: 'user', content: 'from the chain' }],
      });
      assert.equal((((out.json as Obj).choices as Obj[])[0]?.message as Obj).content, 'bedrock heard: from the chain');
    } finally {
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });
});
