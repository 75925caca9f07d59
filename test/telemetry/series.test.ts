// The per-request series (series.ts) must scrape exactly as prom-client's own Counter and
// Histogram do for the same calls: the same text, whatever the label values hold, and the same
// JSON but for prom-client's exemplar fields (gw sets no exemplars).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from '../../src/telemetry/series.js';

const BUCKETS = [0.005, 0.01, 0.5, 1, 10];
const ODD = 'we"ird\\label\nvalue';

function pair(): {
  ours: Registry;
  theirs: Registry;
  add: (n: number, a: string, b: string) => void;
  observe: (v: number, a: string, b: string, c: string, d: string) => void;
} {
  const ours = new Registry();
  const theirs = new Registry();
  const counter = new LabelledCounter({ name: 'x_total', help: 'a counter', labelNames: ['a', 'b'], registry: ours });
  const counter2 = new Counter({ name: 'x_total', help: 'a counter', labelNames: ['a', 'b'], registers: [theirs] });
  const hist = new LabelledHistogram({
    name: 'y_seconds',
    help: 'a histogram',
    labelNames: ['a', 'b', 'c', 'd'],
    buckets: BUCKETS,
    registry: ours,
  });
  const hist2 = new Histogram({
    name: 'y_seconds',
    help: 'a histogram',
    labelNames: ['a', 'b', 'c', 'd'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  return {
    ours,
    theirs,
    add: (n, a, b) => {
      counter.add(n, a, b);
      counter2.inc({ a, b }, n);
    },
    observe: (v, a, b, c, d) => {
      hist.observe(v, a, b, c, d);
      hist2.observe({ a, b, c, d }, v);
    },
  };
}

test("the series scrape as prom-client's Counter and Histogram do", async () => {
  const p = pair();
  p.add(1, 'chat', '200');
  p.add(1, 'chat', '200');
  p.add(2.5, 'chat', '500');
  p.add(7, ODD, 'x');
  // On a bound, between bounds, above the last one, and in several series.
  for (const v of [0.005, 0.007, 0.5, 3, 11, 0]) p.observe(v, 'chat', 'mock', 'm-1', 'input');
  p.observe(0.2, 'chat', 'mock', 'm-2', 'output');
  p.observe(42, ODD, 'mock', 'm-1', 'input');
  assert.equal(await p.ours.metrics(), await p.theirs.metrics());
  const withoutExemplars = (json: unknown): unknown =>
    JSON.parse(JSON.stringify(json, (k, v: unknown) => (k === 'exemplar' ? undefined : v)));
  assert.deepEqual(
    withoutExemplars(await p.ours.getMetricsAsJSON()),
    withoutExemplars(await p.theirs.getMetricsAsJSON()),
  );
  assert.match(await p.ours.metrics(), /^y_seconds_bucket\{le="0\.01",a="chat",b="mock",c="m-1",d="input"\} 3$/m);
});

test('a reset empties the series, as it does prom-client’s', async () => {
  const p = pair();
  p.add(1, 'chat', '200');
  p.observe(1, 'chat', 'mock', 'm', 'input');
  p.ours.resetMetrics();
  p.theirs.resetMetrics();
  assert.equal(await p.ours.metrics(), await p.theirs.metrics());
  assert.doesNotMatch(await p.ours.metrics(), /chat/);
});
