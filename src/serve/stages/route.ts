// Which endpoint and exposed model serve the request. `model` is an exposed model name or an
// endpoint name (its defaultModel, else its first model), inside the key's workspace; on
// /endpoints/{name}/... only that endpoint's names resolve. GET /v1/models lists exactly the
// names that would resolve here for this key.
import type { CompiledChatEndpoint, CompiledKey } from '../../compile/routing-table.js';
import { GwError } from '../../errors.js';
import { endpointDenied, notFound, resolveModel, usableNames } from '../../policy/access.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../stage.js';

/** `created` of listed models: the names carry no date of their own, so gw's start time. */
const LISTED_AT = Math.floor(Date.now() / 1000);

/** The endpoint named by /endpoints/{name}/..., checked for this key. */
function scopedEndpoint(ctx: RequestContext, key: CompiledKey, scope: string): CompiledChatEndpoint {
  const ep = ctx.workspace?.endpoints.get(scope);
  if (ep === undefined || ep.type !== 'chat' || !ep.enabled) {
    throw notFound(`endpoint '${scope}'`, key, ctx.workspace, undefined);
  }
  const denied = endpointDenied(key, ep);
  if (denied !== undefined) throw denied;
  return ep;
}

/** Resolves the model the caller asked for to an endpoint this key may use. */
export function routeStage(): Stage {
  return async function route(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    if (key === undefined) throw new GwError('GW_ERR_INTERNAL', 'route stage reached without a key');
    const scope = ctx.route.endpointScope;
    if (scope !== undefined) scopedEndpoint(ctx, key, scope);
    const resolved = resolveModel(ctx.table, key, ctx.modelAsked ?? '', scope);
    if (!resolved.ok) throw resolved.error;
    const ep = resolved.endpoint;
    ctx.endpoint = ep;
    ctx.model = resolved.model;
    if (ctx.stream && !ep.streaming) {
      throw new GwError('GW_ERR_STREAMING_DISABLED', `endpoint '${ep.name}' does not stream; send stream: false`);
    }
    return next();
  };
}

/** GET /v1/models: the names this key may use (inside the endpoint on /endpoints/{name}/...), answered locally. */
export function modelsStage(): Stage {
  return async function models(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    if (key === undefined) throw new GwError('GW_ERR_INTERNAL', 'models stage reached without a key');
    const scope = ctx.route.endpointScope;
    if (scope !== undefined) ctx.endpoint = scopedEndpoint(ctx, key, scope);
    ctx.local = ctx.route.dialect.modelList(usableNames(key, ctx.workspace, scope), LISTED_AT) as Record<
      string,
      unknown
    >;
    return next();
  };
}
