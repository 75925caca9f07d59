// Monthly budgets (limits.monthlyBudgetUsd on keys and chat endpoints): what a request may cost
// at worst, so the budget stage can hold that much before the call. The spent figure itself
// comes from the spend ledger (telemetry/spend.ts); reservations sit in a ReservationStore.
import type { CompiledChatEndpoint, ModelPrice, RoutingTable } from '../compile/routing-table.js';
import { tokensOfChars } from '../util/estimate-tokens.js';
import type { SpendSubject } from './stores.js';

/** Output tokens assumed when neither the request nor the endpoint's params set max_tokens. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Worst prices per endpoint object and exposed model (tables are immutable, so per endpoint object is exact). */
const worstCache = new WeakMap<CompiledChatEndpoint, Map<string, ModelPrice | null>>();

/**
 * The highest input and the highest output price per 1k tokens among the upstream models that
 * may answer `model` on `ep` (every target, endpoint references followed), each taken on its
 * own so the result bounds any of them. undefined when none of them is priced.
 */
export function worstPrice(table: RoutingTable, ep: CompiledChatEndpoint, model: string): ModelPrice | undefined {
  let byModel = worstCache.get(ep);
  if (byModel === undefined) worstCache.set(ep, (byModel = new Map()));
  let p = byModel.get(model);
  if (p === undefined) {
    const acc = { inputPer1k: -1, outputPer1k: -1 };
    collect(table, ep, model, acc, new Set());
    p = acc.inputPer1k < 0 ? null : { inputPer1k: acc.inputPer1k, outputPer1k: acc.outputPer1k };
    byModel.set(model, p);
  }
  return p ?? undefined;
}

function collect(
  table: RoutingTable,
  ep: CompiledChatEndpoint,
  model: string,
  acc: { inputPer1k: number; outputPer1k: number },
  seen: Set<CompiledChatEndpoint>,
): void {
  if (seen.has(ep)) return;
  seen.add(ep);
  for (const t of ep.targets) {
    const mapped = t.models.get(model);
    if (mapped === undefined) continue;
    if (t.kind === 'provider') {
      const price = t.provider.pricing.get(mapped);
      if (price === undefined) continue;
      if (price.inputPer1k > acc.inputPer1k) acc.inputPer1k = price.inputPer1k;
      if (price.outputPer1k > acc.outputPer1k) acc.outputPer1k = price.outputPer1k;
      continue;
    }
    const next = table.workspaces.get(ep.workspace)?.endpoints.get(t.endpoint);
    if (next !== undefined && next.type === 'chat') collect(table, next, mapped, acc, seen);
  }
}

/**
 * Output tokens a chat request may produce at most: the endpoint's params.max_tokens when it
 * locks its params, else the request's max_tokens (or max_completion_tokens), else the
 * endpoint's, else DEFAULT_MAX_OUTPUT_TOKENS. An embeddings body (input, no messages) produces none.
 */
export function maxOutputTokens(body: Readonly<Record<string, unknown>> | undefined, ep: CompiledChatEndpoint): number {
  const own = ep.params.max_tokens;
  if (ep.lockParams && own !== undefined) return own;
  if (body !== undefined) {
    const asked = body['max_tokens'] ?? body['max_completion_tokens'];
    if (typeof asked === 'number' && Number.isFinite(asked) && asked >= 0) return asked;
    if (body['messages'] === undefined && body['input'] !== undefined) return 0;
  }
  return own ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/** The placeholder of prompt.template (wire/endpoint.ts replaces each one with the input text). */
const INPUT = '{{input}}';

/** What an endpoint's prompt adds to the input: its own characters, and extra copies of the input. */
interface PromptCost {
  readonly chars: number;
  readonly copies: number;
}
const promptCache = new WeakMap<CompiledChatEndpoint, PromptCost>();

/**
 * Input tokens a request sends upstream at most, from its estimate before the endpoint's prompt
 * (`input`): plus the prompt's system text and template text, and, when the template names
 * {{input}} more than once, that many more copies of the input (counted whole, an upper bound:
 * the template wraps one message).
 */
export function worstInputTokens(ep: CompiledChatEndpoint, input: number): number {
  let p = promptCache.get(ep);
  if (p === undefined) {
    const { system, template } = ep.prompt;
    const parts = template === undefined ? [] : template.split(INPUT);
    const chars = (system?.length ?? 0) + parts.reduce((n, part) => n + part.length, 0);
    p = { chars, copies: Math.max(0, parts.length - 2) };
    promptCache.set(ep, p);
  }
  return p.chars === 0 && p.copies === 0 ? input : input * (1 + p.copies) + tokensOfChars(p.chars);
}

/** USD of `tokensIn` and `tokensOut` at `price`, rounded up to 1e-10 so a reservation never falls short. */
export function worstCostUsd(price: ModelPrice | undefined, tokensIn: number, tokensOut: number): number {
  if (price === undefined) return 0;
  const usd = (tokensIn * price.inputPer1k + tokensOut * price.outputPer1k) / 1000;
  return Math.ceil(usd * 1e10) / 1e10;
}

const SEP = '\u0000';

/** The reservation store's key of one budget: workspace, key or endpoint, name and UTC month. */
export function budgetKey(workspace: string, kind: SpendSubject, subject: string, month: string): string {
  return workspace + SEP + kind + SEP + subject + SEP + month;
}

/** "$1.23" for a cent or more, else up to 6 decimals without trailing zeros ("$0.0004"). */
export function formatUsd(usd: number): string {
  if (usd >= 0.01 || usd === 0) return `$${usd.toFixed(2)}`;
  const s = usd.toFixed(6).replace(/0+$/, '');
  return `$${s.endsWith('.') ? `${s}0` : s}`;
}
