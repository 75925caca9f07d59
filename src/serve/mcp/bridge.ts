// The MCP bridge: /mcp/{workspace} on the proxy listener, the Streamable HTTP transport of the
// official MCP SDK, one SDK Server and transport per session. gw's part is around the SDK:
//   - every HTTP request carries a caller key (401 without a valid one); a session is opened only
//     for a key with the `mcp` scope in that workspace, and stays bound to that key;
//   - tools/list is computed from the table in service at the time, for the key as it is now
//     (tools.ts), so a reload changes it, and each reload sends notifications/tools/list_changed
//     to the open sessions;
//   - tools/call runs the endpoint's mcp_tool pipeline (runTool, from server.ts), and its
//     answer, a refusal included, becomes the tool result;
//   - what a caller sends is bounded: the body (proxy.maxBodyBytes, maxJsonDepth, bodyTimeout),
//     the open sessions (per key and in all), and their idle time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { CompiledChatEndpoint, RoutingTable } from '../../compile/routing-table.js';
import { GwError, isGwError } from '../../errors.js';
import { readBody, parseJsonObject } from '../../http/body.js';
import { sendJson } from '../../http/send.js';
import { keyAccess } from '../../policy/access.js';
import type { Logger } from '../../telemetry/logger.js';
import type { ToolCall } from '../context.js';
import { DEFAULT_DIALECT } from '../routes.js';
import { callerKey } from '../stages/auth.js';
import { listTools, toolResult, type ToolResult } from './tools.js';

/** What server.ts hands back for one tool call run through the mcp_tool pipeline. */
export interface ToolRun {
  readonly requestId: string;
  readonly endpoint: CompiledChatEndpoint | undefined;
  readonly status: number;
  readonly text: string;
}

export interface McpLimits {
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
  readonly bodyTimeoutMs: number;
  /** Open sessions of one key (default 16). */
  readonly maxSessionsPerKey?: number;
  /** Open sessions in all (default 256). */
  readonly maxSessions?: number;
  /** A session with no request for this long is closed (default 15 minutes). */
  readonly idleMs?: number;
}

export interface McpBridgeOptions {
  readonly logger: Logger;
  readonly table: () => RoutingTable | undefined;
  readonly limits: McpLimits;
  /** Epoch ms now (idle times); default Date.now. */
  readonly clock?: (() => number) | undefined;
  /** Runs one tool call's pipeline to its end (deadline and drain included) and gives its answer. */
  readonly runTool: (req: IncomingMessage, call: ToolCall, workspace: string, signal: AbortSignal) => Promise<ToolRun>;
}

interface Session {
  readonly id: string;
  readonly keyHash: string;
  readonly workspace: string;
  readonly server: Server;
  readonly transport: StreamableHTTPServerTransport;
  lastSeen: number;
}

const NOT_VALID = 'the API key is not valid';
/** gw's version, for the server info of initialize (the same path from src/ and dist/). */
const VERSION = String((createRequire(import.meta.url)('../../../package.json') as { version?: unknown }).version);
const SESSION_HEADER = 'mcp-session-id';
/** The largest body without a session (an initialize: a client's name, version and capabilities). */
const MAX_INITIALIZE_BYTES = 64 * 1024;

export class McpBridge {
  readonly #o: McpBridgeOptions;
  readonly #sessions = new Map<string, Session>();
  /** Sessions being initialized (no id yet): counted against the bounds too. */
  readonly #opening = new Map<string, number>();
  /** The HTTP exchange behind a message, found by the AuthInfo the transport passes to the handlers. */
  readonly #requests = new WeakMap<AuthInfo, { readonly req: IncomingMessage; readonly res: ServerResponse }>();
  readonly #sweep: NodeJS.Timeout;
  readonly #maxPerKey: number;
  readonly #max: number;
  readonly #idleMs: number;
  readonly #now: () => number;
  #closed = false;

  constructor(o: McpBridgeOptions) {
    this.#o = o;
    this.#maxPerKey = o.limits.maxSessionsPerKey ?? 16;
    this.#max = o.limits.maxSessions ?? 256;
    this.#idleMs = o.limits.idleMs ?? 15 * 60_000; // 15 min
    this.#now = o.clock ?? Date.now;
    this.#sweep = setInterval(() => this.#expire(), Math.min(60_000, Math.max(10, this.#idleMs / 4)));
    this.#sweep.unref();
  }

