// Pipelines without a socket: a whole surface's pipeline and single stages run against a
// MemorySink, with a fake request (a readable stream with headers) and the in-process mock
// provider. Also compose's guard against a stage calling next() twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { CompiledChatEndpoint, CompiledKey, RoutingTable } from '../../src/compile/routing-table.js';
import { CallerLink } from '../../src/serve/caller-link.js';
import { createContext, type Api, type RequestContext } from '../../src/serve/context.js';
import { MemoryReservationStore } from '../../src/policy/memory-stores.js';
import { buildPipeline, compose, PIPELINES, stageNames, type Stage, type StageDeps } from '../../src/serve/pipeline.js';
import { OPENAI_ROUTES, ANTHROPIC_ROUTES } from '../../src/serve/routes.js';
import { MemorySink } from '../../src/serve/sink.js';
import { respondStage } from '../../src/serve/stages/respond.js';
import { transformStage } from '../../src/serve/stages/transform.js';
import type { UsageRow } from '../../src/telemetry/usage-row.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { chatEndpoint, mockProvider, table, to } from '../upstream/helpers.js';

const SECRET = 'gw-pipeline-test-key';

function withKey(t: RoutingTable): RoutingTable {
  const key: CompiledKey = {
    name: 'app',
    workspace: 'default',
    hash: createHash('sha256').update(SECRET).digest('hex'),
    roles: new Set(['admin']),
    scopes: new Set(['chat']),
    allowEndpoints: undefined,
    allowModels: undefined,
    limits: { rpm: undefined, rph: undefined, tpm: undefined, monthlyBudgetUsd: undefined },
    expiresAt: undefined,
    enabled: true,
  };
  return { ...t, keys: new Map([[key.hash, key]]) };
}

const mock = mockProvider('m');
const TABLE = withKey(
  table([
    chatEndpoint('chat', [to(mock, { small: 'mock-1' })], { prompt: { system: 'Be brief.', template: undefined } }),
  ]),
);

function fakeRequest(method: string, body: unknown | undefined): IncomingMessage {
  const bytes = body === undefined ? [] : [Buffer.from(JSON.stringify(body))];
  const req = Readable.from(bytes) as unknown as IncomingMessage & { complete: boolean };
  req.method = method;
  req.headers = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
  req.complete = false;
  req.on('end', () => {
    req.complete = true;
  });
  return req;
}

function context(
  api: Api,
  body: unknown,
  sink: MemorySink,
  route = [...OPENAI_ROUTES, ...ANTHROPIC_ROUTES].find((r) => r.api === api),
): RequestContext {
  assert.ok(route);
  return createContext({
    id: 'req-1',
    req: fakeRequest(route.method, body),
    sink,
    table: TABLE,
    route: {
      api,
      dialect: route.dialect,
      scope: route.scope,
      label: route.label,
      endpointScope: undefined,
      params: {},

      rest: '',
    },
    caller: new CallerLink(),
    maxBodyBytes: 1 << 20,
    maxJsonDepth: 64,
    bodyTimeoutMs: 0,
    t0: performance.now(),
  });
}

function deps(rows: UsageRow[]): StageDeps {
  return {
    logger: createLogger({ level: 'silent' } as never),
    usageLog: { record: (r) => void rows.push(r) },
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
    budgets: { reservations: new MemoryReservationStore(), spent: () => 0 },
  };
}

test('each surface has a positive stage list', () => {
  assert.deepEqual(stageNames('models'), ['usage', 'errors', 'auth', 'models', 'respond']);
  assert.deepEqual(stageNames('count_tokens'), [
    'usage',
    'errors',
    'auth',
    'body',
    'route',
    'transform',
    'countTokens',
    'respond',
  ]);
  assert.ok(!stageNames('embeddings').includes('transform'));
  assert.equal(stageNames('chat').length, 17);
  for (const list of Object.values(PIPELINES)) assert.equal(new Set(list.map(([n]) => n)).size, list.length);
});

test('the chat pipeline runs without a socket: JSON answer in the sink, one usage row', async () => {
  const rows: UsageRow[] = [];
  const sink = new MemorySink();
  const ctx = context('chat', { model: 'small', messages: [{ role: 'user', content: 'hi' }] }, sink);
  await buildPipeline('chat', deps(rows))(ctx);
  assert.equal(sink.status, 200);
  assert.ok(sink.ended);
  const answer = sink.body() as { choices: { message: { content: string } }[] };
  assert.equal(typeof answer.choices[0]?.message.content, 'string');
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.status, 200);
  assert.equal(rows[0]?.provider, 'm');
  // transform applied the endpoint's system prompt to the body sent upstream
  assert.deepEqual((ctx.body?.['messages'] as unknown[])[0], { role: 'system', content: 'Be brief.' });
});

test('a streamed chat answer is written to the sink as events, with the dialect end', async () => {
  const sink = new MemorySink();
  const ctx = context(
    'chat',
    { model: 'small', stream: true, messages: [{ role: 'user', content: 'hi there' }] },
    sink,
  );
  await buildPipeline('chat', deps([]))(ctx);
  assert.equal(sink.status, 200);
  assert.match(String(sink.headers['content-type']), /text\/event-stream/);
  assert.ok(sink.text().endsWith('data: [DONE]\n\n'));
  assert.ok(ctx.streamedChars > 0, 'the openai codec counted the streamed text');
});

