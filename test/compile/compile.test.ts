import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import type { CompiledChatEndpoint, CompiledProxyEndpoint, RoutingTable } from '../../src/compile/routing-table.js';
import { HASH_A, HASH_B, res } from './helpers.js';

function chat(t: RoutingTable, name: string, ws = 'default'): CompiledChatEndpoint {
  const e = t.workspaces.get(ws)?.endpoints.get(name);
  assert.equal(e?.type, 'chat');
  return e as CompiledChatEndpoint;
}

function proxy(t: RoutingTable, name: string, ws = 'default'): CompiledProxyEndpoint {
  const e = t.workspaces.get(ws)?.endpoints.get(name);
  assert.equal(e?.type, 'proxy');
  return e as CompiledProxyEndpoint;
}

const openai = res('Provider', 'openai', {
  type: 'openai',
  baseUrl: 'https://api.example.com/v1/',
  auth: { bearer: 'sk-secret' },
  headers: { 'OpenAI-Organization': 'org-1', Authorization: 'ignored' },
  models: { 'gpt-4o-mini': { inputPer1k: 0.00015, outputPer1k: 0.0006 } },
});
const upstream = res('Provider', 'upstream', {
  type: 'http',
  baseUrl: 'http://127.0.0.1:9000/api',
  auth: { header: { name: 'X-Api-Key', value: 'k1' } },
  headers: { 'X-Team': 'search', 'X-Keep': 'provider' },
  tls: { rejectUnauthorized: false },
  timeout: '5s',
});

