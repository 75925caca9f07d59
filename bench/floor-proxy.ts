// The floor for a Node.js proxy on this machine: node:http in, one keep-alive undici Pool out,
// the JSON body parsed and re-serialised both ways (as any gateway that maps models and reads
// usage must), nothing else; a streamed answer is piped through untouched. The serve benchmark runs it beside gw so gw's figures can be read
// against what Node itself costs here. Prints `listening <port>`; argv[2] is the upstream port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstreamPort = Number(process.argv[2]);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { keepAliveTimeout: 30_000 });
const auth = `Bearer ${process.env['GW_BENCH_UPSTREAM_KEY'] ?? ''}`;

const server = createServer({ keepAlive: true }, (req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (b: Buffer) => parts.push(b));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
    body['model'] = 'bench-upstream-model';
    pool
      .request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify(body),
      })
      .then(async (up) => {
        if (body['stream'] === true) {
          // A stream is piped as it comes: the least any proxy does with one.
          res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'text/event-stream') });
          up.body.pipe(res);
          res.on('close', () => up.body.destroy());
          return;
        }
        const answer = JSON.parse(await up.body.text()) as Record<string, unknown>;
        answer['model'] = 'bench-model';
        const out = JSON.stringify(answer);
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
const stop = (): void => {
  server.close();
  server.closeAllConnections();
  void pool.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
