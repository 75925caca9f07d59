// A monthlyBudgetUsd needs prices: every upstream model that may answer under the budget (an
// endpoint's targets, endpoint references followed; a key's allowed endpoints and models) must
// have inputPer1k/outputPer1k in its provider's `models`, else its requests would cost nothing
// against the budget. One error per budget, naming the first unpriced model.
import type { ApiKeyResource, EndpointResource, Resource } from '../types.js';
import { type SemanticContext, type WorkspaceIndex } from './context.js';

const BUDGET_PATH = ['spec', 'limits', 'monthlyBudgetUsd'] as const;

interface Unpriced {
  readonly provider: string;
  readonly model: string;
  readonly where: string;
}

/** The first unpriced upstream model `exposed` (undefined: every one) reaches on endpoint `r`. */
function firstUnpriced(
  ctx: SemanticContext,
  ws: WorkspaceIndex,
  r: EndpointResource,
  exposed: ReadonlySet<string> | undefined,
  seen: Set<EndpointResource>,
): Unpriced | undefined {
  const spec = r.manifest.spec;
  if (spec.type !== 'chat' || seen.has(r)) return undefined;
  seen.add(r);
  const targets = spec.routing?.targets ?? [];
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    for (const [name, upstream] of Object.entries(t.models ?? {})) {
      if (upstream === undefined || (exposed !== undefined && !exposed.has(name))) continue;
      if (t.provider !== undefined) {
        const p = ws.providers.get(t.provider);
        if (p === undefined) continue; // an unknown provider is reported elsewhere
        const price = p.manifest.spec.models?.[upstream];
        if (price?.inputPer1k === undefined && price?.outputPer1k === undefined) {
          const where = ctx.where(r, ['spec', 'routing', 'targets', i, 'models', name], { key: true });
          return { provider: t.provider, model: upstream, where };
        }
      } else if (t.endpoint !== undefined) {
        const next = ws.endpoints.get(t.endpoint);
        if (next === undefined) continue;
        const found = firstUnpriced(ctx, ws, next, new Set([upstream]), seen);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

function report(ctx: SemanticContext, r: Resource, what: string, u: Unpriced): void {
  const msg =
    `${what} has a monthlyBudgetUsd, but upstream model ${u.model} of provider ${u.provider} (reached at ${u.where}) ` +
    `has no pricing; a budget needs a price for every model it pays for: add ` +
    `models: { ${u.model}: { inputPer1k: ..., outputPer1k: ... } } to provider ${u.provider}`;
  ctx.report(r, BUDGET_PATH, 'GW_ERR_BUDGET_UNPRICED', msg);
}

function checkEndpoint(ctx: SemanticContext, ws: WorkspaceIndex, r: EndpointResource): void {
  const spec = r.manifest.spec;
  if (spec.type !== 'chat' || spec.limits?.monthlyBudgetUsd === undefined) return;
  const u = firstUnpriced(ctx, ws, r, undefined, new Set());
  if (u !== undefined) report(ctx, r, `endpoint ${r.name}`, u);
}

function checkKey(ctx: SemanticContext, ws: WorkspaceIndex, r: ApiKeyResource): void {
  const spec = r.manifest.spec;
  if (spec.limits?.monthlyBudgetUsd === undefined) return;
  const names = spec.allow?.endpoints;
  const models = spec.allow?.models === undefined ? undefined : new Set(spec.allow.models);
  const endpoints = names === undefined ? [...ws.endpoints.values()] : names.flatMap((n) => ws.endpoints.get(n) ?? []);
  for (const ep of endpoints) {
    const u = firstUnpriced(ctx, ws, ep, models, new Set());
    if (u !== undefined) {
      report(ctx, r, `key ${r.name}`, u);
      return;
    }
  }
}

export function checkBudgets(ctx: SemanticContext): void {
  for (const ws of ctx.workspaces.values()) {
    for (const r of ws.endpoints.values()) checkEndpoint(ctx, ws, r);
    for (const r of ws.keys.values()) checkKey(ctx, ws, r);
  }
}
