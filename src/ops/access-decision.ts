// Who a caller key is and where a model name takes it, as pure functions over a RoutingTable:
// the same answers (and GW_ERR codes) the server's auth and route stages give, without a
// request. The per-endpoint checks come from serve/access.ts so the two can never disagree.
// The server's auth and route stages still carry their own copy of the key checks and the
// model resolution (they work on a RequestContext); they can call keyAccess/resolveModel.
import type { CompiledChatEndpoint, CompiledKey, RoutingTable, Scope } from '../compile/routing-table.js';
import { GwError } from '../errors.js';
import { endpointDenied, endpointModel, modelDenied, usableNames } from '../serve/access.js';

export type KeyAccess =
  | { readonly ok: true; readonly key: CompiledKey }
  /** `key` is set when the key exists but may not be used (expired, disabled, scope). */
  | { readonly ok: false; readonly error: GwError; readonly key: CompiledKey | undefined };

/**
 * The key behind a sha256 hex digest: unknown → 401, disabled → 401, expired at `nowMs` → 401,
 * lacking `scope` → 403. Checked in that order, as the auth stage does.
 */
export function keyAccess(table: RoutingTable, hashHex: string, scope: Scope, nowMs: number): KeyAccess {
  const key = table.keys.get(hashHex.toLowerCase());
  if (key === undefined) {
    return { ok: false, key, error: new GwError('GW_ERR_AUTH_INVALID_KEY', 'the API key is not valid') };
  }
  if (!key.enabled) {
    return { ok: false, key, error: new GwError('GW_ERR_AUTH_DISABLED_KEY', `the API key '${key.name}' is disabled`) };
  }
  if (key.expiresAt !== undefined && key.expiresAt <= nowMs) {
    const at = new Date(key.expiresAt).toISOString();
    return { ok: false, key, error: new GwError('GW_ERR_AUTH_EXPIRED_KEY', `the API key '${key.name}' expired at ${at}`) };
  }
  if (!key.scopes.has(scope)) {
    return { ok: false, key, error: new GwError('GW_ERR_AUTH_SCOPE', `the API key '${key.name}' lacks the '${scope}' scope`) };
  }
  return { ok: true, key };
}

export type ModelResolution =
  | {
      readonly ok: true;
      readonly endpoint: CompiledChatEndpoint;
      /** The exposed model the request runs as (an endpoint name stands for its default). */
      readonly model: string;
      /** True when `asked` was an endpoint name rather than an exposed model. */
      readonly viaEndpointName: boolean;
    }
  | { readonly ok: false; readonly error: GwError; readonly endpoint: CompiledChatEndpoint | undefined };

/** The 404 message lists at most this many names (as the route stage does). */
const MAX_LISTED = 50;

function notFound(what: string, names: readonly string[]): GwError {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  const hint = names.length === 0 ? 'this key may use no model here' : `this key may use: ${shown}${more}`;
  return new GwError('GW_ERR_MODEL_NOT_FOUND', `${what} does not exist or is disabled; ${hint}`, { available: [...names] });
}

/**
 * Where `asked` (an exposed model or an endpoint name) goes for `key`, inside the key's
 * workspace; `scope` restricts names to one endpoint (/endpoints/{name}/...). Unknown or
 * disabled → 404 listing the names the key may use; role or allow list → 403.
 */
export function resolveModel(table: RoutingTable, key: CompiledKey, asked: string, scope?: string): ModelResolution {
  const ws = table.workspaces.get(key.workspace);
  let endpoint: CompiledChatEndpoint | undefined = ws?.models.get(asked);
  let model: string | undefined = asked;
  let viaEndpointName = false;
  if (endpoint === undefined) {
    const named = ws?.endpoints.get(asked);
    if (named?.type === 'chat') {
      endpoint = named;
      model = endpointModel(named);
      viaEndpointName = true;
    }
  }
  if (endpoint === undefined || !endpoint.enabled || model === undefined || (scope !== undefined && endpoint.name !== scope)) {
    return { ok: false, endpoint, error: notFound(`model '${asked}'`, usableNames(key, ws, scope)) };
  }
  const denied = endpointDenied(key, endpoint) ?? modelDenied(key, model);
  if (denied !== undefined) return { ok: false, endpoint, error: denied };
  return { ok: true, endpoint, model, viaEndpointName };
}

export interface RouteDecision {
  readonly key: CompiledKey | undefined;
  readonly resolution: ModelResolution | undefined;
  /** The error the server would answer with; undefined when the request would be routed. */
  readonly error: GwError | undefined;
}

/**
 * The whole decision for a chat request: key first (401/403), then the model (404/403). A key
 * that exists but is refused still gets its model resolved, so a dry run can show both.
 */
export function decideChatRoute(table: RoutingTable, hashHex: string, asked: string, nowMs: number): RouteDecision {
  const access = keyAccess(table, hashHex, 'chat', nowMs);
  const key = access.key;
  const resolution = key === undefined ? undefined : resolveModel(table, key, asked);
  const error = !access.ok ? access.error : resolution?.ok === false ? resolution.error : undefined;
  return { key, resolution, error };
}
