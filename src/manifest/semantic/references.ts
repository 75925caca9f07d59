// Names that must resolve inside the referring resource's workspace: routing targets (and their
// shape), endpoint guardrails, a proxy endpoint's provider, an ApiKey's allowed endpoints. Also the
// type pairing: chat endpoints need chat providers, proxy endpoints need http providers.
import type { ChatEndpointSpec, EndpointResource, ProxyEndpointSpec, Resource, RoutingTarget } from '../types.js';
import { isKind, type Path, type SemanticContext, type WorkspaceIndex } from './context.js';
import { didYouMean, listNames } from './names.js';

type Plural = 'providers' | 'endpoints' | 'guardrails';

// The listing of a workspace's names is the same for every unresolved reference into it: build it
// once per index map (maps live for one pass, so the weak keys go with them).
const listed = new WeakMap<ReadonlyMap<string, unknown>, string>();

function listing(names: ReadonlyMap<string, unknown>): string {
  let s = listed.get(names);
  if (s === undefined) listed.set(names, (s = listNames(names.keys())));
  return s;
}

/** "which is not defined in workspace w; did you mean x? defined providers: a, b" (+ other workspaces). */
export function notDefined(ctx: SemanticContext, ws: WorkspaceIndex, plural: Plural, name: string): string {
  const here = ws[plural].keys();
  const elsewhere = [...ctx.workspaces.values()]
    .filter((w) => w.name !== ws.name && w[plural].has(name))
    .map((w) => w.name);
  const across =
    elsewhere.length > 0
      ? `; workspace ${listNames(elsewhere)} has one of that name, but references resolve only inside their own workspace`
      : '';
  return `which is not defined in workspace ${ws.name}; ${didYouMean(name, here)}defined ${plural}: ${listing(ws[plural])}${across}`;
}

const CHAT_PROVIDER_TYPES = 'openai, anthropic, bedrock or mock';

function checkTarget(ctx: SemanticContext, ws: WorkspaceIndex, r: EndpointResource, t: RoutingTarget, i: number): void {
  const base: Path = ['spec', 'routing', 'targets', i];
  const label = `routing.targets[${i}] of endpoint ${r.name}`;
  const hasProvider = t.provider !== undefined;
  const hasEndpoint = t.endpoint !== undefined;
  if (hasProvider === hasEndpoint) {
    const msg = hasProvider
      ? `${label} names both provider ${t.provider} and endpoint ${t.endpoint}; keep one: a target either calls a provider or forwards to another endpoint`
      : `${label} names neither a provider nor an endpoint; add provider: <name> (an upstream) or endpoint: <name> (forward to another chat endpoint)`;
    ctx.report(r, base, 'GW_ERR_TARGET_SHAPE', msg);
    return;
  }
  if (t.provider !== undefined) {
    const p = ws.providers.get(t.provider);
    if (p === undefined) {
      if (ctx.isBroken('Provider', ws.name, t.provider)) return;
      const msg = `endpoint ${r.name} targets provider ${t.provider}, ${notDefined(ctx, ws, 'providers', t.provider)}`;
      ctx.report(r, [...base, 'provider'], 'GW_ERR_REF_UNKNOWN_PROVIDER', msg);
    } else if (isKind(p, 'Provider') && p.manifest.spec.type === 'http') {
      const msg =
        `chat endpoint ${r.name} targets provider ${p.name}, which has type http (a transparent proxy, no chat API); ` +
        `target a provider of type ${CHAT_PROVIDER_TYPES}, or make this a type: proxy endpoint`;
      ctx.report(r, [...base, 'provider'], 'GW_ERR_PROVIDER_TYPE_MISMATCH', msg);
    }
  }
  if (t.endpoint !== undefined) {
    const e = ws.endpoints.get(t.endpoint);
    if (e === undefined) {
      if (ctx.isBroken('Endpoint', ws.name, t.endpoint)) return;
      const msg = `endpoint ${r.name} forwards to endpoint ${t.endpoint}, ${notDefined(ctx, ws, 'endpoints', t.endpoint)}`;
      ctx.report(r, [...base, 'endpoint'], 'GW_ERR_REF_UNKNOWN_ENDPOINT', msg);
    } else if (e.manifest.spec.type !== 'chat') {
      const msg =
        `endpoint ${r.name} forwards to endpoint ${e.name}, which is a proxy endpoint; ` +
        `an endpoint target must name a chat endpoint (or use provider: for an upstream)`;
      ctx.report(r, [...base, 'endpoint'], 'GW_ERR_REF_UNKNOWN_ENDPOINT', msg);
    }
  }
}

function checkChat(ctx: SemanticContext, ws: WorkspaceIndex, r: EndpointResource, spec: ChatEndpointSpec): void {
  (spec.routing?.targets ?? []).forEach((t, i) => checkTarget(ctx, ws, r, t, i));
  (spec.guardrails ?? []).forEach((g, i) => {
    if (ws.guardrails.has(g) || ctx.isBroken('Guardrail', ws.name, g)) return;
    const msg = `endpoint ${r.name} uses guardrail ${g}, ${notDefined(ctx, ws, 'guardrails', g)}`;
    ctx.report(r, ['spec', 'guardrails', i], 'GW_ERR_REF_UNKNOWN_GUARDRAIL', msg);
  });
}

function checkProxy(ctx: SemanticContext, ws: WorkspaceIndex, r: EndpointResource, spec: ProxyEndpointSpec): void {
  const p = ws.providers.get(spec.provider);
  if (p === undefined) {
    if (ctx.isBroken('Provider', ws.name, spec.provider)) return;
    const msg = `proxy endpoint ${r.name} uses provider ${spec.provider}, ${notDefined(ctx, ws, 'providers', spec.provider)}`;
    ctx.report(r, ['spec', 'provider'], 'GW_ERR_REF_UNKNOWN_PROVIDER', msg);
  } else if (isKind(p, 'Provider') && p.manifest.spec.type !== 'http') {
    const msg =
      `proxy endpoint ${r.name} uses provider ${p.name}, which has type ${p.manifest.spec.type}; ` +
      `a proxy endpoint forwards raw HTTP and needs a provider of type http (or make this a type: chat endpoint)`;
    ctx.report(r, ['spec', 'provider'], 'GW_ERR_PROVIDER_TYPE_MISMATCH', msg);
  }
}

export function checkNameReferences(ctx: SemanticContext): void {
  for (const r of ctx.resources) checkResource(ctx, r);
}

function checkResource(ctx: SemanticContext, r: Resource): void {
  const ws = ctx.workspace(r.workspace);
  if (isKind(r, 'Endpoint')) {
    const spec = r.manifest.spec;
    if (spec.type === 'chat') checkChat(ctx, ws, r, spec);
    else if (spec.type === 'proxy') checkProxy(ctx, ws, r, spec);
  } else if (isKind(r, 'ApiKey')) {
    (r.manifest.spec.allow?.endpoints ?? []).forEach((name, i) => {
      if (ws.endpoints.has(name) || ctx.isBroken('Endpoint', ws.name, name)) return;
      const msg = `api key ${r.name} allows endpoint ${name}, ${notDefined(ctx, ws, 'endpoints', name)}`;
      ctx.report(r, ['spec', 'allow', 'endpoints', i], 'GW_ERR_REF_UNKNOWN_ENDPOINT', msg);
    });
  }
}
