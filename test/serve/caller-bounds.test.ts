// What a caller can send and how long it can hold gw: JSON nesting, __proto__ keys, media type,
// slow or oversized request heads, stalled bodies, callers that stop reading, too many
// connections, and the total deadline of a request. Real sockets against an in-process gateway.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import {
  KEYS,
  scriptedHandler,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
  type UpstreamHandler,
} from './helpers.js';

const auth = { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' };
const ask = [{ role: 'user', content: 'hi' }];

/** scriptedHandler, plus up-smart streamed without end (as fast as the socket takes it) until gw aborts. */
let floodClosed: Promise<void> | undefined;
const handler: UpstreamHandler = (r, res, req) => {
  if (r.body['model'] === 'up-smart' && r.body['stream'] === true) {
    floodClosed = new Promise((done) => res.on('close', () => done()));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const piece = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up-smart', choices: [{ index: 0, delta: { content: 'x'.repeat(16 * 1024) }, finish_reason: null }] })}\n\n`;
    const pump = (): void => {
      while (!res.destroyed && res.write(piece));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
    return;
  }
  if (r.body['model'] === 'up-slow' && r.body['stream'] === true) {
    // BIG_EVENTS events of 64 KiB, numbered, written as fast as the socket takes them, then [DONE].
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const pump = (): void => {
      for (; n < BIG_EVENTS; n++) {
        const chunk = {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'up-slow',
          choices: [{ index: 0, delta: { content: `${n}:${'y'.repeat(64 * 1024)}` }, finish_reason: null }],
        };
        if (!res.write(`data: ${JSON.stringify(chunk)}\n\n`)) {
          n++;
          res.once('drain', pump);
          return;
        }
      }
      res.end('data: [DONE]\n\n');
    };
    pump();
    return;
  }
  scriptedHandler(3000)(r, res, req);
};
const BIG_EVENTS = 200;

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** POST with a body written by `write` (it may be cut short by the answer). */
function post(
  base: string,
  path: string,
  headers: Record<string, string | number>,
  write: (req: ReturnType<typeof request>) => void,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    // The gateway may answer and close before the whole body went out: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    write(req);
  });
}

const code = (r: Raw): unknown => (JSON.parse(r.body) as { error?: { code?: string } }).error?.code;

/** Sends `data` on a raw socket and resolves with everything read until the server closes it. */
function rawExchange(base: string, data: string, opts: { dribble?: string } = {}): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(data));
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.dribble !== undefined) timer = setInterval(() => s.writable && s.write(opts.dribble as string), 100);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err),
    );
    s.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
  });
}

const jsonOf = (raw: string): { error?: { code?: string } } =>
  JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error?: { code?: string } };

