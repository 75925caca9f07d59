import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/util/duration.js';

test('durations parse to milliseconds; anything else is undefined', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('1.1s'), 1100);
  for (const bad of ['x', '', '5', '-1s', '1.s', ' 1s', '1S', '1 s', '1w'])
    assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(parseDuration(5), undefined);
});
