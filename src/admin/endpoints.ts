// `GET /admin/v1/endpoints`: what the status page shows about each endpoint of the config in
// service, as data: routing policy and targets with their breaker health, limits and this
// month's spend, guardrails, prompt, schemas, sessions, MCP exposure, and the KPI totals.
// Built from the compiled table, which holds resolved references: nothing here copies a header,
// a TLS key or a base URL's userinfo (only its origin and path), so no credential leaves.
import type { CompiledEndpoint, CompiledTarget, RoutingTable } from '../compile/routing-table.js';
import type { BreakerState, BreakerStatus } from '../upstream/breaker.js';

export type TargetHealth = 'healthy' | BreakerState;

export interface TargetView {
  readonly kind: 'provider' | 'endpoint';
  /** Provider name, or the chat endpoint referenced. */
  readonly name: string;
  /** Provider type (openai, anthropic, http, mock); 'endpoint' for an endpoint target. */
  readonly type: string;
  /** scheme://host[:port]/path of the provider, without userinfo; null for an endpoint target. */
  readonly url: string | null;
  readonly weight: number;
  /** exposed model -> upstream model */
  readonly models: Readonly<Record<string, string>>;
  /** The worst breaker state among this provider's models; healthy when none has failures. */
  readonly health: TargetHealth;
  readonly failures: number;
}

export interface EndpointView {
  readonly workspace: string;
  readonly name: string;
  readonly type: 'chat' | 'proxy';
  readonly enabled: boolean;
  readonly description: string | null;
  readonly models: readonly string[];
  readonly streaming: boolean;
  readonly strategy: 'fallback' | 'loadbalance' | 'proxy';
  readonly retries: { readonly attempts: number; readonly backoffMs: number } | null;
  readonly fallbackOn: readonly string[];
  readonly targets: readonly TargetView[];
  readonly limits: {
    readonly rpm: number | null;
    readonly rph: number | null;
    readonly tpm: number | null;
    readonly maxInputTokens: number | null;
    readonly monthlyBudgetUsd: number | null;
  };
  /** Spend recorded for this endpoint this month (UTC), USD. */
  readonly spendThisMonthUsd: number;
  readonly guardrails: readonly { readonly name: string; readonly stage: string; readonly action: string }[];
  readonly prompt: { readonly system: string | null; readonly template: string | null };
  readonly schema: { readonly input: unknown; readonly output: unknown };
  readonly sessions: { readonly ttlMs: number; readonly maxMessages: number } | null;
  readonly mcp: { readonly expose: boolean; readonly description: string | null };
}

export interface EndpointKpis {
  readonly endpoints: number;
  readonly streaming: number;
  readonly sessions: number;
  readonly mcpTools: number;
  readonly spendThisMonthUsd: number;
  /** Sum of the endpoints' monthly budgets; null when none has one. */
  readonly budgetsUsd: number | null;
}

export interface EndpointsAnswer {
  readonly endpoints: readonly EndpointView[];
  readonly kpis: EndpointKpis;
}

export interface EndpointSources {
  readonly breakers: readonly BreakerStatus[];
  /** This month's spend of one endpoint, USD. */
  readonly spend: (workspace: string, endpoint: string) => number;
}

const RANK: Readonly<Record<TargetHealth, number>> = { healthy: 0, closed: 1, 'half-open': 2, open: 3 };

function providerUrl(origin: string, basePath: string): string {
  return origin + (basePath === '/' ? '' : basePath);
}

