// Per-request state that the pipeline stages share. What the request started with (id, table,
// route) is fixed at creation; what the stages learn (key, endpoint, outcome) is filled in as
// the request moves through them, so the usage row and the access line can be written from one
// place whatever stage failed.
import type { IncomingMessage } from 'node:http';
import type {
  CompiledChatEndpoint,
  CompiledKey,
  CompiledProvider,
  CompiledProxyEndpoint,
  CompiledWorkspace,
  RoutingTable,
  Scope,
} from '../compile/routing-table.js';
import { now } from '../util/clock.js';
import type { CallerSignal } from '../util/pause.js';
import type { Attempt } from '../upstream/execute.js';
import type { CallerLink } from './caller-link.js';
import type { Dialect, NativeRequest, WireDialect } from '../wire/dialect.js';
import type { AnswerSink } from './sink.js';

/** Which operation a route performs: it picks the route's pipeline (pipelines.ts); stages never branch on it. */
export type Api =
  | 'chat'
  | 'embeddings'
  | 'models'
  | 'count_tokens'
  | 'simple'
  | 'simple_endpoints'
  | 'proxy'
  | 'mcp_tool'
  | 'responses_get';

/** An MCP tools/call (serve/mcp/): the endpoint the tool stands for and the arguments as sent. */
export interface ToolCall {
  readonly endpoint: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** An answer passed on as bytes (the transparent proxy): status, headers and body as they came. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: AsyncIterable<Uint8Array>;
}

/** A transparent-proxy request (the proxy surface): what it reaches and what it moved. */
export interface ProxyRequest {
  readonly endpoint: CompiledProxyEndpoint;
  /** The path below the endpoint's baseUrl ('' or '/…'), checked; the usage row's path. */
  readonly path: string;
  /** '' or '?…', passed on as sent; never logged. */
  readonly query: string;
  /** Bytes of the caller's body passed upstream, and of the answer's body passed back. */
  bytesIn: number;
  bytesOut: number;
}

/** What the router found for a request. */
export interface RouteMatch {
  readonly api: Api;
  readonly dialect: Dialect;
  /** Scope the key needs for this route. */
  readonly scope: Scope;
  /** Usage-row label: 'openai.chat', 'openai.models', ... */
  readonly label: string;
  /** Set on /endpoints/{name}/...: names resolve inside this endpoint only. */
  readonly endpointScope: string | undefined;
  /** The `{name}` segments of a pattern route (/proxy/{provider}/{endpoint}/*), decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** What the route's trailing `*` matched, as sent (no query); '' otherwise. */
  readonly rest: string;
}

/** What the upstream stage produced, and what the respond stage sends. */
export interface Outcome {
  readonly provider: CompiledProvider | undefined;
  readonly upstreamModel: string | undefined;
  readonly attempts: readonly Attempt[];
  readonly ttfbMs: number | undefined;
  /** The shape of json / stream; absent means 'openai' (the hub). */
  readonly dialect?: WireDialect;
  /** Replace it to change the answer, never edit it in place: respond may send the upstream's own bytes of an unchanged object (rawAnswer). */
  json?: Record<string, unknown>;
  stream?: AsyncIterable<Record<string, unknown>>;
  /** Bytes passed on untouched, never parsed (set instead of json and stream). */
  raw?: RawAnswer;
  readonly usage: () => { promptTokens: number; completionTokens: number } | undefined;
}

/** What the budget stage holds for a request, given back once its usage row is recorded. */
export interface BudgetHold {
  /** Reservation keys (policy/budgets.ts budgetKey) of the key's and the endpoint's budget, when set. */
  readonly key: string | undefined;
  readonly endpoint: string | undefined;
  readonly usd: number;
}

/** A request's session (serve/stages/session.ts): what is stored once the answer went out. */
export interface SessionState {
  /** The id the caller uses. */
  readonly id: string;
  /** The id in the store: workspace, endpoint, key name and id (another key finds nothing). */
  readonly storeId: string;
  /** History and the new turn as sent (hub shape, no system prompt), trimmed. */
  readonly messages: readonly Readonly<Record<string, unknown>>[];
  readonly ttlMs: number;
}

export interface RequestContext {
  readonly id: string;
  /** performance.now() at arrival; every duration in the row is relative to it. */
  readonly t0: number;
  /** Epoch ms at arrival (util/clock.ts: the policies' clock): the usage row's time and the budget month. */
  readonly ts: number;
  readonly req: IncomingMessage;
  /** Where the answer goes; stages never write to a socket themselves. */
  readonly sink: AnswerSink;
  /** The table this request runs on, captured once: a reload never changes it mid-request. */
  readonly table: RoutingTable;
  readonly route: RouteMatch;
  /** Aborted when the caller goes away before the answer is complete; cheap to read and pass upstream. */
  readonly caller: CallerSignal;
  /** The same as an AbortSignal, made on first use (for fetch, undici and the like). */
  readonly signal: AbortSignal;
  readonly maxBodyBytes: number;
  /** proxy.maxJsonDepth */
  readonly maxJsonDepth: number;
  /** proxy.bodyTimeout in ms */
  readonly bodyTimeoutMs: number;

