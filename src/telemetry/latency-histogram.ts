// The fixed latency histogram of the per-minute roll-up (usage_minutes): 59 upper bounds from
// 1 ms to 10 min, ten per decade on "nice" values (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k),
// plus an overflow bucket. Bucket i holds latencies in (BOUNDS[i-1], BOUNDS[i]]; bucket 0 holds
// everything ≤ 1 ms, the last one everything above 10 min. Adjacent bounds differ by at most a
// third, so a percentile read from the counts is off by less than one bucket's width.
// The bounds are part of the file format (migration 2 writes them into SQL): never change them.

const MANTISSAS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8] as const;
const MAX_BOUND_MS = 600_000;

function makeBounds(): number[] {
  const out: number[] = [];
  for (let exp = 0; ; exp++) {
    for (const m of MANTISSAS) {
      const b = m * 10 ** exp;
      if (b > MAX_BOUND_MS) return out;
      out.push(b);
    }
  }
}

/** Upper bounds in ms, ascending; BUCKETS = BOUNDS.length + 1 (the last one is the overflow). */
export const BOUNDS: readonly number[] = Object.freeze(makeBounds());
export const BUCKETS = BOUNDS.length + 1;

/** Column names of the buckets in usage_minutes: h0 … h59. */
export const BUCKET_COLUMNS: readonly string[] = Array.from({ length: BUCKETS }, (_, i) => `h${i}`);

/** The bucket a latency falls in (binary search; NaN and negatives land in bucket 0). */
export function bucketOf(ms: number): number {
  if (!(ms > BOUNDS[0]!)) return 0;
  let lo = 1;
  let hi = BOUNDS.length; // the overflow bucket
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= BOUNDS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The same as bucketOf() as a SQL expression over `col`, for back-filling in SQL. */
export function bucketSql(col: string): string {
  const whens = BOUNDS.map((b, i) => `WHEN ${col} <= ${b} THEN ${i}`).join(' ');
  return `(CASE ${whens} ELSE ${BOUNDS.length} END)`;
}

/**
 * Nearest-rank percentile (the same rank as percentile() over the raw values) read from bucket
 * counts: it finds the bucket holding that rank and interpolates linearly inside it by the rank's
 * position among the bucket's counts, then clamps to the observed [min, max]. So a value equals
 * the exact one when the bucket holds a single value or values spread evenly, and is otherwise
 * within that bucket's bounds (at most a third of the value off). 0 for no counts.
 */
export function histogramPercentile(counts: readonly number[], p: number, minMs: number, maxMs: number): number {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c === 0 || cum + c < rank) {
      cum += c;
      continue;
    }
    const lower = i === 0 ? minMs : BOUNDS[i - 1]!;
    const upper = i < BOUNDS.length ? BOUNDS[i]! : maxMs;
    const v = lower + (upper - lower) * ((rank - cum) / c);
    return Math.min(maxMs, Math.max(minMs, v));
  }
  return maxMs;
}
