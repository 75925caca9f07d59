// --since parsing and totals for `gw usage`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince, totals } from '../../src/ops/usage-report.js';

describe('usage report', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');

  test('--since: durations back from now, ISO times, nothing else', () => {
    assert.equal(parseSince('24h', now), now - 86_400_000);
    assert.equal(parseSince('30m', now), now - 1_800_000);
    assert.equal(parseSince('7d', now), now - 7 * 86_400_000);
    assert.equal(parseSince('2026-05-01T00:00:00Z', now), Date.parse('2026-05-01T00:00:00Z'));
    assert.equal(parseSince('2026-05-01', now), Date.parse('2026-05-01'));
    assert.equal(parseSince('yesterday', now), undefined);
    assert.equal(parseSince('12', now), undefined);
  });

  test('totals add every group', () => {
    const g = { p50_ms: 1, p95_ms: 2 };
    const t = totals([
      { group: 'a', requests: 2, errors: 1, tokens_in: 3, tokens_out: 4, cost_usd: 0.5, ...g },
      { group: 'b', requests: 1, errors: 0, tokens_in: 1, tokens_out: 1, cost_usd: 0.25, ...g },
    ]);
    assert.deepEqual(t, { requests: 3, errors: 1, tokens_in: 4, tokens_out: 5, cost_usd: 0.75 });
  });
});
