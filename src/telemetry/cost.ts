// Money and token arithmetic shared by the pipeline (budget, token cap) and the usage log.
import type { ModelPrice } from '../compile/routing-table.js';

const count = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

/**
 * USD cost of one request from the provider's per-1k-token prices. An unpriced model
 * (no entry in the provider's `models` catalog) costs 0. Negative or non-finite token counts
 * count as 0. Rounded to 1e-10 USD so sums do not drift with float noise.
 */
export function costUsd(price: ModelPrice | undefined, tokensIn: number, tokensOut: number): number {
  if (price === undefined) return 0;
  const usd = (count(tokensIn) * price.inputPer1k + count(tokensOut) * price.outputPer1k) / 1000;
  return Math.round(usd * 1e10) / 1e10;
}
