// `--output json` for people and scripts alike: numbers without binary-float noise
// (0.30000000000000004 becomes 0.3). Dollar amounts are rounded to micro-dollars (6 decimals),
// every other fraction to 6 significant digits (a small error rate keeps its digits); integers
// pass unchanged.

const USD = /usd/i;

function rounded(key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return value;
  return USD.test(key) ? Math.round(value * 1e6) / 1e6 : Number(value.toPrecision(6));
}

/** Pretty-printed JSON with rounded numbers, ending in a newline. */
export function jsonOutput(value: unknown): string {
  return JSON.stringify(value, rounded, 2) + '\n';
}
