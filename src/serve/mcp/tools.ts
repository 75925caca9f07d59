// Endpoints as MCP tools, as pure functions over the routing table: which tools a key sees, the
// tool each endpoint makes, and the tool result a finished tool-call pipeline makes.
//
// Tool names: an endpoint's name is its tool's name. Endpoint names (lowercase letters, digits
// and '-', 2–63 characters) already fit MCP's tool-name rule ([A-Za-z0-9_.-], 1–128) and the
// stricter one of common clients ([A-Za-z0-9_-], 1–64), and they are unique per workspace, so
// the mapping is the identity and no two tools collide.
import type { CompiledChatEndpoint, CompiledKey, CompiledWorkspace } from '../../compile/routing-table.js';
import { endpointDenied, endpointModel, modelDenied } from '../../policy/access.js';
import { unfence } from '../stages/schema.js';
import { compareText } from '../../util/compare-text.js';

type Obj = Record<string, unknown>;

export interface ToolInfo {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Obj & { type: 'object' };
  readonly outputSchema?: Obj & { type: 'object' };
}

export interface ToolResult {
  [k: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Obj;
  isError?: boolean;
  _meta?: Obj;
}

const MESSAGE_SCHEMA = Object.freeze({
  type: 'object' as const,
  properties: { message: { type: 'string', description: 'the text sent to the endpoint' } },
  required: ['message'],
  additionalProperties: false,
});

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * MCP wants an object schema: schema.input as it is when its root says `type: object` (the
 * simple API takes only an object as input anyway), else the same schema with that added.
 */
export function toolInputSchema(ep: CompiledChatEndpoint): Obj & { type: 'object' } {
  const s = ep.schemaJson.input;
  if (s === undefined) return MESSAGE_SCHEMA;
  return Object.assign({}, s, { type: 'object' as const });
}

/** schema.output, when its root is an object schema (MCP's rule for an output schema); else none. */
export function toolOutputSchema(ep: CompiledChatEndpoint): (Obj & { type: 'object' }) | undefined {
  const s = ep.schemaJson.output;
  return s !== undefined && s['type'] === 'object' ? (s as Obj & { type: 'object' }) : undefined;
}

export function toolOf(ep: CompiledChatEndpoint): ToolInfo {
  const out = toolOutputSchema(ep);
  const tool: ToolInfo = {
    name: ep.name,
    description: ep.mcp.description ?? ep.description ?? `the gw endpoint '${ep.name}'`,
    inputSchema: toolInputSchema(ep),
  };
  return out === undefined ? tool : Object.assign(tool, { outputSchema: out });
}

/**
 * The tools `key` may call in `ws`: enabled chat endpoints with mcp.expose that its roles and
 * allow lists let it use (the same checks the call's route stage makes). None without the mcp scope.
 */
export function listTools(key: CompiledKey, ws: CompiledWorkspace | undefined): ToolInfo[] {
  if (ws === undefined || !key.scopes.has('mcp')) return [];
  const tools: ToolInfo[] = [];
  for (const ep of ws.endpoints.values()) {
    if (ep.type !== 'chat' || !ep.enabled || !ep.mcp.expose) continue;
    if (endpointDenied(key, ep) !== undefined) continue;
    const model = endpointModel(ep);
    if (model === undefined || modelDenied(key, model) !== undefined) continue;
    tools.push(toolOf(ep));
  }
  return tools.sort((a, b) => compareText(a.name, b.name));
}

/**
 * The tool result of a finished tool call, from the simple API envelope its pipeline wrote:
 * `{ok: true, content, meta}` → text content (and structuredContent when the endpoint has an
 * object output schema, which the call's answer was checked against); `{ok: false, error}` →
 * isError with the gateway's code and message. Never a protocol error: the caller's model reads it.
 */
export function toolResult(
  requestId: string,
  endpoint: CompiledChatEndpoint | undefined,
  status: number,
  text: string,
): ToolResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (status === 200 && isObj(body) && body['ok'] === true) {
    const content = typeof body['content'] === 'string' ? body['content'] : JSON.stringify(body['content'] ?? '');
    const result: ToolResult = {
      content: [{ type: 'text', text: content }],
      _meta: { 'gw/request_id': requestId, 'gw/meta': body['meta'] ?? null },
    };
    if (endpoint !== undefined && toolOutputSchema(endpoint) !== undefined) {
      try {
        const value: unknown = JSON.parse(unfence(content));
        if (isObj(value)) result.structuredContent = value;
      } catch {
        // The output stage checked it; an answer that still does not parse stays text only.
      }
    }
    return result;
  }
  const err = isObj(body) && isObj(body['error']) ? body['error'] : undefined;
  const code = typeof err?.['code'] === 'string' ? err['code'] : 'GW_ERR_INTERNAL';
  const message =
    typeof err?.['message'] === 'string'
      ? err['message']
      : `the call ended without an answer (request id ${requestId})`;
  return {
    isError: true,
    content: [{ type: 'text', text: `${code}: ${message}` }],
    _meta: { 'gw/request_id': requestId, 'gw/error': { code, status: status === 0 ? 499 : status, message } },
  };
}