test('the models pipeline answers from the table; a bad key gets the dialect error in the sink', async () => {
  const sink = new MemorySink();
  await buildPipeline('models', deps([]))(context('models', undefined, sink));
  assert.equal(sink.status, 200);
  assert.deepEqual((sink.body() as { data: { id: string }[] }).data.map((m) => m.id).sort(), ['chat', 'small']);

  const bad = new MemorySink();
  const ctx = context('models', undefined, bad);
  ctx.req.headers.authorization = 'Bearer nope';
  await buildPipeline('models', deps([]))(ctx);
  assert.equal(bad.status, 401);
  assert.equal((bad.body() as { error: { code: string } }).error.code, 'GW_ERR_AUTH_INVALID_KEY');
});

test('count_tokens on an Anthropic body: the endpoint prompt counts, answered locally', async () => {
  const sink = new MemorySink();
  await buildPipeline(
    'count_tokens',
    deps([]),
  )(context('count_tokens', { model: 'small', messages: [{ role: 'user', content: 'abcd' }] }, sink));
  assert.equal(sink.status, 200);
  assert.deepEqual(sink.body(), { input_tokens: 4 }); // 'Be brief.\nabcd' = 14 chars
});

test('single stages: transform shapes both bodies through one path; respond writes local answers', async () => {
  const ep = {
    params: { temperature: 0.1 },
    lockParams: true,
    prompt: { system: 'S', template: '<{{input}}>' },
  } as unknown as CompiledChatEndpoint;
  const ctx = context('chat', undefined, new MemorySink(), ANTHROPIC_ROUTES[0]);
  ctx.endpoint = ep;
  ctx.body = { model: 'x', temperature: 1, messages: [{ role: 'user', content: 'q' }] };
  ctx.native = {
    dialect: 'anthropic',
    body: { model: 'x', temperature: 1, max_tokens: 5, messages: [{ role: 'user', content: 'q' }] },
  };
  let reached = false;
  await transformStage()(ctx, async () => {
    reached = true;
  });
  assert.ok(reached);
  assert.deepEqual(ctx.body, {
    model: 'x',
    temperature: 0.1,
    messages: [
      { role: 'system', content: 'S' },
      { role: 'user', content: '<q>' },
    ],
  });
  assert.deepEqual(ctx.native?.body, {
    model: 'x',
    temperature: 0.1,
    max_tokens: 5,
    messages: [{ role: 'user', content: '<q>' }],
    system: 'S',
  });

  const sink = new MemorySink();
  const local = context('models', undefined, sink);
  local.local = { ok: true };
  await respondStage(deps([]))(local, async () => {});
  assert.equal(local.status, 200);
  assert.deepEqual(sink.body(), { ok: true });
});

test('respond passes a raw outcome on as bytes', async () => {
  const sink = new MemorySink();
  const ctx = context('chat', undefined, sink);
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('ab');
    yield Buffer.from('cd');
  }
  ctx.outcome = {
    provider: undefined,
    upstreamModel: undefined,
    attempts: [],
    ttfbMs: undefined,
    raw: { status: 201, headers: { 'x-up': '1' }, body: bytes() },
    usage: () => undefined,
  };
  await respondStage(deps([]))(ctx, async () => {});
  assert.equal(sink.status, 201);
  assert.equal(sink.headers['x-up'], '1');
  assert.equal(sink.text(), 'abcd');
  assert.ok(sink.ended && !sink.destroyed);
});

test('compose: a stage that calls next() twice is refused', async () => {
  let inner = 0;
  const twice: Stage = async (_ctx, next) => {
    await next();
    await next();
  };
  const counted: Stage = async () => {
    inner++;
  };
  const run = compose([twice, counted]);
  await assert.rejects(run({} as RequestContext), /next\(\) called more than once/);
  assert.equal(inner, 1);
});

test('compose: stages run in order, onion-style, and the end of the list resolves', async () => {
  const seen: string[] = [];
  const stage =
    (name: string): Stage =>
    async (_ctx, next) => {
      seen.push(`>${name}`);
      await next();
      seen.push(`<${name}`);
    };
  await compose([stage('a'), stage('b')])({} as RequestContext);
  assert.deepEqual(seen, ['>a', '>b', '<b', '<a']);
});

test('an upstream stream is let go when a stage after the upstream one fails before the answer', async () => {
  let returned = 0;
  const stream: AsyncIterableIterator<Record<string, unknown>> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => Promise.resolve({ done: false, value: { choices: [] } }),
    return: () => {
      returned++;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const d: StageDeps = {
    ...deps([]),
    upstream: {
      executeChat: () =>
        Promise.resolve({
          provider: mock,
          upstreamModel: 'mock-1',
          attempts: [],
          ttfbMs: 1,
          dialect: 'openai',
          stream,
          usage: () => undefined,
        }),
      executeEmbeddings,
    },
  };
  const failing: Stage = () => Promise.reject(new Error('a stage after the upstream one failed'));
  const run = compose(PIPELINES.chat.map(([name, factory]) => (name === 'outputGuardrails' ? failing : factory(d))));
  const sink = new MemorySink();
  await run(context('chat', { model: 'small', stream: true, messages: [{ role: 'user', content: 'hi' }] }, sink));
  assert.equal(sink.status, 500, 'the errors stage answered');
  assert.equal(returned, 1, 'the upstream stream was returned once');
});