  /** Open sessions (for tests and the status page). */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** One HTTP request to /mcp/{workspace}. Never rejects: every failure is answered. */
  async handle(req: IncomingMessage, res: ServerResponse, workspace: string): Promise<void> {
    try {
      await this.#handle(req, res, workspace);
    } catch (err) {
      const gwErr = isGwError(err) ? err : new GwError('GW_ERR_INTERNAL', 'internal error in the MCP bridge');
      if (!isGwError(err)) this.#o.logger.error({ err }, 'MCP bridge request failed');
      if (!res.headersSent) this.#refuse(res, gwErr, req.complete);
      else if (!res.writableEnded) res.destroy();
    }
  }

  /** A new table is in service: open sessions are told their tool list may have changed. */
  tableChanged(): void {
    for (const s of this.#sessions.values()) {
      s.server.sendToolListChanged().catch((err: unknown) => {
        this.#o.logger.debug({ err, session: s.id }, 'MCP list_changed not sent');
      });
    }
  }

  /** Closes every session (at shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    await Promise.all([...this.#sessions.values()].map((s) => this.#drop(s)));
  }

  async #handle(req: IncomingMessage, res: ServerResponse, workspace: string): Promise<void> {
    const table = this.#o.table();
    if (table === undefined || this.#closed) {
      throw new GwError('GW_ERR_NOT_READY', 'no configuration is loaded yet');
    }
    const secret = callerKey(req.headers);
    if (secret === undefined) {
      throw new GwError('GW_ERR_AUTH_MISSING_KEY', 'no API key: send Authorization: Bearer <key> or x-api-key: <key>');
    }
    const keyHash = hash('sha256', secret, 'hex');
    const access = keyAccess(table, keyHash, 'mcp', Date.now());
    const sessionId = header(req, SESSION_HEADER);
    if (!access.ok) {
      // 401 whatever the session; the scope is needed to open a session, and each tool call
      // checks it again (a reload may take it away from an open session: a tool error then).
      if (access.error.status === 401 || sessionId === undefined) {
        throw access.error.status === 401 ? new GwError(access.error.code, NOT_VALID) : access.error;
      }
    }
    const key = access.key;
    if (key === undefined) throw new GwError('GW_ERR_AUTH_INVALID_KEY', NOT_VALID);
    // Another workspace's server is not this key's to know of.
    if (key.workspace !== workspace) {
      throw new GwError('GW_ERR_ROUTE_NOT_FOUND', `no MCP server for this key at /mcp/${workspace.slice(0, 64)}`);
    }
    const authInfo: AuthInfo = { token: keyHash, clientId: key.name, scopes: [...key.scopes] };
    this.#requests.set(authInfo, { req, res });
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    // Without a session, the only message is an initialize, which the session keeps for its life
    // (the client's capabilities and info): a small one.
    const max = sessionId === undefined ? MAX_INITIALIZE_BYTES : this.#o.limits.maxBodyBytes;
    const parsed = req.method === 'POST' ? await this.#readJson(req, max) : undefined;

    if (sessionId !== undefined) {
      const s = this.#sessions.get(sessionId);
      if (s === undefined || s.keyHash !== keyHash || s.workspace !== workspace) {
        throw new GwError(
          'GW_ERR_MCP_SESSION_NOT_FOUND',
          "the MCP session is unknown, expired or not this key's: initialize a new one (without Mcp-Session-Id)",
        );
      }
      s.lastSeen = this.#now();
      await s.transport.handleRequest(req, res, parsed);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(parsed)) {
      throw new GwError(
        'GW_ERR_BAD_REQUEST',
        'no Mcp-Session-Id: start with an initialize request (POST), then send the session id it gives',
      );
    }
    const transport = await this.#open(keyHash, workspace);
    try {
      await transport.handleRequest(req, res, parsed);
    } finally {
      // An initialize that failed made no session: nothing will use this transport again.
      if (transport.sessionId === undefined) await transport.close();
    }
  }

  async #readJson(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
    const { bodyTimeoutMs, maxJsonDepth } = this.#o.limits;
    const buf = await readBody(req, Math.min(max, this.#o.limits.maxBodyBytes), {
      idleMs: bodyTimeoutMs,
      maxJsonDepth,
    });
    return parseJsonObject(buf, Infinity);
  }

  /** A new session for the key, within the bounds (the transport gives it its id on initialize). */
  async #open(keyHash: string, workspace: string): Promise<StreamableHTTPServerTransport> {
    this.#expire();
    let ofKey = this.#opening.get(keyHash) ?? 0;
    for (const s of this.#sessions.values()) if (s.keyHash === keyHash) ofKey++;
    let opening = 0;
    for (const n of this.#opening.values()) opening += n;
    if (ofKey >= this.#maxPerKey || this.#sessions.size + opening >= this.#max) {
      const which = ofKey >= this.#maxPerKey ? `${this.#maxPerKey} for one key` : `${this.#max} in all`;
      throw new GwError(
        'GW_ERR_MCP_SESSIONS_FULL',
        `too many open MCP sessions (${which}): end one (DELETE with its Mcp-Session-Id) or let an idle one expire`,
      );
    }
    this.#opening.set(keyHash, (this.#opening.get(keyHash) ?? 0) + 1);
    const server = new Server(
      { name: 'gw', version: VERSION },
      {
        capabilities: { tools: { listChanged: true } },
        instructions: `The tools of the gw workspace '${workspace}': each one is a gateway endpoint.`,
      },
    );
    let settled = false;
    const unopen = (): void => {
      if (settled) return;
      settled = true;
      const n = (this.#opening.get(keyHash) ?? 1) - 1;
      if (n <= 0) this.#opening.delete(keyHash);
      else this.#opening.set(keyHash, n);
    };
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        unopen();
        this.#sessions.set(id, session(id));
      },
      onsessionclosed: (id) => {
        const s = this.#sessions.get(id);
        if (s !== undefined) void this.#drop(s);
      },
    });
    const session = (id: string): Session => ({ id, keyHash, workspace, server, transport, lastSeen: this.#now() });
    transport.onclose = () => {
      unopen();
      const id = transport.sessionId;
      if (id !== undefined && this.#sessions.get(id)?.transport === transport) this.#sessions.delete(id);
    };
    server.setRequestHandler(ListToolsRequestSchema, () => {
      const t = this.#o.table();
      const k = t?.keys.get(keyHash);
      return { tools: k === undefined || t === undefined ? [] : listTools(k, t.workspaces.get(workspace)) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<ToolResult> => {
      const http = extra.authInfo === undefined ? undefined : this.#requests.get(extra.authInfo);
      if (http === undefined) throw new GwError('GW_ERR_INTERNAL', 'a tool call without its HTTP request');
      const call: ToolCall = { endpoint: request.params.name, arguments: request.params.arguments ?? {} };
      // The call ends when the client cancels it or ends the session (extra.signal), and when the
      // connection that carries it goes away before the answer.
      const gone = new AbortController();
      const onClose = (): void => {
        if (!http.res.writableFinished) gone.abort();
      };
      http.res.once('close', onClose);
      try {
        const run = await this.#o.runTool(http.req, call, workspace, AbortSignal.any([extra.signal, gone.signal]));
        return toolResult(run.requestId, run.endpoint, run.status, run.text);
      } finally {
        http.res.off('close', onClose);
      }
    });
    await server.connect(transport);
    return transport;
  }

  #expire(): void {
    const before = this.#now() - this.#idleMs;
    for (const s of this.#sessions.values()) if (s.lastSeen < before) void this.#drop(s);
  }

  async #drop(s: Session): Promise<void> {
    if (this.#sessions.get(s.id) === s) this.#sessions.delete(s.id);
    try {
      await s.server.close();
    } catch (err) {
      this.#o.logger.debug({ err, session: s.id }, 'MCP session close failed');
    }
  }

  #refuse(res: ServerResponse, err: GwError, complete: boolean): void {
    const answer = DEFAULT_DIALECT.error(err);
    const headers: Record<string, string> = { ...answer.headers };
    if (err.status === 401) headers['www-authenticate'] = 'Bearer';
    // A body left unread is not worth draining.
    if (!complete) headers['connection'] = 'close';
    sendJson(res, answer.status, answer.body, headers);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}
