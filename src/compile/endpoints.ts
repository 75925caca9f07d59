// Endpoint manifests → CompiledChatEndpoint / CompiledProxyEndpoint. Providers and guardrails
// are compiled first and shared by reference, so a table holds one object per resource.
// Every spec given here must already carry its schema defaults (withDefaults).
import type { ChatEndpointSpec, ProxyEndpointSpec, RoutingTarget } from '../manifest/types.js';
import { defaultsOf, schemaNode } from './defaults.js';
import { parseDuration } from '../util/duration.js';
import type { SchemaCompileResult } from '../util/json-validator.js';
import { splitBaseUrl } from '../util/upstream-url.js';
import { authHeaders, compileTls, mergeHeaders, type ProviderParts } from './providers.js';
import type {
  ChatParams,
  CompiledChatEndpoint,
  CompiledGuardrail,
  CompiledProvider,
  CompiledProxyEndpoint,
  CompiledTarget,
  CompiledValidator,
  FailureClass,
  Role,
} from './routing-table.js';

/** What endpoints look up while compiling; keys are "workspace/name". */
export interface EndpointContext {
  readonly providers: ReadonlyMap<string, { readonly provider: CompiledProvider; readonly parts: ProviderParts }>;
  readonly guardrails: ReadonlyMap<string, CompiledGuardrail>;
  readonly compileSchema: (schema: unknown) => SchemaCompileResult;
}

let roles: readonly Role[] | undefined;
/** allowedRoles absent means all four roles: the schema's role enum, in its order (read on first use). */
export function allRoles(): readonly Role[] {
  roles ??= Object.freeze([...((schemaNode('common.schema.json#/$defs/role')?.enum ?? []) as Role[])]);
  return roles;
}
const RETRIES = 'endpoint.schema.json#/$defs/routing/properties/retries';

function validator(ctx: EndpointContext, schema: unknown): CompiledValidator | undefined {
  if (schema === undefined) return undefined;
  const r = ctx.compileSchema(schema);
  return r.ok ? r.validator : undefined; // the validator reports bad schemas; compile skips them
}

function stringMap(models: RoutingTarget['models']): Map<string, string> {
  const out = new Map<string, string>();
  for (const [exposed, upstream] of Object.entries(models ?? {}))
    if (typeof upstream === 'string') out.set(exposed, upstream);
  return out;
}

function compileTargets(ctx: EndpointContext, workspace: string, targets: readonly RoutingTarget[]): CompiledTarget[] {
  const out: CompiledTarget[] = [];
  for (const t of targets) {
    const weight = t.weight ?? 1;
    if (t.provider !== undefined && t.endpoint === undefined) {
      const p = ctx.providers.get(`${workspace}/${t.provider}`);
      if (p !== undefined) out.push({ kind: 'provider', provider: p.provider, models: stringMap(t.models), weight });
    } else if (t.endpoint !== undefined && t.provider === undefined) {
      out.push({ kind: 'endpoint', endpoint: t.endpoint, models: stringMap(t.models), weight });
    }
  }
  return out;
}

function copyParams(p: ChatEndpointSpec['params']): ChatParams {
  if (p === undefined) return {};
  const { stop, ...rest } = p;
  return stop === undefined ? { ...rest } : { ...rest, stop: [...stop] };
}

