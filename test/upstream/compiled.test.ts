// The executor against tables built by compile() from manifests, not by hand: checks that the
// two halves agree on headers, mock settings, endpoint-ref mappings and timeouts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { executeChat } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { res } from '../compile/helpers.js';
import { call, okJson, startUpstream, status, type Upstream } from './helpers.js';

describe('executeChat on a compiled table', () => {
  const pools = new PoolRegistry();
  let broken: Upstream;
  let good: Upstream;
  before(async () => {
    broken = await startUpstream(status(502, 'bad gateway'));
    good = await startUpstream(okJson('compiled ok'));
  });
  after(async () => {
    await pools.close();
    await broken.close();
    await good.close();
  });

  test('auth and custom headers from the manifest reach the upstream; refs map their models', async () => {
    const t = compile([
      res('Provider', 'down', { type: 'openai', baseUrl: broken.url, auth: { none: true } }),
      res('Provider', 'up', {
        type: 'openai',
        baseUrl: good.url,
        auth: { bearer: 'sk-upstream' },
        headers: { 'OpenAI-Organization': 'org-9' },
      }),
      res('Provider', 'mock', { type: 'mock', mock: { reply: 'mocked {{input}}', failStatus: 500 } }),
      res('Endpoint', 'backup', {
        type: 'chat',
        routing: { targets: [{ provider: 'up', models: { small: 'gpt-small' } }] },
      }),
      res('Endpoint', 'front', {
        type: 'chat',
        routing: {
          strategy: 'fallback',
          fallbackOn: ['5xx'],
          targets: [
            { provider: 'mock', models: { fast: 'mock-fast' } },
            { provider: 'down', models: { fast: 'down-fast' } },
            { endpoint: 'backup', models: { fast: 'small' } },
          ],
        },
      }),
    ]);
    const out = await executeChat(call(t, 'front', 'fast'), { pools });
    assert.deepEqual(
      out.attempts.map((a) => [a.provider, a.model, a.status]),
      [
        ['mock', 'mock-fast', 500],
        ['down', 'down-fast', 502],
        ['up', 'gpt-small', 200],
      ],
    );
    const rec = good.requests.at(-1);
    assert.equal(rec?.headers.authorization, 'Bearer sk-upstream');
    assert.equal(rec?.headers['openai-organization'], 'org-9');
    assert.equal(broken.requests.at(-1)?.headers.authorization, undefined);
  });

  test('the quickstart-style mock answers with {{input}} filled in', async () => {
    const t = compile([
      res('Provider', 'mock', { type: 'mock', mock: { reply: 'mock reply: {{input}}' } }),
      res('Endpoint', 'quickstart', {
        type: 'chat',
        routing: { targets: [{ provider: 'mock', models: { fast: 'mock-fast' } }] },
      }),
    ]);
    const out = await executeChat(call(t, 'quickstart', 'fast'), { pools });
    assert.equal(
      (out.json?.choices as { message: { content: string } }[])[0]?.message.content,
      'mock reply: hello there',
    );
  });
});
