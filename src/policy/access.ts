// What a caller key may reach, as pure functions over the routing table. One place answers
// "is this key usable" (401/403), "where does this model name go" (404/403) and "which names
// may it use" (the 404 message and GET /v1/models), so the server's stages, the listing and
// `gw route` can never disagree.
import type {
  CompiledChatEndpoint,
  CompiledEndpoint,
  CompiledKey,
  CompiledWorkspace,
  RoutingTable,
  Scope,
} from '../compile/routing-table.js';
import { GwError } from '../errors.js';

/** Role and endpoint allow list; `undefined` when the key may use the endpoint. */
export function endpointDenied(key: CompiledKey, ep: CompiledEndpoint): GwError | undefined {
  let roleOk = false;
  for (const role of key.roles) {
    if (ep.allowedRoles.has(role)) {
      roleOk = true;
      break;
    }
  }
  if (!roleOk) {
    return new GwError('GW_ERR_AUTH_ROLE', `the key's roles may not use endpoint '${ep.name}'`, { endpoint: ep.name });
  }
  if (key.allowEndpoints !== undefined && !key.allowEndpoints.has(ep.name)) {
    return new GwError('GW_ERR_AUTH_ENDPOINT', `endpoint '${ep.name}' is not in the key's allow list`, {
      endpoint: ep.name,
    });
  }
  return undefined;
}

export function modelDenied(key: CompiledKey, model: string): GwError | undefined {
  if (key.allowModels !== undefined && !key.allowModels.has(model)) {
    return new GwError('GW_ERR_AUTH_MODEL', `model '${model}' is not in the key's allow list`, { model });
  }
  return undefined;
}

/** The model an endpoint name stands for: its defaultModel, else its first exposed model. */
export function endpointModel(ep: CompiledChatEndpoint): string | undefined {
  return ep.defaultModel ?? ep.models[0];
}

/**
 * Every name the key may put in `model`: exposed model names and endpoint names (an endpoint
 * name is listed when the model it stands for is allowed). Sorted; `only` restricts to one endpoint.
 */
export function usableNames(key: CompiledKey, ws: CompiledWorkspace | undefined, only?: string): string[] {
  if (ws === undefined) return [];
  const names = new Set<string>();
  for (const ep of ws.endpoints.values()) {
    if (ep.type !== 'chat' || !ep.enabled) continue;
    if (only !== undefined && ep.name !== only) continue;
    if (endpointDenied(key, ep) !== undefined) continue;
    for (const m of ep.models) if (modelDenied(key, m) === undefined) names.add(m);
    const def = endpointModel(ep);
    if (def !== undefined && modelDenied(key, def) === undefined) names.add(ep.name);
  }
  return [...names].sort();
}

export type KeyAccess =
  | { readonly ok: true; readonly key: CompiledKey }
  /** `key` is set when the key exists but may not be used (disabled, expired, scope). */
  | { readonly ok: false; readonly error: GwError; readonly key: CompiledKey | undefined };

/** The key behind a sha256 hex digest: unknown, disabled or expired → 401; lacking `scope` → 403. */
export function keyAccess(table: RoutingTable, hashHex: string, scope: Scope, nowMs: number): KeyAccess {
  const key = table.keys.get(hashHex);
  if (key === undefined)
    return { ok: false, key, error: new GwError('GW_ERR_AUTH_INVALID_KEY', 'the API key is not valid') };
  if (!key.enabled)
    return { ok: false, key, error: new GwError('GW_ERR_AUTH_DISABLED_KEY', `the API key '${key.name}' is disabled`) };
  if (key.expiresAt !== undefined && key.expiresAt <= nowMs) {
    const at = new Date(key.expiresAt).toISOString();
    return {
      ok: false,
      key,
      error: new GwError('GW_ERR_AUTH_EXPIRED_KEY', `the API key '${key.name}' expired at ${at}`),
    };
  }
  if (!key.scopes.has(scope)) {
    return {
      ok: false,
      key,
      error: new GwError('GW_ERR_AUTH_SCOPE', `the API key '${key.name}' lacks the '${scope}' scope`),
    };
  }
  return { ok: true, key };
}

/** The 404 message lists at most this many names. */
const MAX_LISTED = 50;

/** 404 for an unknown or disabled name, listing what the key may use instead. */
export function notFound(
  what: string,
  key: CompiledKey,
  ws: CompiledWorkspace | undefined,
  scope: string | undefined,
): GwError {
  const names = usableNames(key, ws, scope);
  const shown = names.slice(0, MAX_LISTED).join(', ');
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  const hint = names.length === 0 ? 'this key may use no model here' : `this key may use: ${shown}${more}`;
  return new GwError('GW_ERR_MODEL_NOT_FOUND', `${what} does not exist or is disabled; ${hint}`, { available: names });
}

export type ModelResolution =
  | {
      readonly ok: true;
      readonly endpoint: CompiledChatEndpoint;
      /** The exposed model the request runs as (an endpoint name stands for its default). */
      readonly model: string;
      /** True when the name asked was an endpoint name rather than an exposed model. */
      readonly viaEndpointName: boolean;
    }
  | { readonly ok: false; readonly error: GwError; readonly endpoint: CompiledChatEndpoint | undefined };

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
  if (
    endpoint === undefined ||
    !endpoint.enabled ||
    model === undefined ||
    (scope !== undefined && endpoint.name !== scope)
  ) {
    return { ok: false, endpoint, error: notFound(`model '${asked}'`, key, ws, scope) };
  }
  const denied = endpointDenied(key, endpoint) ?? modelDenied(key, model);
  if (denied !== undefined) return { ok: false, endpoint, error: denied };
  return { ok: true, endpoint, model, viaEndpointName };
}
