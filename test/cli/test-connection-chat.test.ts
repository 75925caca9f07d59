// `gw test-connection --chat` through the real binary: a provider that lists its models but
// refuses chat for one of them passes the list probe and fails --chat, naming the model.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';

describe('gw test-connection --chat', () => {
  let dir: string;
  let server: Server;
  const chats: { model: string; max_tokens: number }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/models') {
          res.end(JSON.stringify({ object: 'list', data: [{ id: 'good-model' }, { id: 'locked-model' }] }));
          return;
        }
        const asked = JSON.parse(body) as { model: string; max_tokens: number };
        chats.push({ model: asked.model, max_tokens: asked.max_tokens });
        if (asked.model === 'locked-model') {
          res.statusCode = 403;
          res.end(JSON.stringify({ error: { message: 'this key may not use locked-model', type: 'permission' } }));
          return;
        }
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 1,
            model: asked.model,
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
            usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
          }),
        );
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'gw-tc-chat-'));
    await writeFile(
      join(dir, 'm.yaml'),
      `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec: { type: openai, baseUrl: http://127.0.0.1:${port}/v1 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chat }
spec:
  type: chat
  routing: { targets: [{ provider: up, models: { fast: good-model, smart: locked-model } }] }
`,
    );
  });
  after(async () => {
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  test('without --chat the listing alone says ok; no completion is sent', async () => {
    const r = await runGw(['test-connection', '-f', 'm.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(chats, []);
  });

  test('--chat sends one one-token completion per mapped model and fails the provider on a refusal', async () => {
    const r = await runGw(['test-connection', '-f', 'm.yaml', '--chat'], { cwd: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(
      chats.map((c) => `${c.model}:${c.max_tokens}`),
      ['good-model:1', 'locked-model:1'],
    );
    assert.match(r.stdout, /up good-model: ok in \d+ms/);
    assert.match(r.stdout, /up locked-model: chat failed: HTTP 403 \(this key may not use locked-model\)/);
    assert.match(r.stdout, /1 of 1 provider failed/);

    const j = await runGw(['test-connection', '-f', 'm.yaml', '--chat', '-o', 'json'], { cwd: dir });
    const report = JSON.parse(j.stdout) as {
      ok: boolean;
      providers: { ok: boolean; chat: { model: string; ok: boolean; httpStatus: number | null }[] }[];
    };
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.providers[0]!.chat.map((c) => [c.model, c.ok, c.httpStatus]),
      [
        ['good-model', true, 200],
        ['locked-model', false, 403],
      ],
    );
  });
});
