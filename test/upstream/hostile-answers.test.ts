// An upstream that answers something other than its API: an endless JSON body, a declared
// length over the cap, an endless SSE line, an HTML page. Each fails that one attempt as a
// protocol error, gw stops reading (the upstream sees its socket closed long before it finished
// writing), and the same pool still serves a normal answer afterwards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getAdapter } from '../../src/providers/registry.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { runAttempt, type AttemptInput, type AttemptResult } from '../../src/upstream/attempt.js';
import { FailureError, type Failure } from '../../src/upstream/failure.js';
import { httpProvider, okJson, sseHead, upstreamHarness, type Upstream } from './helpers.js';

const { pools, upstream } = upstreamHarness();

const MiB = 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 'x');

function adapter(): ProviderAdapter {
  const a = getAdapter('openai');
  assert.ok(a);
  return a;
}

function attempt(up: Upstream, extra: Partial<AttemptInput> = {}): Promise<AttemptResult> {
  return runAttempt({
    provider: httpProvider('hostile', up.url),
    adapter: adapter(),
    op: 'chat',
    body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    stream: false,
    timeoutMs: 5000,
    signal: new AbortController().signal,
    requestId: 'req-hostile',
    pools,
    maxAnswerBytes: MiB,
    maxEventBytes: MiB,
    ...extra,
  });
}

interface Flood {
  /** Resolves with the bytes written when the socket closed (or the total, when it never did). */
  readonly closedAfter: Promise<number>;
}

/**
 * Writes `head`, then `total` bytes of 'x' lazily (each piece after the last one drained),
 * stopping when the connection closes.
 */
function flood(res: ServerResponse, head: string, total: number): Flood {
  let written = 0;
  let closed = false;
  let done!: (n: number) => void;
  const closedAfter = new Promise<number>((resolve) => (done = resolve));
  res.on('close', () => {
    closed = true;
    done(written);
  });
  const pump = (): void => {
    while (!closed && written < total) {
      written += PIECE.length;
      if (!res.write(PIECE)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!closed) {
      res.end();
      done(written);
    }
  };
  res.write(head);
  pump();
  return { closedAfter };
}

function failureOf(r: AttemptResult): Failure {
  assert.equal(r.ok, false, 'the attempt failed');
  return (r as { failure: Failure }).failure;
}

async function streamFailure(r: AttemptResult): Promise<Failure> {
  assert.ok(r.ok && 'chunks' in r, 'the stream started');
  try {
    for await (const _ of r.chunks) {
      // nothing arrives before the failure
    }
  } catch (err) {
    assert.ok(err instanceof FailureError, String(err));
    return err.failure;
  }
  assert.fail('the stream ended without a failure');
}

describe('hostile upstream answers', () => {
  test('a 600 MB non-streamed answer over a 1 MiB cap: protocol failure, the upstream is cut off, the pool still serves', async () => {
    let sent: Flood | undefined;
    const up = await upstream((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no declared length
      sent = flood(res, '{"choices":"', 600 * MiB);
    });
    const f = failureOf(await attempt(up));
    assert.equal(f.protocol, true);
    assert.equal(f.cls, '5xx');
    assert.match(f.message, /larger than 1048576 bytes/);
    assert.ok(sent);
    const written = await sent.closedAfter;
    assert.ok(written < 100 * MiB, `the upstream was cut off after ${written} bytes, not 600 MB`);

    up.handler = okJson('still here');
    const ok = await attempt(up);
    assert.ok(ok.ok && 'json' in ok);
    assert.equal((ok.json.choices as { message: { content: string } }[])[0]?.message.content, 'still here');
  });

  test('a declared Content-Length over the cap fails before the body is read', async () => {
    let sent: Flood | undefined;
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(600 * MiB) });
      sent = flood(res, '{', 600 * MiB - 1);
    });
    const f = failureOf(await attempt(up));
    assert.equal(f.protocol, true);
    assert.match(f.message, /maxAnswerBytes/);
    assert.ok(sent);
    assert.ok((await sent.closedAfter) < 100 * MiB);
  });

  test('an answer under the cap is read whole', async () => {
    const up = await upstream(okJson('y'.repeat(512 * 1024)));
    const r = await attempt(up);
    assert.ok(r.ok && 'json' in r);
  });

  test('a 50 MB SSE data line over a 1 MiB event cap: protocol failure, the upstream is cut off', async () => {
    let sent: Flood | undefined;
    const up = await upstream((_req, res) => {
      sseHead(res);
      sent = flood(res, 'data: {"choices":"', 50 * MiB);
    });
    const f = await streamFailure(await attempt(up, { stream: true }));
    assert.equal(f.protocol, true);
    assert.match(f.message, /larger than 1048576 bytes \(upstream\.maxEventBytes\)/);
    assert.ok(sent);
    const written = await sent.closedAfter;
    assert.ok(written < 40 * MiB, `the upstream was cut off after ${written} bytes, not 50 MB`);
  });

  test('many small events adding up past the event cap are fine', async () => {
    const up = await upstream((_req, res, rec) => {
      sseHead(res);
      const event = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: rec.body.model, choices: [{ index: 0, delta: { content: 'z'.repeat(4000) }, finish_reason: null }] })}\n\n`;
      for (let i = 0; i < 400; i++) res.write(event); // ~1.6 MB in all, each event 4 KB
      res.end('data: [DONE]\n\n');
    });
    const r = await attempt(up, { stream: true });
    assert.ok(r.ok && 'chunks' in r);
    let n = 0;
    for await (const _ of r.chunks) n++;
    assert.equal(n, 400);
  });

  test('200 text/html to a JSON request: protocol failure', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    });
    const f = failureOf(await attempt(up));
    assert.equal(f.protocol, true);
    assert.equal(f.cls, '5xx');
  });

  test('200 text/html to a stream request: protocol failure, not a cut stream', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>\n<body>Welcome to nginx!</body>\n</html>\n');
    });
    const f = await streamFailure(await attempt(up, { stream: true }));
    assert.equal(f.protocol, true);
    assert.match(f.message, /not an event stream/);
  });

  test('an event that is not JSON is a protocol failure; an in-band upstream error is not', async () => {
    const up = await upstream((_req, res) => {
      sseHead(res);
      res.end('data: <html>oops</html>\n\n');
    });
    const bad = await streamFailure(await attempt(up, { stream: true }));
    assert.equal(bad.protocol, true);
    up.handler = (_req, res) => {
      sseHead(res);
      res.end('data: {"error":{"message":"overloaded"}}\n\n');
    };
    const inBand = await streamFailure(await attempt(up, { stream: true }));
    assert.notEqual(inBand.protocol, true);
    assert.match(inBand.message, /overloaded/);
  });
});
