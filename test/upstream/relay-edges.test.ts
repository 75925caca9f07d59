// The relayed stream (src/upstream/sse-chunks.ts relay(), after priming in src/upstream/stream.ts)
// at its edges, each against a real HTTP upstream: a failure after the first content, a caller
// already full when relaying starts, a stream that ended before the relay listened.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GwError } from '../../src/errors.js';
import { executeChat } from '../../src/upstream/execute.js';
import type { ChunkSource } from '../../src/upstream/sse-chunks.js';
import { call, chatEndpoint, chunk, deferred, httpProvider, sseHead, table, to, upstreamHarness } from './helpers.js';
import {
  KEYS,
  startGateway,
  startUpstream as startServeUpstream,
  type FakeUpstream,
  type TestGateway,
} from '../serve/helpers.js';
import { escapedDuring, turns } from '../helpers/escaped.js';

const { pools, upstream } = upstreamHarness();
type Chunk = Record<string, unknown>;

const content = (c: Chunk): string =>
  (c.choices as { delta?: { content?: string } }[] | undefined)?.[0]?.delta?.content ?? '';

function relayOf(stream: AsyncIterable<Chunk> | undefined): NonNullable<ChunkSource['relay']> {
  const relay = (stream as ChunkSource | undefined)?.relay;
  assert.ok(relay, 'an HTTP upstream stream can be relayed');
  return relay.bind(stream as ChunkSource);
}

