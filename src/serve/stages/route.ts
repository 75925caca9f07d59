// Which endpoint and exposed model serve the request. `model` is an exposed model name or an
// endpoint name (its defaultModel, else its first model), inside the key's workspace; on
// /endpoints/{name}/... only that endpoint's names resolve. GET /v1/models lists exactly the
// names that would resolve here for this key.
import type { CompiledChatEndpoint, CompiledKey, CompiledWorkspace } from '../../compile/routing-table.js';
import { GwError } from '../../errors.js';
import { endpointDenied, endpointModel, modelDenied, usableNames } from '../access.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../pipeline.js';

/** `created` of listed models: the names carry no date of their own, so gw's start time. */
const LISTED_AT = Math.floor(Date.now() / 1000);
/** The 404 message lists at most this many names. */
const MAX_LISTED = 50;

function notFound(what: string, key: CompiledKey, ws: CompiledWorkspace | undefined, scope: string | undefined): GwError {
  const names = usableNames(key, ws, scope);
  const shown = names.slice(0, MAX_LISTED).join(', ');
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  const hint = names.length === 0 ? 'this key may use no model here' : `this key may use: ${shown}${more}`;
  return new GwError('GW_ERR_MODEL_NOT_FOUND', `${what} does not exist or is disabled; ${hint}`, { available: names });
}

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

function resolve(ctx: RequestContext, key: CompiledKey, asked: string): { ep: CompiledChatEndpoint; model: string } {
  const ws = ctx.workspace;
  const scope = ctx.route.endpointScope;
  let ep: CompiledChatEndpoint | undefined = ws?.models.get(asked);
  let model: string | undefined = asked;
  if (ep === undefined) {
    const named = ws?.endpoints.get(asked);
    if (named?.type === 'chat') {
      ep = named;
      model = endpointModel(named);
    }
  }
  if (ep === undefined || !ep.enabled || model === undefined || (scope !== undefined && ep.name !== scope)) {
    throw notFound(`model '${asked}'`, key, ws, scope);
  }
  const denied = endpointDenied(key, ep) ?? modelDenied(key, model);
  if (denied !== undefined) throw denied;
  return { ep, model };
}

export function routeStage(): Stage {
  return async function route(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    if (key === undefined) throw new GwError('GW_ERR_INTERNAL', 'route stage reached without a key');
    const scope = ctx.route.endpointScope;
    if (ctx.route.api === 'models') {
      if (scope !== undefined) ctx.endpoint = scopedEndpoint(ctx, key, scope);
      ctx.local = ctx.route.dialect.modelList(usableNames(key, ctx.workspace, scope), LISTED_AT) as Record<string, unknown>;
      return next();
    }
    if (scope !== undefined) scopedEndpoint(ctx, key, scope);
    const { ep, model } = resolve(ctx, key, ctx.modelAsked ?? '');
    ctx.endpoint = ep;
    ctx.model = model;
    if (ctx.stream && !ep.streaming) {
      throw new GwError('GW_ERR_STREAMING_DISABLED', `endpoint '${ep.name}' does not stream; send stream: false`);
    }
    return next();
  };
}