describe('compile', () => {
  test('defaults come from the schemas: fallback strategy, 60 s provider timeout, all roles', () => {
    const t = compile([
      res('Provider', 'mock', { type: 'mock' }),
      res('Endpoint', 'bot', { type: 'chat', routing: { targets: [{ provider: 'mock', models: { fast: 'm' } }] } }),
    ]);
    const p = t.providers.get('default/mock');
    assert.equal(p?.timeoutMs, 60_000);
    assert.deepEqual(p?.tls, { rejectUnauthorized: true, ca: undefined });
    assert.deepEqual(p?.mock, { reply: 'mock reply: {{input}}', latencyMs: 0, chunkSize: 8, failStatus: undefined });
    assert.equal(p?.baseUrl, '');
    assert.equal(p?.origin, 'mock:');
    const e = chat(t, 'bot');
    assert.equal(e.strategy, 'fallback');
    assert.deepEqual(e.retries, { attempts: 0, backoffMs: 200 });
    assert.deepEqual([...e.fallbackOn], ['timeout', 'connect', '429', '5xx']);
    assert.deepEqual([...e.allowedRoles].sort(), ['admin', 'auditor', 'editor', 'reviewer']);
    assert.equal(e.enabled, true);
    assert.equal(e.streaming, true);
    assert.equal(e.timeoutMs, undefined);
    assert.equal(e.sessions, undefined);
    assert.deepEqual(e.mcp, { expose: false, description: undefined });
    assert.equal(e.targets[0]?.weight, 1);
  });

  test('the table is deep-frozen: assignments and index-Map mutations throw', () => {
    const t = compile([
      openai,
      res('Endpoint', 'bot', {
        type: 'chat',
        routing: { targets: [{ provider: 'openai', models: { fast: 'gpt-4o-mini' } }] },
      }),
    ]);
    const e = chat(t, 'bot');
    assert.throws(() => {
      (t as { hash: string }).hash = 'x';
    }, TypeError);
    assert.throws(() => {
      (e.retries as { attempts: number }).attempts = 9;
    }, TypeError);
    assert.throws(() => {
      (t.providers.get('default/openai')?.headers as Record<string, string>)['x'] = 'y';
    }, TypeError);
    assert.throws(() => (t.providers as Map<string, unknown>).set('x', {}), TypeError);
    assert.throws(() => (t.keys as Map<string, unknown>).clear(), TypeError);
    const ws = t.workspaces.get('default');
    assert.throws(() => (ws?.endpoints as Map<string, unknown>).delete('bot'), TypeError);
    assert.throws(() => (ws?.models as Map<string, unknown>).set('x', e), TypeError);
    assert.throws(() => (e.targets as unknown[]).push({}), TypeError);
    assert.ok(Object.isFrozen(e.allowedRoles));
    assert.equal(t.providers.size, 1);
    assert.equal(ws?.endpoints.get('bot'), e);
  });

  test('provider: baseUrl split, headers lower-cased, bearer auth wins over a custom authorization header', () => {
    const t = compile([openai]);
    const p = t.providers.get('default/openai');
    assert.equal(p?.baseUrl, 'https://api.example.com/v1');
    assert.equal(p?.origin, 'https://api.example.com');
    assert.equal(p?.basePath, '/v1');
    assert.equal(p?.probePath, '/models');
    assert.deepEqual(p?.headers, { 'openai-organization': 'org-1', authorization: 'Bearer sk-secret' });
    assert.deepEqual(p?.pricing.get('gpt-4o-mini'), { inputPer1k: 0.00015, outputPer1k: 0.0006 });
  });

  test('provider: header auth and http probe path', () => {
    const t = compile([
      upstream,
      res('Provider', 'plain', { type: 'http', baseUrl: 'http://h:1', probe: { path: '/health' } }),
    ]);
    const p = t.providers.get('default/upstream');
    assert.deepEqual(p?.headers, { 'x-team': 'search', 'x-keep': 'provider', 'x-api-key': 'k1' });
    assert.equal(p?.probePath, '/');
    assert.equal(p?.timeoutMs, 5000);
    assert.equal(t.providers.get('default/plain')?.probePath, '/health');
    assert.equal(t.providers.get('default/plain')?.basePath, '');
  });

  test('proxy endpoint: headers merge, endpoint auth replaces the provider auth, overrides apply', () => {
    const t = compile([
      upstream,
      res('Endpoint', 'plain', { type: 'proxy', provider: 'upstream' }),
      res('Endpoint', 'over', {
        type: 'proxy',
        provider: 'upstream',
        baseUrl: 'https://other.example.com:8443/v2/',
        auth: { bearer: 'tok' },
        headers: { 'X-Keep': 'endpoint', 'X-New': '1' },
        tls: { ca: 'PEM' },
        timeout: '750ms',
      }),
      res('Endpoint', 'noauth', { type: 'proxy', provider: 'upstream', auth: { none: true } }),
    ]);
    const plain = proxy(t, 'plain');
    assert.equal(plain.provider, t.providers.get('default/upstream'));
    assert.equal(plain.baseUrl, 'http://127.0.0.1:9000/api');
    assert.deepEqual(plain.headers, { 'x-team': 'search', 'x-keep': 'provider', 'x-api-key': 'k1' });
    assert.equal(plain.timeoutMs, 5000);
    assert.equal(plain.tls.rejectUnauthorized, false);
    const over = proxy(t, 'over');
    assert.equal(over.origin, 'https://other.example.com:8443');
    assert.equal(over.basePath, '/v2');
    assert.deepEqual(over.headers, {
      'x-team': 'search',
      'x-keep': 'endpoint',
      'x-new': '1',
      authorization: 'Bearer tok',
    });
    assert.deepEqual(over.tls, { rejectUnauthorized: true, ca: 'PEM' });
    assert.equal(over.timeoutMs, 750);
    assert.deepEqual(proxy(t, 'noauth').headers, { 'x-team': 'search', 'x-keep': 'provider' });
  });

  test('chat endpoint: targets in order, endpoint refs kept by name, models index per workspace', () => {
    const t = compile([
      openai,
      res('Provider', 'openai', { type: 'mock' }, 'team-b'),
      res('Endpoint', 'backup', {
        type: 'chat',
        routing: { targets: [{ provider: 'openai', models: { small: 'gpt-4o-mini' } }] },
      }),
      res('Endpoint', 'bot', {
        type: 'chat',
        routing: {
          strategy: 'loadbalance',
          targets: [
            { provider: 'openai', models: { fast: 'gpt-4o-mini', smart: 'gpt-4o' }, weight: 3 },
            { endpoint: 'backup', models: { fast: 'small' } },
          ],
        },
      }),
      res(
        'Endpoint',
        'bot',
        { type: 'chat', routing: { targets: [{ provider: 'openai', models: { fast: 'x' } }] } },
        'team-b',
      ),
    ]);
    const bot = chat(t, 'bot');
    assert.equal(bot.strategy, 'loadbalance');
    assert.deepEqual(bot.models, ['fast', 'smart']);
    const [first, second] = bot.targets;
    assert.equal(first?.kind, 'provider');
    assert.equal(first?.kind === 'provider' && first.provider, t.providers.get('default/openai'));
    assert.equal(first?.weight, 3);
    assert.deepEqual(second, { kind: 'endpoint', endpoint: 'backup', models: new Map([['fast', 'small']]), weight: 1 });
    const ws = t.workspaces.get('default');
    assert.equal(ws?.models.get('fast'), bot);
    assert.equal(ws?.models.get('small'), chat(t, 'backup'));
    const b = chat(t, 'bot', 'team-b');
    assert.equal(t.workspaces.get('team-b')?.models.get('fast'), b);
    assert.equal(b.targets[0]?.kind === 'provider' && b.targets[0].provider.type, 'mock');
    assert.deepEqual(t.counts, { providers: 2, endpoints: 3, keys: 0, guardrails: 0 });
  });

  test('chat endpoint: explicit settings are compiled', () => {
    const t = compile([
      openai,
      res('Endpoint', 'bot', {
        type: 'chat',
        enabled: false,
        allowedRoles: ['admin'],
        timeout: '5m',
        routing: {
          retries: { attempts: 2 },
          fallbackOn: ['5xx'],
          targets: [{ provider: 'openai', models: { f: 'g' } }],
        },
        params: { temperature: 0.2, stop: ['END'] },
        prompt: { system: 'sys' },
        limits: { rpm: 60, monthlyBudgetUsd: 5 },
        sessions: { maxTokens: 100 },
        streaming: false,
        mcp: { expose: true },
      }),
    ]);
    const e = chat(t, 'bot');
    assert.equal(e.enabled, false);
    assert.deepEqual([...e.allowedRoles], ['admin']);
    assert.equal(e.timeoutMs, 300_000);
    assert.deepEqual(e.retries, { attempts: 2, backoffMs: 200 });
    assert.deepEqual([...e.fallbackOn], ['5xx']);
    assert.deepEqual(e.params, { temperature: 0.2, stop: ['END'] });
    assert.deepEqual(e.prompt, { system: 'sys', template: undefined });
    assert.deepEqual(e.limits, {
      rpm: 60,
      rph: undefined,
      tpm: undefined,
      maxInputTokens: undefined,
      monthlyBudgetUsd: 5,
    });
    assert.deepEqual(e.sessions, { ttlMs: 3_600_000, maxMessages: 50, maxTokens: 100 });
    assert.equal(e.streaming, false);
    assert.equal(e.mcp.expose, true);
  });

  test('keys: indexed by lower-case hex, schema defaults, allow lists, expiresAt in epoch ms', () => {
    const t = compile([
      res('ApiKey', 'app', { keyHash: HASH_A }),
      res(
        'ApiKey',
        'ops',
        {
          keyHash: HASH_B,
          roles: ['admin'],
          scopes: ['admin', 'mcp'],
          allow: { endpoints: ['bot'], models: ['fast'] },
          limits: { rpm: 100 },
          expiresAt: '2027-06-30T00:00:00Z',
          enabled: false,
        },
        'team-b',
      ),
    ]);
    const app = t.keys.get('a'.repeat(64));
    assert.deepEqual([...(app?.roles ?? [])], ['editor']);
    assert.deepEqual([...(app?.scopes ?? [])], ['chat']);
    assert.equal(app?.allowEndpoints, undefined);
    assert.equal(app?.expiresAt, undefined);
    assert.equal(app?.enabled, true);
    const ops = t.keys.get('b'.repeat(64));
    assert.equal(ops?.workspace, 'team-b');
    assert.equal(ops?.expiresAt, Date.UTC(2027, 5, 30));
    assert.deepEqual([...(ops?.allowEndpoints ?? [])], ['bot']);
    assert.equal(ops?.allowModels?.has('fast'), true);
    assert.equal(ops?.limits.rpm, 100);
    assert.equal(ops?.enabled, false);
    assert.ok(t.workspaces.has('team-b'));
    assert.equal(t.counts.keys, 2);
  });

  test('oddities are skipped, not thrown: unknown provider, bad URL, bad key hash', () => {
    const t = compile([
      res('Provider', 'broken', { type: 'openai', baseUrl: 'not a url' }),
      res('Endpoint', 'bot', { type: 'chat', routing: { targets: [{ provider: 'ghost' }, { provider: 'broken' }] } }),
      res('Endpoint', 'px', { type: 'proxy', provider: 'ghost' }),
      res('ApiKey', 'k', { keyHash: 'md5:abc' }),
    ]);
    assert.equal(t.providers.size, 0);
    assert.deepEqual(chat(t, 'bot').targets, []);
    assert.equal(t.workspaces.get('default')?.endpoints.has('px'), false);
    assert.equal(t.keys.size, 0);
  });

  test('hash: options.hash wins; otherwise stable across resource and key order', () => {
    const a = res('Provider', 'mock', { type: 'mock', timeout: '1s' });
    const b = res('ApiKey', 'app', { keyHash: HASH_A, enabled: true });
    const b2 = res('ApiKey', 'app', { enabled: true, keyHash: HASH_A });
    assert.equal(compile([a], { hash: 'rev-7' }).hash, 'rev-7');
    const h = compile([a, b]).hash;
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(compile([b2, a]).hash, h);
    assert.notEqual(compile([a]).hash, h);
  });

  test('input schema is compiled once into a validator that returns messages', () => {
    const schema = {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' } },
      additionalProperties: false,
    };
    const t = compile([
      res('Provider', 'mock', { type: 'mock' }),
      res('Endpoint', 'bot', {
        type: 'chat',
        routing: { targets: [{ provider: 'mock', models: { m: 'm' } }] },
        schema: { input: schema, output: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' } },
      }),
    ]);
    const e = chat(t, 'bot');
    assert.deepEqual(e.inputSchema?.({ name: 'Ada' }), []);
    assert.deepEqual(e.inputSchema?.({ name: 1 }), ['/name must be string']);
    const errs = e.inputSchema?.({ extra: true }) ?? [];
    assert.equal(errs.length, 2);
    assert.ok(errs.includes("/ must have required property 'name'"));
    assert.ok(errs.includes('/ must NOT have additional properties (extra)'));
    assert.deepEqual(e.outputSchema?.(3), ['/ must be string']);
    assert.equal(chat(t, 'bot'), e);
  });
});
