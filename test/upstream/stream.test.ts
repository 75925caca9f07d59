import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { GwError } from '../../src/errors.js';
import { executeChat } from '../../src/upstream/execute.js';
import type { ChunkSource } from '../../src/upstream/sse-chunks.js';
import {
  call,
  chatEndpoint,
  chunk,
  deferred,
  httpProvider,
  mockProvider,
  sseHead,
  table,
  to,
  upstreamHarness,
} from './helpers.js';

const { pools, upstream } = upstreamHarness();

type Chunk = Record<string, unknown>;
const text = (chunks: Chunk[]): string =>
  chunks.map((c) => (c.choices as { delta?: { content?: string } }[])[0]?.delta?.content ?? '').join('');

async function collect(it: AsyncIterable<Chunk> | undefined): Promise<Chunk[]> {
  assert.ok(it, 'a stream');
  const out: Chunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

/** A normal OpenAI stream: role preamble, content pieces, finish, usage when asked, [DONE]. */
function openaiStream(pieces: string[]) {
  return (_req: unknown, res: ServerResponse, rec: { body: Record<string, unknown> }): void => {
    const m = rec.body.model;
    sseHead(res);
    res.write(': keep-alive comment\n\n');
    res.write(chunk(m, { role: 'assistant', content: '' }));
    for (const p of pieces) res.write(chunk(m, { content: p }));
    res.write(chunk(m, {}, 'stop'));
    const so = rec.body.stream_options as { include_usage?: boolean } | undefined;
    if (so?.include_usage === true) {
      res.write(
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: m, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  };
}

describe('streaming', () => {
  test('chunks are yielded as they arrive, not after the body ends', async () => {
    const next = deferred();
    const up = await upstream((_req, res, rec) => {
      sseHead(res);
      res.write(chunk(rec.body.model, { role: 'assistant', content: '' }));
      res.write(chunk(rec.body.model, { content: 'first' }));
      void next.promise.then(() => {
        res.write(chunk(rec.body.model, { content: ' second' }, 'stop'));
        res.end('data: [DONE]\n\n');
      });
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const it = out.stream?.[Symbol.asyncIterator]();
    assert.ok(it);
    const preamble = await it.next();
    assert.deepEqual((preamble.value as Chunk).choices, [
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
    ]);
    const first = await it.next();
    assert.equal(text([first.value as Chunk]), 'first'); // chunk 2 not written yet
    next.resolve();
    const second = await it.next();
    assert.equal(text([second.value as Chunk]), ' second');
    assert.equal((await it.next()).done, true);
    assert.ok(out.ttfbMs >= 0);
  });

  test('gw asks for usage, records it, and strips the usage chunk the caller did not ask for', async () => {
    const up = await upstream(openaiStream(['Hel', 'lo']));
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const chunks = await collect(out.stream);
    assert.deepEqual((up.requests.at(-1)?.body.stream_options as Chunk).include_usage, true);
    assert.equal(up.requests.at(-1)?.body.stream, true);
    assert.equal(text(chunks), 'Hello');
    assert.ok(chunks.every((c) => Array.isArray(c.choices) && c.choices.length > 0 && !('usage' in c)));
    assert.deepEqual(out.usage(), { promptTokens: 7, completionTokens: 3 });
  });

  test('the usage chunk is kept when the caller asked for it', async () => {
    const up = await upstream(openaiStream(['Hi']));
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'q' }],
      stream: true,
      stream_options: { include_usage: true },
    };
    const out = await executeChat(call(t, 'bot', 'm', { stream: true, body }), { pools });
    const chunks = await collect(out.stream);
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.deepEqual(last?.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  test('a reset after content makes the iterator throw, never a clean end', async () => {
    const up = await upstream((_req, res, rec) => {
      sseHead(res);
      res.write(chunk(rec.body.model, { role: 'assistant', content: '' }));
      res.write(chunk(rec.body.model, { content: 'partial' }), () => res.socket?.destroy());
    });
    const backup = await upstream(openaiStream(['never used']));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' }), to(httpProvider('b', backup.url), { m: 'y' })]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const got: Chunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of out.stream ?? []) got.push(c);
      })(),
      (err: unknown) =>
        err instanceof GwError && err.code === 'GW_ERR_UPSTREAM_EXHAUSTED' && err.details?.midStream === true,
    );
    assert.equal(text(got), 'partial');
    assert.match(out.attempts[0]?.error ?? '', /mid-stream/);
    assert.equal(backup.requests.length, 0);
  });

  test('a reset before any content falls back to the next target', async () => {
    const up = await upstream((_req, res, rec) => {
      sseHead(res);
      res.write(chunk(rec.body.model, { role: 'assistant', content: '' }), () => res.socket?.destroy());
    });
    const backup = await upstream(openaiStream(['from ', 'backup']));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' }), to(httpProvider('b', backup.url), { m: 'y' })]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const chunks = await collect(out.stream);
    assert.equal(text(chunks), 'from backup');
    assert.equal(out.provider.name, 'b');
    assert.equal(out.attempts.length, 2);
    assert.match(out.attempts[0]?.error ?? '', /^connect/);
    // exactly one role preamble reached the caller: the failed target's was held back
    assert.equal(
      chunks.filter((c) => (c.choices as { delta: { role?: string } }[])[0]?.delta.role === 'assistant').length,
      1,
    );
  });

  test('a stream that goes silent mid-body longer than the timeout fails with a timeout, pulled or relayed', async () => {
    const up = await upstream((_req, res, rec) => {
      sseHead(res);
      res.write(chunk(rec.body.model, { content: 'start' }));
      const timer = setInterval(() => res.write(': ping\n\n'), 400);
      res.on('close', () => clearInterval(timer));
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })], { timeoutMs: 150 })]);
    for (const read of [collect, relayAll]) {
      const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
      await assert.rejects(
        read(out.stream),
        (err: unknown) => err instanceof GwError && err.code === 'GW_ERR_UPSTREAM_TIMEOUT',
        read.name,
      );
    }
  });

  test('the caller aborting mid-stream closes the upstream request', async () => {
    const closed = deferred();
    const up = await upstream((req, res, rec) => {
      res.on('close', () => closed.resolve());
      sseHead(res);
      res.write(chunk(rec.body.model, { content: 'one' }));
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const ctrl = new AbortController();
    const out = await executeChat(call(t, 'bot', 'm', { stream: true, signal: ctrl.signal }), { pools });
    const it = out.stream?.[Symbol.asyncIterator]();
    assert.ok(it);
    assert.equal(text([(await it.next()).value as Chunk]), 'one');
    const pending = it.next();
    ctrl.abort();
    await assert.rejects(pending, (err: unknown) => err instanceof GwError && err.details?.callerAborted === true);
    await closed.promise;
  });

  test('a caller that stops reading early releases the upstream', async () => {
    const closed = deferred();
    const up = await upstream((req, res, rec) => {
      res.on('close', () => closed.resolve());
      sseHead(res);
      res.write(chunk(rec.body.model, { content: 'one' }));
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    for await (const _c of out.stream ?? []) break;
    await closed.promise;
  });

  test('the mock streams its reply in chunkSize pieces with a usage estimate', async () => {
    const t = table([
      chatEndpoint('bot', [to(mockProvider('mock', { reply: 'echo: {{input}}', chunkSize: 4 }), { m: 'mock-1' })]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const chunks = await collect(out.stream);
    const pieces = chunks
      .map((c) => (c.choices as { delta: { content?: string } }[])[0]?.delta.content)
      .filter((x) => x);
    assert.deepEqual(pieces, ['echo', ': he', 'llo ', 'ther', 'e']);
    assert.deepEqual(out.usage(), { promptTokens: 3, completionTokens: 5 });
  });

  test('a mock with failStatus falls back before anything is streamed', async () => {
    const t = table([
      chatEndpoint('bot', [
        to(mockProvider('broken', { failStatus: 503 }), { m: 'a' }),
        to(mockProvider('fine', { reply: 'ok' }), { m: 'b' }),
      ]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    assert.equal(text(await collect(out.stream)), 'ok');
    assert.deepEqual(
      out.attempts.map((a) => [a.provider, a.status]),
      [
        ['broken', 503],
        ['fine', 200],
      ],
    );
  });
});

/**
 * Takes a stream the way the caller's writer does when nothing rewrote it (serve/sse.ts): relayed,
 * each chunk pushed as it arrives. `got` fills as chunks come, also when the relay then fails.
 */
function relayAll(
  stream: AsyncIterable<Chunk> | undefined,
  got: Chunk[] = [],
  onTake: () => void = () => undefined,
): Promise<Chunk[]> {
  const relay = (stream as ChunkSource | undefined)?.relay;
  assert.ok(relay, 'an HTTP upstream stream can be relayed');
  return relay
    .call(stream, {
      take: (c) => {
        got.push(c);
        onTake();
        return true;
      },
      drained: () => Promise.resolve(),
    })
    .then(() => got);
}

describe('streaming, relayed', () => {
  test('every chunk arrives with its usage read; the usage chunk the caller did not ask for is stripped', async () => {
    const up = await upstream(openaiStream(['Hel', 'lo', ' there']));
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const chunks = await relayAll(out.stream);
    assert.equal(text(chunks), 'Hello there');
    assert.ok(chunks.every((c) => Array.isArray(c.choices) && c.choices.length > 0 && !('usage' in c)));
    assert.deepEqual(out.usage(), { promptTokens: 7, completionTokens: 3 });
  });

  test('a reset after content rejects with a mid-stream error, after the content that came', async () => {
    const up = await upstream((_req, res, rec) => {
      sseHead(res);
      res.write(chunk(rec.body.model, { role: 'assistant', content: '' }));
      res.write(chunk(rec.body.model, { content: 'partial' }));
      res.write(chunk(rec.body.model, { content: ' more' }), () => res.socket?.destroy());
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const got: Chunk[] = [];
    await assert.rejects(
      relayAll(out.stream, got),
      (err: unknown) =>
        err instanceof GwError && err.code === 'GW_ERR_UPSTREAM_EXHAUSTED' && err.details?.midStream === true,
    );
    assert.equal(text(got), 'partial more');
  });

  test('the caller aborting mid-stream ends the relay and closes the upstream request', async () => {
    const closed = deferred();
    const up = await upstream((_req, res, rec) => {
      res.on('close', () => closed.resolve());
      sseHead(res);
      res.write(chunk(rec.body.model, { content: 'one' }));
      res.write(chunk(rec.body.model, { content: ' two' }));
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const ctrl = new AbortController();
    const out = await executeChat(call(t, 'bot', 'm', { stream: true, signal: ctrl.signal }), { pools });
    const got: Chunk[] = [];
    const both = deferred();
    const relayed = relayAll(out.stream, got, () => (text(got) === 'one two' ? both.resolve() : undefined));
    // The caller leaves once ' two' reached it: the upstream never ends the stream itself.
    await both.promise;
    ctrl.abort();
    await assert.rejects(relayed, (err: unknown) => err instanceof GwError && err.details?.callerAborted === true);
    await closed.promise;
  });
});