describe('caller bounds', () => {
  let up: FakeUpstream;
  let gw: TestGateway;

  before(async () => {
    up = await startUpstream(handler);
    gw = await startGateway(up.url, {
      proxy: {
        maxBodyBytes: 16 * 1024 * 1024,
        maxHeaderBytes: 4096,
        headersTimeout: '500ms',
        bodyTimeout: '500ms',
        sendTimeout: '500ms',
      },
    });
  });
  after(async () => {
    await gw.stop();
    await up.close();
  });

  test('JSON nested 100k levels deep: 400 GW_ERR_JSON_TOO_DEEP, no stack, no 500', async () => {
    const body = `{"model":"fast","messages":[],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const r = await post(
      gw.url,
      '/v1/chat/completions',
      { ...auth, 'content-length': Buffer.byteLength(body) },
      (req) => req.end(body),
    );
    assert.equal(r.status, 400);
    assert.equal(code(r), 'GW_ERR_JSON_TOO_DEEP');
    assert.doesNotMatch(r.body, /at .*\.js/);
  });

  test('a 10 MB nested body is refused as it arrives; /healthz answers while a second one is still being sent', async () => {
    const half = 5 * 1024 * 1024;
    const nested = Buffer.concat([Buffer.alloc(half, '['), Buffer.alloc(half, ']')]);
    const first = await post(gw.url, '/v1/chat/completions', { ...auth, 'content-length': nested.length }, (req) =>
      req.end(nested),
    );
    assert.equal(first.status, 400);
    assert.equal(code(first), 'GW_ERR_JSON_TOO_DEEP');

    // The second: a long flat string first (nothing to refuse yet), the nesting after it.
    const head = Buffer.from(`{"model":"fast","pad":"${'a'.repeat(1024 * 1024)}","x":`);
    const tail = Buffer.concat([Buffer.alloc(half, '['), Buffer.alloc(half, ']'), Buffer.from('}')]);
    let sendTail: (() => void) | undefined;
    const second = post(
      gw.url,
      '/v1/chat/completions',
      { ...auth, 'content-length': head.length + tail.length },
      (req) => {
        req.write(head);
        sendTail = () => req.end(tail);
      },
    );
    const health = await fetch(`${gw.url}/healthz`);
    assert.equal(health.status, 200, 'the gateway answers while the hostile upload is in flight');
    assert.ok(sendTail, 'the upload had started');
    sendTail();
    const r = await second;
    assert.equal(r.status, 400);
    assert.equal(code(r), 'GW_ERR_JSON_TOO_DEEP');
  });

  test('nesting at the limit (64) passes; one more is refused', async () => {
    const at = (depth: number): string =>
      `{"model":"fast","messages":[{"role":"user","content":"deep"}],"metadata":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    const ok = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: at(64) });
    assert.equal(ok.status, 200, await ok.text());
    const deep = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: at(65) });
    assert.equal(deep.status, 400);
    assert.equal(((await deep.json()) as { error: { code: string } }).error.code, 'GW_ERR_JSON_TOO_DEEP');
  });

  test('__proto__ in a body changes no prototype and skips no endpoint default', async () => {
    const before = up.requests.length;
    const body = `{"model":"fast","messages":[{"role":"user","content":"p"}],"__proto__":{"temperature":2,"max_tokens":5,"polluted":true}}`;
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: auth, body });
    assert.equal(r.status, 200, await r.text());
    const sent = up.requests[before];
    assert.ok(sent);
    // The endpoint's params (temperature 0.2, max_tokens 100) still apply as defaults.
    assert.equal(sent.body['temperature'], 0.2);
    assert.equal(sent.body['max_tokens'], 100);
    assert.equal(sent.body['polluted'], undefined);
    assert.ok(!Object.hasOwn(sent.body, '__proto__'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('415 for a non-JSON Content-Type; JSON with parameters, +json and no Content-Type pass', async () => {
    const body = JSON.stringify({ model: 'fast', messages: ask });
    const plain = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: auth.authorization, 'content-type': 'text/plain' },
      body,
    });
    assert.equal(plain.status, 415);
    assert.equal(((await plain.json()) as { error: { code: string } }).error.code, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE');
    const form = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: auth.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    assert.equal(form.status, 415);
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/vnd.example+json']) {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: auth.authorization, 'content-type': type },
        body,
      });
      assert.equal(r.status, 200, type);
    }
    const none = await post(
      gw.url,
      '/v1/chat/completions',
      { authorization: auth.authorization, 'content-length': Buffer.byteLength(body) },
      (req) => req.end(body),
    );
    assert.equal(none.status, 200, none.body);
  });

  test('slowloris (headers dribbled) is closed with 408 after headersTimeout', async () => {
    const got = await rawExchange(gw.url, 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n', {
      dribble: 'X-Slow: 1\r\n',
    });
    assert.match(got, /^HTTP\/1\.1 408 /);
    assert.match(got, /connection: close/i);
    assert.equal(jsonOf(got).error?.code, 'GW_ERR_REQUEST_TIMEOUT');
  });

  test('a keep-alive socket idle past headersTimeout still serves its next request', async () => {
    const { hostname, port } = new URL(gw.url);
    const s: Socket = connect(Number(port), hostname);
    const lines: string[] = [];
    let wake: (() => void) | undefined;
    s.setEncoding('utf8').on('data', (d: string) => {
      lines.push(d);
      wake?.();
    });
    const answer = async (): Promise<string> => {
      while (!lines.join('').includes('"status"')) await new Promise<void>((done) => (wake = done));
      const all = lines.join('');
      lines.length = 0;
      return all;
    };
    s.write('GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n');
    assert.match(await answer(), /^HTTP\/1\.1 200/);
    // Longer than headersTimeout (500 ms) plus its check interval, with no request in progress.
    await new Promise((done) => setTimeout(done, 900));
    s.write('GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n');
    assert.match(await answer(), /^HTTP\/1\.1 200/);
    s.destroy();
  });

  test('a body that stalls gets 408 GW_ERR_REQUEST_TIMEOUT', async () => {
    const got = await rawExchange(
      gw.url,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEYS.app}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":`,
    );
    assert.match(got, /^HTTP\/1\.1 408 /);
    assert.equal(jsonOf(got).error?.code, 'GW_ERR_REQUEST_TIMEOUT');
  });

  test('oversized headers: 431 GW_ERR_HEADERS_TOO_LARGE', async () => {
    const got = await rawExchange(gw.url, `GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Big: ${'b'.repeat(8192)}\r\n\r\n`);
    assert.match(got, /^HTTP\/1\.1 431 /);
    assert.equal(jsonOf(got).error?.code, 'GW_ERR_HEADERS_TOO_LARGE');
  });

  test('a garbage request line: 400 with a JSON body and Connection: close', async () => {
    const got = await rawExchange(gw.url, 'HELLO THERE\r\n\r\n');
    assert.match(got, /^HTTP\/1\.1 400 /);
    assert.match(got, /connection: close/i);
    assert.match(got, /content-type: application\/json/i);
    assert.equal(jsonOf(got).error?.code, 'GW_ERR_BAD_REQUEST');
  });

  test('a caller that stops reading a stream is cut after sendTimeout, and the upstream request with it', async () => {
    floodClosed = undefined;
    const { hostname, port } = new URL(gw.url);
    const body = JSON.stringify({ model: 'smart', stream: true, messages: ask });
    const s = connect(Number(port), hostname, () => {
      s.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${KEYS.app}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    s.on('error', () => undefined);
    // The first bytes of the answer, then read nothing more (a paused socket sees no close either).
    await new Promise<void>((done) => s.once('data', () => done()));
    s.pause();
    assert.ok(floodClosed, 'the upstream request started');
    await floodClosed;
    s.destroy();
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  });
});

