import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/upstream/backoff.js';
import { pause } from '../../src/util/pause.js';
import { classOfStatus, classifyNetworkError, parseRetryAfter } from '../../src/upstream/failure.js';
import { forwardHeaders } from '../../src/upstream/headers.js';

describe('failure classes', () => {
  test('statuses map to 429, 5xx and 4xx', () => {
    assert.equal(classOfStatus(429), '429');
    assert.equal(classOfStatus(503), '5xx');
    assert.equal(classOfStatus(404), '4xx');
  });

  test('undici and socket errors map to timeout or connect', () => {
    const e = (code: string): Error => Object.assign(new Error('x'), { code });
    assert.equal(classifyNetworkError(e('UND_ERR_HEADERS_TIMEOUT')).cls, 'timeout');
    assert.equal(classifyNetworkError(e('UND_ERR_BODY_TIMEOUT')).cls, 'timeout');
    assert.equal(classifyNetworkError(e('UND_ERR_CONNECT_TIMEOUT')).cls, 'timeout');
    assert.equal(classifyNetworkError(e('ECONNREFUSED')).cls, 'connect');
    assert.equal(classifyNetworkError(e('ECONNRESET')).cls, 'connect');
    assert.equal(classifyNetworkError(e('UND_ERR_SOCKET')).cls, 'connect');
    const wrapped = new AggregateError([e('ECONNREFUSED')], 'all failed');
    assert.equal(classifyNetworkError(wrapped).cls, 'connect');
  });
});

describe('Retry-After and backoff', () => {
  test('seconds, HTTP dates and retry-after-ms are read; kept as sent up to a day (the executor decides what to wait)', () => {
    assert.equal(parseRetryAfter({ 'retry-after': '2' }), 2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now), 5000);
    assert.equal(parseRetryAfter({ 'retry-after-ms': '250' }), 250);
    assert.equal(parseRetryAfter({ 'retry-after': '3600' }), 3_600_000);
    assert.equal(parseRetryAfter({ 'retry-after': '9999999' }), 86_400_000);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }), undefined);
    assert.equal(parseRetryAfter({}), undefined);
  });

  test('backoff doubles per retry, jitters within [half, full], and respects Retry-After', () => {
    assert.equal(
      backoffDelay(100, 0, undefined, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(100, 2, undefined, () => 1),
      400,
    );
    assert.equal(
      backoffDelay(100, 2, undefined, () => 0),
      200,
    );
    assert.equal(
      backoffDelay(100, 0, 1000, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(10_000, 10, undefined, () => 1),
      30_000,
    );
  });

  test('a wait ends at once when the caller leaves', async () => {
    const ctrl = new AbortController();
    const p = pause(60_000, ctrl.signal);
    ctrl.abort(new Error('gone'));
    await assert.rejects(p, /gone/);
  });
});

describe('forwardHeaders (transparent proxies)', () => {
  test('drops hop-by-hop, Connection-listed and caller credential headers', () => {
    const out = forwardHeaders({
      Authorization: 'Bearer caller-key',
      'x-api-key': 'caller-key',
      connection: 'keep-alive, x-private',
      'x-private': '1',
      'transfer-encoding': 'chunked',
      'content-type': 'application/json',
      'x-trace': 'abc',
    });
    assert.deepEqual(out, { 'content-type': 'application/json', 'x-trace': 'abc' });
  });
});
