// A fake OpenAI-compatible upstream for the serve benchmark: a fixed small chat.completion,
// or a short SSE stream when the request asks for one. Run as its own process so its CPU
// is not shared with the load generator; prints `listening <port>` once bound to 127.0.0.1.
// `--slow INTERVAL_MS CHUNKS` (the many-streams benchmark): a stream sends its first content
// chunk at once, then one every INTERVAL_MS, CHUNKS in all, as a model generating tokens would.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-upstream-model',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.' }, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-upstream-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const ROLE = chunk({ role: 'assistant', content: '' });
const CONTENT = [chunk({ content: 'Hello' }), chunk({ content: ' from the' }), chunk({ content: ' bench upstream.' })];
const FINISH = chunk({}, 'stop');
const USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-upstream-model', choices: [], usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 } })}\n\n`;

const slowArg = process.argv.indexOf('--slow');
const SLOW =
  slowArg === -1
    ? undefined
    : { intervalMs: Number(process.argv[slowArg + 1]), chunks: Number(process.argv[slowArg + 2]) };
const TOKEN = chunk({ content: 'tok ' });

function slowStream(res: ServerResponse, intervalMs: number, chunks: number): void {
  res.write(ROLE + TOKEN);
  let sent = 1;
  const timer = setInterval(() => {
    if (sent < chunks) {
      res.write(TOKEN);
      sent++;
      return;
    }
    clearInterval(timer);
    res.end(FINISH + USAGE + 'data: [DONE]\n\n');
  }, intervalMs);
  res.on('close', () => clearInterval(timer));
}

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.method === 'GET' && req.url === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'bench-upstream-model', object: 'model' }] }));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  // A substring test, not JSON.parse: the upstream should cost as little CPU as possible.
  if (!/"stream"\s*:\s*true/.test(body)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(COMPLETION);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (SLOW !== undefined) return slowStream(res, SLOW.intervalMs, SLOW.chunks);
  res.flushHeaders();
  res.write(ROLE);
  for (const c of CONTENT) res.write(c);
  res.write(FINISH);
  if (/"include_usage"\s*:\s*true/.test(body)) res.write(USAGE);
  res.end('data: [DONE]\n\n');
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (b: Buffer) => parts.push(b));
  req.on('end', () => answer(req, res, Buffer.concat(parts).toString('utf8')));
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
const stop = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Never outlive the harness: it holds our stdin open until it exits.
process.stdin.on('end', stop).on('close', stop).resume();