function targetView(t: CompiledTarget, workspace: string, breakers: readonly BreakerStatus[]): TargetView {
  const models = Object.fromEntries(t.models);
  if (t.kind === 'endpoint') {
    return {
      kind: 'endpoint',
      name: t.endpoint,
      type: 'endpoint',
      url: null,
      weight: t.weight,
      models,
      health: 'healthy',
      failures: 0,
    };
  }
  const p = t.provider;
  let health: TargetHealth = 'healthy';
  let failures = 0;
  for (const b of breakers) {
    if (b.provider !== p.name || b.workspace !== workspace) continue;
    failures += b.failures;
    if (RANK[b.state] > RANK[health]) health = b.state;
  }
  // closed with failures on record is still serving: shown as healthy with a failure count.
  if (health === 'closed') health = 'healthy';
  return {
    kind: 'provider',
    name: p.name,
    type: p.type,
    url: providerUrl(p.origin, p.basePath),
    weight: t.weight,
    models,
    health,
    failures,
  };
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

export function endpointView(e: CompiledEndpoint, src: EndpointSources): EndpointView {
  const spend = src.spend(e.workspace, e.name);
  if (e.type === 'proxy') {
    const p = e.provider;
    return {
      workspace: e.workspace,
      name: e.name,
      type: 'proxy',
      enabled: e.enabled,
      description: orNull(e.description),
      models: [],
      streaming: true,
      strategy: 'proxy',
      retries: null,
      fallbackOn: [],
      targets: [
        {
          kind: 'provider',
          name: p.name,
          type: p.type,
          url: providerUrl(e.origin, e.basePath),
          weight: 1,
          models: {},
          health: targetView({ kind: 'provider', provider: p, models: new Map(), weight: 1 }, e.workspace, src.breakers)
            .health,
          failures: 0,
        },
      ],
      limits: {
        rpm: orNull(e.limits.rpm),
        rph: orNull(e.limits.rph),
        tpm: null,
        maxInputTokens: null,
        monthlyBudgetUsd: null,
      },
      spendThisMonthUsd: spend,
      guardrails: [],
      prompt: { system: null, template: null },
      schema: { input: null, output: null },
      sessions: null,
      mcp: { expose: false, description: null },
    };
  }
  return {
    workspace: e.workspace,
    name: e.name,
    type: 'chat',
    enabled: e.enabled,
    description: orNull(e.description),
    models: e.models,
    streaming: e.streaming,
    strategy: e.strategy,
    retries: e.retries,
    fallbackOn: [...e.fallbackOn].sort(),
    targets: e.targets.map((t) => targetView(t, e.workspace, src.breakers)),
    limits: {
      rpm: orNull(e.limits.rpm),
      rph: orNull(e.limits.rph),
      tpm: orNull(e.limits.tpm),
      maxInputTokens: orNull(e.limits.maxInputTokens),
      monthlyBudgetUsd: orNull(e.limits.monthlyBudgetUsd),
    },
    spendThisMonthUsd: spend,
    guardrails: e.guardrails.map((g) => ({ name: g.name, stage: g.stage, action: g.action })),
    prompt: { system: orNull(e.prompt.system), template: orNull(e.prompt.template) },
    schema: { input: orNull(e.schemaJson.input), output: orNull(e.schemaJson.output) },
    sessions: e.sessions === undefined ? null : { ttlMs: e.sessions.ttlMs, maxMessages: e.sessions.maxMessages },
    mcp: { expose: e.mcp.expose, description: orNull(e.mcp.description) },
  };
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Every endpoint of the table (workspaces in table order, endpoints by name) and the totals. */
export function endpointsAnswer(table: RoutingTable | undefined, src: EndpointSources): EndpointsAnswer {
  const endpoints: EndpointView[] = [];
  for (const ws of table?.workspaces.values() ?? []) {
    for (const name of [...ws.endpoints.keys()].sort()) endpoints.push(endpointView(ws.endpoints.get(name)!, src));
  }
  const budgets = endpoints.map((e) => e.limits.monthlyBudgetUsd).filter((b): b is number => b !== null);
  return {
    endpoints,
    kpis: {
      endpoints: endpoints.length,
      streaming: endpoints.filter((e) => e.type === 'chat' && e.streaming).length,
      sessions: endpoints.filter((e) => e.sessions !== null).length,
      mcpTools: endpoints.filter((e) => e.mcp.expose).length,
      spendThisMonthUsd: round(endpoints.reduce((s, e) => s + e.spendThisMonthUsd, 0)),
      budgetsUsd: budgets.length === 0 ? null : round(budgets.reduce((s, b) => s + b, 0)),
    },
  };
}
