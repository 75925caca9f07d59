// What a caller gets through gw when the upstream pushes back: a final upstream 429 is a 429 with
// the upstream's Retry-After in both dialects (the SDKs raise their RateLimitError), and an
// upstream answering HTML instead of its API is a 502 GW_ERR_UPSTREAM_PROTOCOL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { echoHandler, KEYS, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

let up: FakeUpstream;
let gw: TestGateway;

const extra = `apiVersion: gw/v1
kind: Endpoint
metadata: { name: pushback }
spec:
  type: chat
  routing:
    targets:
      - { provider: up, models: { busy: up-busy, portal: up-portal } }
`;

before(async () => {
  up = await startUpstream((r, res, req) => {
    const model = String(r.body['model']);
    if (model === 'up-busy') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ error: { message: 'quota exceeded', type: 'rate_limit_error' } }));
    } else if (model === 'up-portal') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Please log in to the wifi</body></html>');
    } else echoHandler(r, res, req);
  });
  gw = await startGateway(up.url);
  await writeFile(join(gw.dir, 'manifests', 'pushback.yaml'), extra);
  assert.ok(await gw.reloader.reload('test'));
});
after(async () => {
  await gw.stop();
  await up.close();
});

const openaiPost = (model: string): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
  });

const anthropicPost = (model: string): Promise<Response> =>
  fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': KEYS.app, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
  });

describe('upstream pushback as the caller sees it', () => {
  test("OpenAI route: a final upstream 429 is a 429 with the upstream's Retry-After", async () => {
    const r = await openaiPost('busy');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    const body = (await r.json()) as { error: { code: string; type: string } };
    assert.equal(body.error.code, 'GW_ERR_UPSTREAM_RATE_LIMITED');
    assert.equal(body.error.type, 'rate_limit_error');

    const client = new OpenAI({ apiKey: KEYS.app, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'busy', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.RateLimitError, String(err));
        return true;
      },
    );
  });

  test("Anthropic route: a final upstream 429 is rate_limit_error with the upstream's Retry-After", async () => {
    const r = await anthropicPost('busy');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    const body = (await r.json()) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');

    const client = new Anthropic({ apiKey: KEYS.app, baseURL: gw.url, maxRetries: 0 });
    await assert.rejects(
      client.messages.create({ model: 'busy', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.RateLimitError, String(err));
        return true;
      },
    );
  });

  test('an upstream answering HTML: 502 GW_ERR_UPSTREAM_PROTOCOL (both routes), and gw keeps serving', async () => {
    const r = await openaiPost('portal');
    assert.equal(r.status, 502);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'GW_ERR_UPSTREAM_PROTOCOL');
    const a = await anthropicPost('portal');
    assert.equal(a.status, 502);
    assert.equal(((await a.json()) as { error: { type: string } }).error.type, 'api_error');
    const ok = await openaiPost('fast');
    assert.equal(ok.status, 200);
  });
});
