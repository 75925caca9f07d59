import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeChat } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { call, chatEndpoint, completion, httpProvider, table, to } from './helpers.js';

describe('TLS to upstreams', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let cert: string;
  const pools = new PoolRegistry();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-tls-'));
    // a self-signed certificate for 127.0.0.1, made fresh for this run
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: await readFile(join(dir, 'key.pem')), cert }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion('m', 'over tls')));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    await pools.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const ask = (tls: { rejectUnauthorized: boolean; ca: string | undefined }) =>
    executeChat(call(table([chatEndpoint('bot', [to(httpProvider('p', url, { tls }), { m: 'x' })])]), 'bot', 'm'), {
      pools,
    });

  test('an unknown certificate is refused by default (connect failure, 502)', async () => {
    await assert.rejects(
      ask({ rejectUnauthorized: true, ca: undefined }),
      (err: Error & { code?: string; details?: { attempts?: { error: string }[] } }) => {
        assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
        assert.match(String(err.details?.attempts?.[0]?.error), /^connect: .*(SELF_SIGNED|self-signed|certificate)/i);
        return true;
      },
    );
  });

  test('a custom CA makes the certificate trusted', async () => {
    const out = await ask({ rejectUnauthorized: true, ca: cert });
    assert.equal(out.attempts[0]?.status, 200);
  });

  test('rejectUnauthorized: false accepts it without a CA', async () => {
    const out = await ask({ rejectUnauthorized: false, ca: undefined });
    assert.equal(out.attempts[0]?.status, 200);
  });
});
