// gw's credentials never come back out through an upstream's error text: exact secret values,
// bearer tokens and echoed credential headers are replaced by [redacted] where the attempt fails.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileProvider } from '../../src/compile/providers.js';
import { credentialSecrets } from '../../src/util/credentials.js';
import type { Provider } from '../../src/manifest/types.js';
import { getAdapter } from '../../src/providers/registry.js';
import { runAttempt, type AttemptResult } from '../../src/upstream/attempt.js';
import { FailureError, type Failure } from '../../src/upstream/failure.js';
import { MAX_MESSAGE_CHARS, scrubText } from '../../src/upstream/scrub.js';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { httpProvider, sseHead, upstreamHarness } from './helpers.js';

const { pools, upstream } = upstreamHarness();

describe('scrubText', () => {
  test('every configured secret is replaced, wherever it appears', () => {
    const out = scrubText('bad key sk-live-12345678 (sk-live-12345678)', ['sk-live-12345678']);
    assert.equal(out, 'bad key [redacted] ([redacted])');
  });

  test('bearer tokens and echoed credential headers are redacted even when not configured', () => {
    assert.equal(scrubText('got Authorization: Bearer abc.def-9876543210', []), 'got Authorization: [redacted]');
    assert.equal(scrubText('token Bearer zz9_other_token_77 rejected', []), 'token Bearer [redacted] rejected');
    assert.equal(
      scrubText('headers {"x-api-key":"k-1234567890","accept":"*/*"}', []),
      'headers {"x-api-key":"[redacted]","accept":"*/*"}',
    );
    assert.equal(scrubText('{\\"api-key\\": \\"hidden-value-42\\"}', []), '{\\"api-key\\": \\"[redacted]\\"}');
  });

  test('prose and short values are left alone; long messages are cut', () => {
    assert.equal(scrubText('missing bearer authentication', ['short']), 'missing bearer authentication');
    const long = scrubText('e'.repeat(5000), []);
    assert.equal(long.length, MAX_MESSAGE_CHARS + 1);
  });

  test('compile keeps the auth values (any header name) and secret-looking custom headers, 8+ characters, longest first', () => {
    const secrets = credentialSecrets(
      { 'x-team': 'search-team-1', 'x-org-token': 'org-token-123456', authorization: 'Basic dXNlcjpwYXNzd29yZA==' },
      { header: { name: 'x-shared', value: 'shared-value-9999' } },
    );
    assert.deepEqual(
      [...secrets].sort(),
      ['Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA==', 'org-token-123456', 'shared-value-9999'].sort(),
    );
    assert.ok(secrets.every((s, i) => i === 0 || (secrets[i - 1]?.length ?? 0) >= s.length));
    assert.deepEqual(credentialSecrets({}, { bearer: 'short' }), []);
  });
});

/** A provider compiled from a manifest, as gw serves it. */
function compiled(url: string, auth: Provider['spec']['auth']): CompiledProvider {
  const manifest = {
    apiVersion: 'gw/v1',
    kind: 'Provider',
    metadata: { name: 'p' },
    spec: { type: 'openai', baseUrl: url, auth, timeout: '5s' },
  } as Provider;
  const c = compileProvider('default', 'p', manifest);
  assert.ok(c);
  return c.provider;
}

/** Answers 401 quoting the credential it received, in the body and (for streams) in-band. */
function echoCredential(header: string) {
  return (
    req: { headers: Record<string, string | string[] | undefined> },
    res: import('node:http').ServerResponse,
  ): void => {
    const got = String(req.headers[header] ?? '').replace(/^Bearer /, '');
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `invalid key ${got} received`, type: 'invalid_request_error' } }));
  };
}

function attempt(provider: CompiledProvider, stream = false): Promise<AttemptResult> {
  const adapter = getAdapter('openai');
  assert.ok(adapter);
  return runAttempt({
    provider,
    adapter,
    op: 'chat',
    stream,
    timeoutMs: 5000,
    requestId: 'req-scrub',
    pools,
    body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    signal: new AbortController().signal,
  });
}

function failureOf(r: AttemptResult): Failure {
  assert.equal(r.ok, false);
  return (r as { failure: Failure }).failure;
}

describe('upstream error text is scrubbed at the attempt', () => {
  test('a 401 echoing the bearer token', async () => {
    const secret = 'sk-proj-Abc123SecretValue';
    const up = await upstream(echoCredential('authorization'));
    const f = failureOf(await attempt(compiled(up.url, { bearer: secret })));
    assert.equal(up.requests[0]?.headers.authorization, `Bearer ${secret}`, 'the upstream got the credential');
    assert.equal(f.status, 401);
    assert.equal(f.message, 'invalid key [redacted] received');
  });

  test('a 401 echoing a header credential whose name does not look secret', async () => {
    const secret = 'hdr-Secret-0000-1111';
    const up = await upstream(echoCredential('x-shared'));
    const f = failureOf(await attempt(compiled(up.url, { header: { name: 'x-shared', value: secret } })));
    assert.equal(up.requests[0]?.headers['x-shared'], secret);
    assert.equal(f.message, 'invalid key [redacted] received');
  });

  test('a hand-built provider without compiled secrets still has its authorization scrubbed', async () => {
    const up = await upstream(echoCredential('authorization'));
    const f = failureOf(await attempt(httpProvider('p', up.url)));
    assert.doesNotMatch(f.message, /upstream-secret/);
  });

  test('an in-band stream error echoing the credential', async () => {
    const secret = 'sk-stream-Secret-42424242';
    const up = await upstream((req, res) => {
      sseHead(res);
      res.end(
        `data: ${JSON.stringify({ error: { message: `key ${String(req.headers.authorization)} is revoked` } })}\n\n`,
      );
    });
    const r = await attempt(compiled(up.url, { bearer: secret }), true);
    assert.ok(r.ok && 'chunks' in r);
    await assert.rejects(
      async () => {
        for await (const _ of r.chunks) {
          // the error comes first
        }
      },
      (err: unknown) =>
        err instanceof FailureError && !err.message.includes(secret) && err.failure.message.includes('[redacted]'),
    );
  });
});
