import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costUsd } from '../../src/telemetry/cost.js';
import { estimateTokens } from '../../src/util/estimate-tokens.js';

test('cost follows the per-1k prices of the model', () => {
  const price = { inputPer1k: 0.00015, outputPer1k: 0.0006 };
  assert.equal(costUsd(price, 1000, 1000), 0.00075);
  assert.equal(costUsd(price, 2000, 0), 0.0003);
  assert.equal(costUsd(price, 10, 20), 0.0000135);
});

test('an unpriced model, or nonsense token counts, cost nothing', () => {
  assert.equal(costUsd(undefined, 1000, 1000), 0);
  assert.equal(costUsd({ inputPer1k: 1, outputPer1k: 1 }, -5, Number.NaN), 0);
});

test('token estimate is characters / 4, rounded up', () => {
  assert.equal(estimateTokens(''), 0);
  assert.equal(estimateTokens('abc'), 1);
  assert.equal(estimateTokens('abcd'), 1);
  assert.equal(estimateTokens('abcde'), 2);
  assert.equal(estimateTokens('x'.repeat(4000)), 1000);
});
