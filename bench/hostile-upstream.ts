// A hostile OpenAI-compatible upstream for bench/hostile.ts, run as its own process so what it
// costs to produce its answers is not charged to the probe. The upstream model in the request
// picks the misbehaviour:
//   huge-json   a 200 JSON answer of 600 MB, written as fast as the reader takes it
//   long-line   a 200 event stream whose first data line is 50 MB long
//   never-ends  a 200 event stream that sends one chunk, then a comment every 500 ms, forever
//   fire-hose   a 200 event stream of small chunks, as fast as the reader takes them, 2 GB in all
//   echo-cred   a 401 whose message repeats the Authorization header it received
//   GET /closed  how many fire-hose answers were closed by their reader so far (JSON)
//   anything else: a small chat.completion
// Prints `listening <port>` once bound to 127.0.0.1; exits when its stdin closes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MB = 1024 * 1024;
let fireHoseClosed = 0;

/** Writes `total` bytes of `piece` repeated, honouring backpressure; stops when the reader leaves. */
function pour(res: ServerResponse, piece: Buffer, total: number, then: string): void {
  let sent = 0;
  const more = (): void => {
    while (sent < total) {
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', more);
        return;
      }
    }
    res.end(then);
  };
  res.on('close', () => res.off('drain', more));
  more();
}

const chunk = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const model = /"model"\s*:\s*"([^"]*)"/.exec(body)?.[1] ?? '';
  switch (model) {
    case 'huge-json': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(
        '{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"',
      );
      return pour(res, Buffer.alloc(64 * 1024, 'a'), 600 * MB, '"},"finish_reason":"stop"}]}');
    }
    case 'long-line': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"');
      return pour(res, Buffer.alloc(64 * 1024, 'a'), 50 * MB, '"}}]}\n\ndata: [DONE]\n\n');
    }
    case 'never-ends': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('still here'));
      const timer = setInterval(() => res.write(': ping\n\n'), 500);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'fire-hose': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => fireHoseClosed++);
      return pour(res, Buffer.from(chunk('x'.repeat(200)).repeat(64)), 2048 * MB, 'data: [DONE]\n\n');
    }
    case 'echo-cred': {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `invalid credential: ${String(req.headers.authorization)}`, type: 'invalid_request_error' },
        }),
      );
      return;
    }
    default:
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/closed') {
    res.end(JSON.stringify({ fireHoseClosed }));
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (b: Buffer) => parts.push(b));
  req.on('end', () => answer(req, res, Buffer.concat(parts).toString('utf8')));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
const stop = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop).on('close', stop).resume();
