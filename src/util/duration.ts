// Durations as written in manifests ('500ms', '1.5s', '5m', '1h', '1d') → milliseconds.
// The validator and the compiler share this one parser so they never disagree on a value.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds (rounded to a whole ms), or undefined when `s` is not a duration. */
export function parseDuration(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = DURATION.exec(s);
  if (m === null) return undefined;
  const amount = Number(m[1]);
  const unit = m[2] as keyof typeof UNIT_MS;
  const ms = Math.round(amount * UNIT_MS[unit]);
  return Number.isFinite(ms) ? ms : undefined;
}
