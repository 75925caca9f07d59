// Per-request state that the pipeline stages share. What the request started with (id, table,
// route) is fixed at creation; what the stages learn (key, endpoint, outcome) is filled in as
// the request moves through them, so the usage row and the access line can be written from one
// place whatever stage failed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  CompiledChatEndpoint,
  CompiledKey,
  CompiledProvider,
  CompiledWorkspace,
  RoutingTable,
  Scope,
} from '../compile/routing-table.js';
import type { Attempt } from '../upstream/execute.js';
import type { Dialect, NativeRequest, WireDialect } from './dialects/types.js';

/** Which operation a route performs; the stages branch on this, never on the URL. */
export type Api = 'chat' | 'embeddings' | 'models' | 'count_tokens';

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
}

/** What the upstream stage produced, and what the respond stage sends. */
export interface Outcome {
  readonly provider: CompiledProvider | undefined;
  readonly upstreamModel: string | undefined;
  readonly attempts: readonly Attempt[];
  readonly ttfbMs: number | undefined;
  /** The shape of json / stream; absent means 'openai' (the hub). */
  readonly dialect?: WireDialect;
  json?: Record<string, unknown>;
  stream?: AsyncIterable<Record<string, unknown>>;
  readonly usage: () => { promptTokens: number; completionTokens: number } | undefined;
}

export interface RequestContext {
  readonly id: string;
  /** performance.now() at arrival; every duration in the row is relative to it. */
  readonly t0: number;
  /** Epoch ms at arrival. */
  readonly ts: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The table this request runs on, captured once: a reload never changes it mid-request. */
  readonly table: RoutingTable;
  readonly route: RouteMatch;
  /** Aborted when the caller goes away before the answer is complete. */
  readonly signal: AbortSignal;
  readonly maxBodyBytes: number;

  body: Record<string, unknown> | undefined;
  key: CompiledKey | undefined;
  workspace: CompiledWorkspace | undefined;
  endpoint: CompiledChatEndpoint | undefined;
  /** The `model` field as the caller sent it. */
  modelAsked: string | undefined;
  /** The exposed model name after resolving endpoint names to their default model. */
  model: string | undefined;
  stream: boolean;
  /** The body sent upstream, after params, prompt and template were applied. */
  upstreamBody: Record<string, unknown> | undefined;
  /** The caller's body in its own dialect, for targets that speak it (set by the dialect). */
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
}

export interface ContextInit {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly table: RoutingTable;
  readonly route: RouteMatch;
  readonly signal: AbortSignal;
  readonly maxBodyBytes: number;
  readonly t0: number;
}

/**
 * Every field written out in one literal, in a fixed order: V8 then builds the object with one
 * stable shape. A spread of `init` followed by more fields took a slow path (~50 µs per call).
 */
export function createContext(init: ContextInit): RequestContext {
  return {
    id: init.id,
    t0: init.t0,
    ts: Date.now(),
    req: init.req,
    res: init.res,
    table: init.table,
    route: init.route,
    signal: init.signal,
    maxBodyBytes: init.maxBodyBytes,
    body: undefined,
    key: undefined,
    workspace: undefined,
    endpoint: undefined,
    modelAsked: undefined,
    model: undefined,
    stream: false,
    upstreamBody: undefined,
    native: undefined,
    outcome: undefined,
    attempts: [],
    local: undefined,
    status: 0,
    errorCode: undefined,
    ttfbMs: undefined,
    streamedChars: 0,
  };
}