describe('a caller that reads slower than the upstream writes', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  before(async () => {
    up = await startUpstream(handler);
    gw = await startGateway(up.url);
  });
  after(async () => {
    await gw.stop();
    await up.close();
  });

  test('gets every event of a 13 MB stream in order, then [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model: 'slow', stream: true, messages: ask }),
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let reads = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += decoder.decode(r.value, { stream: true });
      // Every 8th read waits a turn of the event loop: gw's writes find the socket full meanwhile.
      if (++reads % 8 === 0) await new Promise((next) => setImmediate(next));
    }
    const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
    assert.equal(events.at(-1), 'data: [DONE]');
    const numbers = events.slice(0, -1).map((e) => {
      const chunk = JSON.parse(e.slice(6)) as { choices: { delta: { content: string } }[] };
      return Number(chunk.choices[0]?.delta.content.split(':')[0]);
    });
    assert.deepEqual(
      numbers,
      Array.from({ length: BIG_EVENTS }, (_, i) => i),
    );
  });
});

describe('connection cap', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  before(async () => {
    up = await startUpstream(handler);
    gw = await startGateway(up.url, { proxy: { maxConnections: 2 } });
  });
  after(async () => {
    await gw.stop();
    await up.close();
  });

  test('maxConnections 2: a third connection is closed unanswered', async () => {
    const { hostname, port } = new URL(gw.url);
    const open = async (): Promise<Socket> => {
      const s = connect(Number(port), hostname);
      s.setEncoding('utf8');
      s.write('GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n');
      await new Promise<void>((done) => s.once('data', () => done()));
      return s;
    };
    const a = await open();
    const b = await open();
    const got = await rawExchange(gw.url, 'GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n');
    assert.equal(got, '', 'the third connection got no answer');
    a.destroy();
    b.destroy();
  });
});

describe('request deadline', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  before(async () => {
    up = await startUpstream(handler);
    gw = await startGateway(up.url, { proxy: { requestTimeout: '1s' } });
  });
  after(async () => {
    await gw.stop();
    await up.close();
  });

  const row = (id: string): { status: number; errorCode: string | null } | undefined => {
    gw.usageLog.flush();
    return gw.usageLog.recent({ limit: 50 }).find((r) => r.requestId === id);
  };

  test('before the answer started: 504 GW_ERR_REQUEST_DEADLINE, the upstream request aborted, the row says 504', async () => {
    const n = up.closed.length;
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'x-request-id': 'deadline-json' },
      body: JSON.stringify({ model: 'slow', messages: ask }),
    });
    assert.equal(r.status, 504);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'GW_ERR_REQUEST_DEADLINE');
    await up.closed[n];
    assert.deepEqual(
      { status: row('deadline-json')?.status, code: row('deadline-json')?.errorCode },
      { status: 504, code: 'GW_ERR_REQUEST_DEADLINE' },
    );
  });

  test('mid-stream: the dialect error event, no [DONE], and the row says 504', async () => {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'x-request-id': 'deadline-stream' },
      body: JSON.stringify({ model: 'hang', stream: true, messages: ask }),
    });
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /first /);
    assert.match(text, /data: \{"error":\{.*"code":"GW_ERR_REQUEST_DEADLINE"/);
    assert.doesNotMatch(text, /\[DONE\]/);
    let rec = row('deadline-stream');
    for (let i = 0; i < 50 && rec === undefined; i++) {
      await new Promise((done) => setTimeout(done, 20));
      rec = row('deadline-stream');
    }
    assert.deepEqual({ status: rec?.status, code: rec?.errorCode }, { status: 504, code: 'GW_ERR_REQUEST_DEADLINE' });
  });
});