describe('a relayed stream', () => {
  // The relay takes its listeners off the body, then destroys it; undici's body reports a destroy
  // before its end as an 'error' a tick later. Unheard, that error was an uncaught exception: any
  // decode failure after the first content (an event that is not JSON, an in-band error, an
  // oversized or blocked event) took the gateway process down.
  test('a decode failure mid-relay rejects the relay and nothing escapes to the process', async () => {
    const next = deferred();
    const closed = deferred();
    const up = await upstream((_req, res, rec) => {
      res.on('close', () => closed.resolve());
      sseHead(res);
      res.write(chunk(rec.body.model, { content: 'one' }));
      void next.promise.then(() => res.write('data: {not json\n\n'));
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const got: Chunk[] = [];
    const uncaught = await escapedDuring(async () => {
      const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
      const relayed = relayOf(out.stream)({
        take: (c) => {
          got.push(c);
          if (content(c) === 'one') next.resolve();
          return true;
        },
        drained: () => Promise.resolve(),
      });
      await assert.rejects(
        relayed,
        (err: unknown) => err instanceof GwError && err.code === 'GW_ERR_UPSTREAM_PROTOCOL',
      );
      await closed.promise; // the upstream request was cut
      await turns(); // the destroyed body's events have been emitted
    });
    assert.deepEqual(got.map(content), ['one']);
    assert.deepEqual(uncaught.map(String), [], 'no error escapes to the process');
  });

  // The pull reader's return() takes its 'readable' listener off, and Node then resumes, a tick
  // later, a body with a 'data' listener. When the chunks left from priming already fill the
  // caller, that resume must not undo the relay's pause.
  test('a caller that is full at the switch to relaying gets nothing more until drained', async () => {
    const more = deferred();
    const written = deferred();
    const up = await upstream((_req, res, rec) => {
      const m = rec.body.model;
      sseHead(res);
      // One piece: the first content and a chunk after it, left queued when priming stops.
      res.write(
        chunk(m, { role: 'assistant', content: '' }) + chunk(m, { content: 'one' }) + chunk(m, { content: ' two' }),
      );
      void more.promise.then(() => {
        res.write(chunk(m, { content: ' three' }));
        res.end('data: [DONE]\n\n', () => written.resolve());
      });
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
    const drain = deferred();
    let full = true;
    const takenWhileFull: string[] = [];
    const relayed = relayOf(out.stream)({
      take: (c) => {
        if (full) takenWhileFull.push(content(c));
        if (content(c) === ' two') more.resolve(); // the upstream sends the rest only now
        return false; // the caller's socket is full from the first chunk on
      },
      drained: () => drain.promise,
    });
    await written.promise;
    await turns(); // the rest of the stream reached gw's socket and was handled
    const early = takenWhileFull.slice();
    full = false;
    drain.resolve();
    await relayed;
    assert.deepEqual(early, ['', 'one', ' two'], 'nothing past the primed piece is taken while the caller is full');
  });

  // A body whose end came while nobody listened (between priming and relay(), while a stage took
  // a turn) is destroyed by autoDestroy by the time the relay starts: it is still reported as a
  // stream that ended before its end marker, not as a premature close.
  test('a stream cut short before its end marker is reported the same whether or not a turn passed before relaying', async () => {
    const up = await upstream((_req, res, rec) => {
      const m = rec.body.model;
      sseHead(res);
      res.end(chunk(m, { role: 'assistant', content: '' }) + chunk(m, { content: 'one' })); // no [DONE]
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const messages: string[] = [];
    for (const wait of [0, 4]) {
      const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
      await turns(wait); // 4: the body's end is emitted before the relay listens
      const err = await relayOf(out.stream)({ take: () => true, drained: () => Promise.resolve() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof GwError);
      messages.push(err.message);
    }
    assert.deepEqual(messages, [
      'the upstream stream broke: the upstream stream ended before its end marker',
      'the upstream stream broke: the upstream stream ended before its end marker',
    ]);
  });
});

describe('a relayed stream, through the gateway', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  const sendError = deferred();
  before(async () => {
    up = await startServeUpstream((r, res) => {
      const m = String(r.body['model']);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk(m, { role: 'assistant', content: '' }));
      res.write(chunk(m, { content: 'partial' }));
      // An OpenAI-compatible server reporting a failure in-band, after content went out.
      void sendError.promise.then(() =>
        res.write('data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'),
      );
    });
    gw = await startGateway(up.url);
  });
  after(async () => {
    await gw.stop();
    await up.close();
  });

  test('an in-band error event mid-stream ends the caller stream with an error event, without an uncaught error', async () => {
    let text = '';
    const uncaught = await escapedDuring(async () => {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(r.status, 200);
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      while (!text.includes('partial')) {
        const { value, done } = await reader.read();
        assert.equal(done, false);
        text += dec.decode(value, { stream: true });
      }
      sendError.resolve(); // the upstream reports its failure once content reached the caller
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value, { stream: true });
      }
      await Promise.all(up.closed);
      await turns();
    });
    assert.match(text, /overloaded/);
    assert.doesNotMatch(text, /\[DONE\]/);
    assert.deepEqual(uncaught.map(String), [], 'no error escapes to the gateway process');
  });
});

describe('a pulled stream after its end marker', () => {
  // A stream read one event at a time (as output guardrails and sessions read it) keeps reading
  // what comes after [DONE] only up to the drain limit, then lets the connection go: an upstream
  // that goes on sending cannot hold it until the body timeout.
  test(
    'bytes that keep coming after [DONE] are drained up to the limit, then the connection is cut',
    { timeout: 10_000 },
    async () => {
      const closed = deferred();
      const up = await upstream((_req, res, rec) => {
        const m = rec.body.model;
        res.on('close', () => closed.resolve());
        sseHead(res);
        res.write(chunk(m, { role: 'assistant', content: '' }) + chunk(m, { content: 'one' }) + 'data: [DONE]\n\n');
        // Then comment lines, 16 KB at a time, for as long as the socket takes them.
        const junk = `: ${'x'.repeat(16 * 1024)}\n`;
        const more = (): void => {
          while (!res.destroyed && res.write(junk));
          if (!res.destroyed) res.once('drain', more);
        };
        more();
      });
      const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
      const out = await executeChat(call(t, 'bot', 'm', { stream: true }), { pools });
      const got: string[] = [];
      for await (const c of out.stream as AsyncIterable<Chunk>) got.push(content(c));
      assert.deepEqual(got, ['', 'one']);
      await closed.promise; // gw cut the connection once past the drain limit
    },
  );
});