export function compileChatEndpoint(
  ctx: EndpointContext,
  workspace: string,
  name: string,
  spec: ChatEndpointSpec,
): CompiledChatEndpoint {
  const routing = spec.routing;
  const retries = { ...defaultsOf(RETRIES), ...routing.retries };
  const targets = compileTargets(ctx, workspace, routing.targets ?? []);
  const models = new Set<string>();
  for (const t of targets) for (const exposed of t.models.keys()) models.add(exposed);
  const guardrails: CompiledGuardrail[] = [];
  for (const g of spec.guardrails ?? []) {
    const compiled = ctx.guardrails.get(`${workspace}/${g}`);
    if (compiled !== undefined) guardrails.push(compiled);
  }
  const sessions = spec.sessions;
  return {
    type: 'chat',
    id: `${workspace}/${name}`,
    name,
    workspace,
    enabled: spec.enabled !== false,
    description: spec.description,
    allowedRoles: new Set(spec.allowedRoles ?? allRoles()),
    timeoutMs: parseDuration(spec.timeout),
    strategy: routing.strategy === 'loadbalance' ? 'loadbalance' : 'fallback',
    retries: {
      attempts: typeof retries['attempts'] === 'number' ? retries['attempts'] : 0,
      backoffMs: parseDuration(retries['backoff']) ?? 0,
    },
    // YAML reads a bare 429 as a number; the table only knows the string class.
    fallbackOn: new Set<FailureClass>((routing.fallbackOn ?? []).map((c) => String(c) as FailureClass)),
    targets,
    models: [...models],
    defaultModel: spec.defaultModel,
    params: copyParams(spec.params),
    lockParams: spec.lockParams === true,
    prompt: { system: spec.prompt?.system, template: spec.prompt?.template },
    inputSchema: validator(ctx, spec.schema?.input),
    outputSchema: validator(ctx, spec.schema?.output),
    schemaJson: { input: spec.schema?.input, output: spec.schema?.output },
    limits: {
      rpm: spec.limits?.rpm,
      rph: spec.limits?.rph,
      tpm: spec.limits?.tpm,
      maxInputTokens: spec.limits?.maxInputTokens,
      monthlyBudgetUsd: spec.limits?.monthlyBudgetUsd,
    },
    guardrails,
    streaming: spec.streaming !== false,
    sessions:
      sessions === undefined
        ? undefined
        : {
            // The schema's defaults (1h, 50), also when a manifest was loaded without them filled in.
            ttlMs: parseDuration(sessions.ttl) ?? 3_600_000,
            maxMessages: sessions.maxMessages ?? 50,
            maxTokens: sessions.maxTokens,
          },
    mcp: { expose: spec.mcp?.expose === true, description: spec.mcp?.description },
  };
}

/** Undefined when its provider is missing or its baseUrl override is not a URL. */
export function compileProxyEndpoint(
  ctx: EndpointContext,
  workspace: string,
  name: string,
  spec: ProxyEndpointSpec,
): CompiledProxyEndpoint | undefined {
  const p = ctx.providers.get(`${workspace}/${spec.provider}`);
  if (p === undefined) return undefined;
  const url = spec.baseUrl === undefined ? p.provider : splitBaseUrl(spec.baseUrl);
  if (url === undefined) return undefined;
  // Headers merge; endpoint auth replaces the provider's (auth: { none: true } removes it).
  const auth = spec.auth ?? p.parts.auth;
  return {
    type: 'proxy',
    id: `${workspace}/${name}`,
    name,
    workspace,
    enabled: spec.enabled !== false,
    description: spec.description,
    allowedRoles: new Set(spec.allowedRoles ?? allRoles()),
    provider: p.provider,
    baseUrl: url.baseUrl,
    origin: url.origin,
    basePath: url.basePath,
    headers: { ...mergeHeaders(p.parts.custom, spec.headers), ...authHeaders(auth) },
    tls: spec.tls === undefined ? p.provider.tls : compileTls(spec.tls),
    timeoutMs: parseDuration(spec.timeout) ?? p.provider.timeoutMs,
    limits: { rpm: spec.limits?.rpm, rph: spec.limits?.rph },
    retries: {
      attempts: spec.retries?.attempts ?? 0,
      backoffMs: parseDuration(spec.retries?.backoff) ?? 200,
      methods: new Set(spec.retries?.methods ?? IDEMPOTENT_METHODS),
    },
  };
}

/** RFC 9110 §9.2.2: the methods a proxy may send again without asking. */
const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'] as const;