  /**
   * The request in the hub (OpenAI) shape. The transform stage replaces it (never edits it) with
   * the endpoint's params and prompt applied: from then on it is the body sent upstream.
   */
  body: Record<string, unknown> | undefined;
  key: CompiledKey | undefined;
  workspace: CompiledWorkspace | undefined;
  endpoint: CompiledChatEndpoint | undefined;
  /** The `model` field as the caller sent it. */
  modelAsked: string | undefined;
  /** The exposed model name after resolving endpoint names to their default model. */
  model: string | undefined;
  stream: boolean;
  /** The caller's body in its own dialect, for targets that speak it (set by the dialect; shaped by transform as body is). */
  native: NativeRequest | undefined;
  outcome: Outcome | undefined;
  /** Every upstream attempt, also when they all failed (from the error's details). */
  attempts: readonly Attempt[];
  /** JSON answer for routes that never go upstream (GET /v1/models). */
  local: Record<string, unknown> | undefined;

  // Filled when the answer is written.
  status: number;
  errorCode: string | undefined;
  /** ms from t0 until the first byte of the answer left. */
  ttfbMs: number | undefined;
  /** Characters of streamed content; used to estimate tokens when the upstream sent no usage. */
  streamedChars: number;
  /** Size of the request body as received (0 before the body stage). */
  bodyBytes: number;
  /** The input token estimate of the caller's request (serve/input-tokens.ts), once a stage asked for it. */
  inputTokens: number | undefined;
  /** The budget reservation in force; the usage stage releases it after recording the row. */
  budgetHold: BudgetHold | undefined;
  /** Guardrail decisions ('name/rule:action') for the usage row; made by the guardrail stages of an endpoint that has guardrails. */
  guardrailHits: Set<string> | undefined;

  /** The simple API's `input` object (checked by schema.input, rendered into prompt.template). */
  input: Record<string, unknown> | undefined;
  /** The session id the caller sent (x-gw-session-id, or the simple API's session_id). */
  sessionAsked: string | undefined;
  /** The session this request belongs to (asked or started), once the session stage ran. */
  session: SessionState | undefined;
  /** Set on the proxy surface once its endpoint is known (instead of endpoint, which is a chat one). */
  proxy: ProxyRequest | undefined;
  /** The MCP tool call this request runs (the mcp_tool surface, which has no body to read); else undefined. */
  readonly toolCall: ToolCall | undefined;
}

export interface ContextInit {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly sink: AnswerSink;
  readonly table: RoutingTable;
  readonly route: RouteMatch;
  readonly caller: CallerLink;
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
  readonly bodyTimeoutMs: number;
  readonly t0: number;
  readonly toolCall?: ToolCall | undefined;
}

/**
 * A class with every field set in the constructor, in one order: V8 then gives every context
 * one stable shape. (An object spread followed by more fields takes a slow path on Node 20: bench/README.md, Hot-path rules of thumb.)
 */
class Context implements RequestContext {
  readonly id: string;
  readonly t0: number;
  readonly ts: number;
  readonly req: IncomingMessage;
  readonly sink: AnswerSink;
  readonly table: RoutingTable;
  readonly route: RouteMatch;
  readonly caller: CallerLink;
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
  readonly bodyTimeoutMs: number;
  body: Record<string, unknown> | undefined = undefined;
  key: CompiledKey | undefined = undefined;
  workspace: CompiledWorkspace | undefined = undefined;
  endpoint: CompiledChatEndpoint | undefined = undefined;
  modelAsked: string | undefined = undefined;
  model: string | undefined = undefined;
  stream = false;
  native: NativeRequest | undefined = undefined;
  outcome: Outcome | undefined = undefined;
  attempts: readonly Attempt[] = [];
  local: Record<string, unknown> | undefined = undefined;
  status = 0;
  errorCode: string | undefined = undefined;
  ttfbMs: number | undefined = undefined;
  streamedChars = 0;
  bodyBytes = 0;
  inputTokens: number | undefined = undefined;
  budgetHold: BudgetHold | undefined = undefined;
  guardrailHits: Set<string> | undefined = undefined;

  input: Record<string, unknown> | undefined = undefined;
  sessionAsked: string | undefined = undefined;
  session: SessionState | undefined = undefined;
  proxy: ProxyRequest | undefined = undefined;
  readonly toolCall: ToolCall | undefined;

  constructor(init: ContextInit) {
    this.id = init.id;
    this.t0 = init.t0;
    this.ts = now();
    this.req = init.req;
    this.sink = init.sink;
    this.table = init.table;
    this.route = init.route;
    this.caller = init.caller;
    this.maxBodyBytes = init.maxBodyBytes;
    this.maxJsonDepth = init.maxJsonDepth;
    this.bodyTimeoutMs = init.bodyTimeoutMs;
    this.toolCall = init.toolCall;
  }

  get signal(): AbortSignal {
    return this.caller.signal;
  }
}

export function createContext(init: ContextInit): RequestContext {
  return new Context(init);
}
