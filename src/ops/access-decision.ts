// `gw route`'s decision for a chat request, without a request: the very functions the server's
// auth and route stages call (policy/access.ts), so the dry run and the server cannot disagree.
import type { CompiledKey, RoutingTable } from '../compile/routing-table.js';
import type { GwError } from '../errors.js';
import { keyAccess, resolveModel, type ModelResolution } from '../policy/access.js';

export { keyAccess, resolveModel, type KeyAccess, type ModelResolution } from '../policy/access.js';

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
  const access = keyAccess(table, hashHex.toLowerCase(), 'chat', nowMs);
  const key = access.key;
  const resolution = key === undefined ? undefined : resolveModel(table, key, asked);
  const error = !access.ok ? access.error : resolution?.ok === false ? resolution.error : undefined;
  return { key, resolution, error };
}
