// What a caller key may reach. One place answers both "may this key call that endpoint and
// model" (403 otherwise) and "which names may it use" (the 404 message and GET /v1/models),
// so the listing and the checks can never disagree.
import type { CompiledChatEndpoint, CompiledKey, CompiledWorkspace } from '../compile/routing-table.js';
import { GwError } from '../errors.js';

/** Role and endpoint allow list; `undefined` when the key may use the endpoint. */
export function endpointDenied(key: CompiledKey, ep: CompiledChatEndpoint): GwError | undefined {
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
    return new GwError('GW_ERR_AUTH_ENDPOINT', `endpoint '${ep.name}' is not in the key's allow list`, { endpoint: ep.name });
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
