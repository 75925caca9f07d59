// `gw curl`: a ready-to-paste curl command for one endpoint's Service URL on the proxy listener.
import type { ListenAddress } from '../config/settings.js';
import type { CompiledEndpoint, RoutingTable } from '../compile/routing-table.js';

export interface CurlCommand {
  readonly endpoint: string;
  readonly workspace: string;
  readonly type: 'chat' | 'proxy';
  readonly url: string;
  /** The model in the body (chat endpoints); null for proxy endpoints. */
  readonly model: string | null;
  readonly command: string;
  /** The same endpoint through the simple API, for chat endpoints with a prompt or an input schema; null otherwise. */
  readonly simple: { readonly url: string; readonly command: string } | null;
  /** The MCP bridge serving the endpoint as a tool (mcp.expose); null otherwise. */
  readonly mcp: McpSnippet | null;
}

export interface McpSnippet {
  /** The workspace's MCP server (Streamable HTTP). */
  readonly url: string;
  /** The tool's name: the endpoint's name. */
  readonly tool: string;
  /** An MCP client config entry in the common `mcpServers` shape: URL and the key's header. */
  readonly config: Readonly<Record<string, unknown>>;
}

export type CurlResult =
  { readonly ok: true; readonly curl: CurlCommand } | { readonly ok: false; readonly message: string };

/** Where callers reach the listener: a wildcard bind address is reached over loopback. */
export function listenerBase(a: ListenAddress): string {
  let host = a.host;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

/** POSIX shell single quotes: nothing inside is expanded. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-.,/:=@%+]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function findEndpoint(
  table: RoutingTable,
  name: string,
  workspace: string | undefined,
): CompiledEndpoint | CompiledEndpoint[] {
  const found: CompiledEndpoint[] = [];
  for (const ws of table.workspaces.values()) {
    if (workspace !== undefined && ws.name !== workspace) continue;
    const ep = ws.endpoints.get(name);
    if (ep !== undefined) found.push(ep);
  }
  if (found.length === 1) return found[0] as CompiledEndpoint;
  return found.find((e) => e.workspace === 'default') ?? found;
}

/** Every endpoint as name (or workspace/name outside the default workspace), sorted. */
export function endpointNames(table: RoutingTable): string[] {
  const out: string[] = [];
  for (const ws of table.workspaces.values()) {
    for (const ep of ws.endpoints.values()) out.push(ws.name === 'default' ? ep.name : `${ws.name}/${ep.name}`);
  }
  return out.sort();
}

export interface CurlOptions {
  readonly endpoint: string;
  readonly workspace?: string | undefined;
  readonly model?: string | undefined;
  /** A literal key; default: the shell variable GW_KEY. */
  readonly key?: string | undefined;
}

export function curlCommand(table: RoutingTable, listen: ListenAddress, o: CurlOptions): CurlResult {
  const ep = findEndpoint(table, o.endpoint, o.workspace);
  if (Array.isArray(ep)) {
    const names = endpointNames(table);
    const which =
      ep.length > 1
        ? `is in several workspaces (${ep.map((e) => e.workspace).join(', ')}); name one with --workspace`
        : 'is not defined';
    return {
      ok: false,
      message: `endpoint '${o.endpoint}' ${which}; endpoints: ${names.length > 0 ? names.join(', ') : '(none)'}`,
    };
  }
  const auth = o.key !== undefined ? shellQuote(`Authorization: Bearer ${o.key}`) : '"Authorization: Bearer ${GW_KEY}"';
  const base = listenerBase(listen);
  const segment = encodeURIComponent(ep.name);
  if (ep.type === 'proxy') {
    const url = `${base}/proxy/${encodeURIComponent(ep.provider.name)}/${segment}/`;
    const command = `curl -sS ${shellQuote(url)} \\\n  -H ${auth}`;
    return {
      ok: true,
      curl: {
        endpoint: ep.name,
        workspace: ep.workspace,
        type: 'proxy',
        url,
        model: null,
        command,
        simple: null,
        mcp: null,
      },
    };
  }
  const model = o.model ?? ep.defaultModel ?? ep.models[0] ?? ep.name;
  if (o.model !== undefined && !ep.models.includes(o.model) && o.model !== ep.name) {
    const names = [...ep.models, ep.name].join(', ');
    return { ok: false, message: `endpoint '${ep.name}' does not expose model '${o.model}'; it answers to: ${names}` };
  }
  const url = `${base}/endpoints/${segment}/v1/chat/completions`;
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] });
  const command = [
    `curl -sS ${shellQuote(url)}`,
    `  -H ${auth}`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(body)}`,
  ].join(' \\\n');
  const simple = simpleCommand(ep, base, auth);
  const mcp = ep.mcp.expose ? mcpSnippet(ep.workspace, ep.name, base, o.key) : null;
  return {
    ok: true,
    curl: { endpoint: ep.name, workspace: ep.workspace, type: 'chat', url, model, command, simple, mcp },
  };
}

/**
 * The workspace's MCP server as an `mcpServers` entry (the shape Claude Code's .mcp.json, Cursor
 * and other clients read; VS Code's mcp.json names the map `servers`). The key is `${GW_KEY}`,
 * which those clients expand from the environment, unless one is given.
 */
export function mcpSnippet(workspace: string, tool: string, base: string, key: string | undefined): McpSnippet {
  const url = `${base}/mcp/${encodeURIComponent(workspace)}`;
  const name = workspace === 'default' ? 'gw' : `gw-${workspace}`;
  const config = {
    mcpServers: {
      [name]: { type: 'http', url, headers: { Authorization: `Bearer ${key ?? '${GW_KEY}'}` } },
    },
  };
  return { url, tool, config };
}

/** POST /api/{workspace}/{endpoint} for a prompt endpoint: `input` with the schema's required fields, else `message`. */
function simpleCommand(
  ep: Extract<CompiledEndpoint, { type: 'chat' }>,
  base: string,
  auth: string,
): CurlCommand['simple'] {
  const schema = ep.schemaJson.input;
  if (ep.prompt.system === undefined && ep.prompt.template === undefined && schema === undefined) return null;
  const url = `${base}/api/${encodeURIComponent(ep.workspace)}/${encodeURIComponent(ep.name)}`;
  let body: Record<string, unknown> = { message: 'Hello!' };
  if (schema !== undefined) {
    const required = Array.isArray(schema['required']) ? schema['required'].filter((k) => typeof k === 'string') : [];
    body = { input: Object.fromEntries(required.map((k) => [k, '...'])) };
  }
  const command = [
    `curl -sS ${shellQuote(url)}`,
    `  -H ${auth}`,
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join(' \\\n');
  return { url, command };
}
