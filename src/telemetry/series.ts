// Labelled counters and histograms for the metrics every request feeds, kept in plain Maps and
// read by prom-client's registry when it is scraped (the registry asks each registered metric for
// its values: get(), or getForPromString() for the text). prom-client's own inc() and observe()
// check and hash the label object on every call, about ten times a request; here a series is
// found by its label values (util/key-tree.ts), and its label object is made once. The
// exposition is prom-client's, to the byte (test/telemetry/series.test.ts compares the two).
import type { Registry } from 'prom-client';
import { KeyTree } from '../util/key-tree.js';

type Labels = Readonly<Record<string, string | number>>;

function labelsOf(names: readonly string[], values: readonly (string | undefined)[]): Labels {
  const labels: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) labels[names[i] as string] = values[i] ?? '';
  return labels;
}

interface MetricOptions {
  readonly name: string;
  readonly help: string;
  /** In the order the values are passed (one to four). */
  readonly labelNames: readonly string[];
  readonly registry: Registry;
}

interface ExportedValue {
  readonly labels: Labels;
  readonly sharedLabels?: Labels;
  readonly value: number;
  readonly metricName?: string;
}

interface Exported {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: ExportedValue[];
}

/** What both kinds share: the registry entry, the label names, the series by label values. */
abstract class Labelled<S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  readonly #labelNames: readonly string[];
  protected readonly series = new KeyTree<S>();

  constructor(o: MetricOptions) {
    this.name = o.name;
    this.help = o.help;
    this.#labelNames = o.labelNames;
    o.registry.registerMetric(this as never);
  }

  /** The label object of a new series (made once per series, never per call). */
  protected labels(a: string, b?: string, c?: string, d?: string): Labels {
    return labelsOf(this.#labelNames, [a, b, c, d]);
  }

  reset(): void {
    this.series.clear();
  }
}

export class LabelledCounter extends Labelled<{ readonly labels: Labels; value: number }> {
  readonly type = 'counter' as const;

  /** Adds `n` (finite, ≥ 0) to the series of these label values. */
  add(n: number, a: string, b?: string, c?: string, d?: string): void {
    const s = this.series.get(a, b, c, d);
    if (s !== undefined) s.value += n;
    else this.series.set({ labels: this.labels(a, b, c, d), value: n }, a, b, c, d);
  }

  get(): Exported {
    const values: ExportedValue[] = [];
    for (const s of this.series.values()) values.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class LabelledHistogram extends Labelled<{
  readonly labels: Labels;
  readonly counts: number[];
  sum: number;
  count: number;
}> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(o: MetricOptions & { readonly buckets: readonly number[] }) {
    super(o);
    this.#bounds = [...o.buckets].sort((x, y) => x - y);
  }

  /** One observation of `v` (finite) in the series of these label values. */
  observe(v: number, a: string, b?: string, c?: string, d?: string): void {
    let s = this.series.get(a, b, c, d);
    if (s === undefined) {
      s = { labels: this.labels(a, b, c, d), counts: this.#bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(s, a, b, c, d);
    }
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (v <= (bounds[i] as number)) {
        (s.counts[i] as number)++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }

  /** What the registry writes as text: each series' buckets (cumulative, then +Inf), sum and count. */
  getForPromString(): Exported {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        acc += s.counts[i] as number;
        values.push({
          labels: { le: this.#bounds[i] as number },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucket,
        });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The same with each value's labels in one object (the registry's JSON). */
  get(): Exported {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, value, metricName }) => ({
        labels: { ...labels, ...sharedLabels },
        value,
        ...(metricName !== undefined ? { metricName } : {}),
      })),
    };
  }
}
