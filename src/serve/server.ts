// The proxy listener. It holds the current RoutingTable in one reference: each request reads
// it once when it arrives and keeps that table to the end, so swap() never changes a request
// mid-flight. close() stops accepting, lets in-flight requests finish (bounded by
// drainTimeoutMs), then closes the upstream pools and the usage log.
//
// The requests in flight, with their deadline and the drain's end, are kept by in-flight.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RoutingTable } from '../compile/routing-table.js';
import { RateLimiter } from '../policy/rate-limits.js';
import { GwError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { UsageRow } from '../telemetry/usage-row.js';
import type { PoolRegistry } from '../upstream/pool.js';
import { CallerLink } from './caller-link.js';
import { createContext, type RequestContext, type ToolCall } from './context.js';
import type { Dialect } from '../wire/dialect.js';
import { createListener, type ListenerLimits } from '../http/listener.js';
import { buildPipeline } from './pipeline.js';
import { Router } from '../http/router.js';
import {
  API_ROUTES,
  DEFAULT_DIALECT,
  MCP_METHODS,
  MCP_PATH,
  MCP_TOOL_ROUTE,
  unroutedDialect,
  type ApiRoute,
} from './routes.js';
import type { McpLimits, ToolRun } from './mcp/bridge.js';
import { LazyMcpBridge } from './mcp/lazy.js';
import { sendJson } from '../http/send.js';
import { toGwError } from './stages/errors.js';
import { HttpSink, MemorySink } from './sink.js';
import { idHeaders, requestId, setIdHeaders } from './request-id.js';
import { InFlight } from './in-flight.js';
import type { BudgetPort, StageDeps, UpstreamPort } from './stage.js';
import { MemoryReservationStore, MemorySessionStore } from '../policy/memory-stores.js';
import type { SpendSubject } from '../policy/stores.js';

/** The part of GatewaySettings the proxy listener reads. */
export interface ServeSettings {
  readonly proxy: ListenerLimits & {
    readonly host: string;
    readonly port: number;
    readonly maxBodyBytes: number;
    readonly maxJsonDepth: number;
    readonly bodyTimeoutMs: number;
    /** Default true: x-gw-provider, x-gw-upstream-model, x-gw-attempts on model answers. */
    readonly answerHeaders?: boolean;
  };
  readonly shutdown: { readonly drainTimeoutMs: number };
}

export interface GatewayOptions {
  readonly settings: ServeSettings;
  /** The first table; without one only /healthz answers 200 (and /readyz 503) until swap(). */
  readonly table?: RoutingTable | undefined;
  readonly usageLog: {
    record(row: UsageRow): void;
    close(): void;
    /** A month's spend (UsageLog.monthSpend); without it and without `budgets`, spend counts as 0. */
    monthSpend?(workspace: string, kind: SpendSubject, subject: string, month?: string): number;
  };
  readonly logger: Logger;
  readonly pools: PoolRegistry;
  readonly upstream: UpstreamPort;
  /** The process's rate-limit counters, kept across reloads; default: in memory, on the system clock. */
  readonly rateLimits?: RateLimiter | undefined;
  /** Budget reservations and spend (runtime.ts makes them once per process); default: in memory, spend from usageLog. */
  readonly budgets?: BudgetPort | undefined;
  /** The endpoints' sessions; default: in memory (MemorySessionStore, bounded). */
  readonly sessions?: StageDeps['sessions'];
  /** Epoch ms now, for the sessions' TTL and the MCP sessions' idle time; default Date.now (tests move time with their own). */
  readonly clock?: (() => number) | undefined;
  /** The MCP bridge's session bounds; default 16 per key, 256 in all, 15 min idle. */
  readonly mcpSessions?: Pick<McpLimits, 'maxSessionsPerKey' | 'maxSessions' | 'idleMs'> | undefined;
}

export interface Gateway {
  /** Binds the proxy listener; resolves with its base URL (http://host:port). */
  listen(): Promise<string>;
  /** Replaces the table for requests that arrive from now on; closes pools nobody uses. */
  swap(table: RoutingTable): void;
  readonly table: RoutingTable | undefined;
  /** Requests being served right now. */
  readonly inFlight: number;
  /** Stops accepting, drains (bounded), closes pools and the usage log. Safe to call twice. */
  close(): Promise<void>;
}

type Target =
  | { readonly kind: 'api'; readonly route: ApiRoute; readonly run: (ctx: RequestContext) => Promise<void> }
  | { readonly kind: 'mcp' }
  | { readonly kind: 'healthz' }
  | { readonly kind: 'readyz' };

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function sendError(res: ServerResponse, dialect: Dialect, err: GwError, extra: Record<string, string> = {}): void {
  const answer = dialect.error(err);
  sendJson(res, answer.status, answer.body, { ...answer.headers, ...extra });
}

function defaultBudgets(usageLog: GatewayOptions['usageLog']): BudgetPort {
  return {
    reservations: new MemoryReservationStore(),
    spent: (ws, kind, subject, month) => usageLog.monthSpend?.(ws, kind, subject, month) ?? 0,
  };
}

function stageDeps(opts: GatewayOptions): StageDeps {
  return {
    logger: opts.logger,
    usageLog: opts.usageLog,
    pools: opts.pools,
    upstream: opts.upstream,
    rateLimits: opts.rateLimits ?? new RateLimiter(),
    budgets: opts.budgets ?? defaultBudgets(opts.usageLog),
    sessions: opts.sessions ?? new MemorySessionStore<Readonly<Record<string, unknown>>>(),
    clock: opts.clock,
    answerHeaders: opts.settings.proxy.answerHeaders,
  };
}

function buildRouter(deps: StageDeps): Router<Target> {
  const router = new Router<Target>();
  router.add('GET', '/healthz', { kind: 'healthz' }).add('GET', '/readyz', { kind: 'readyz' });
  for (const method of MCP_METHODS) router.add(method, MCP_PATH, { kind: 'mcp' });
  for (const routes of API_ROUTES) {
    for (const route of routes) {
      router.add(
        route.method,
        route.path,
        { kind: 'api', route, run: buildPipeline(route.api, deps) },
        { scopable: route.scopable },
      );
    }
  }
  return router;
}

export function createGateway(opts: GatewayOptions): Gateway {
  const { logger, settings } = opts;
  const deps = stageDeps(opts);
  const router = buildRouter(deps);
  const runToolPipeline = buildPipeline('mcp_tool', deps);
  let current: RoutingTable | undefined = opts.table;
  const inFlight = new InFlight(logger, settings.proxy.requestTimeoutMs, settings.shutdown.drainTimeoutMs);
  let closing: Promise<void> | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    const id = requestId(req);
    // gw is an origin server, not a forward proxy: an absolute-form target (GET http://host/…)
    // or asterisk-form (OPTIONS *) never names a route, and never reaches an upstream.
    if (req.url === undefined || req.url[0] !== '/') {
      setIdHeaders(res, id);
      sendError(
        res,
        DEFAULT_DIALECT,
        new GwError('GW_ERR_BAD_REQUEST_TARGET', 'the request target must be a path starting with /'),
      );
      return logBare(req, res, id, t0);
    }
    const m = router.match(req.method ?? 'GET', req.url ?? '/');
    if (m.kind !== 'found') {
      setIdHeaders(res, id);
      return answerUnrouted(req, res, m, id, t0);
    }
    const target = m.value;
    // A pipeline's answer carries the id through its sink; every other answer gets it here.
    if (target.kind !== 'api') setIdHeaders(res, id);
    if (target.kind === 'healthz') return sendJson(res, 200, { status: 'ok' });
    if (target.kind === 'mcp') {
      mcp
        .get()
        .then((bridge) => bridge.handle(req, res, m.params['workspace'] ?? ''))
        .catch((err: unknown) => {
          try {
            // A refused body (over the cap) may still be arriving: close rather than read it as the next request.
            if (!res.headersSent)
              sendError(res, DEFAULT_DIALECT, toGwError(err, logger, id), req.complete ? {} : { connection: 'close' });
            else res.destroy();
          } catch {
            res.destroy(); // the last line of defence must not throw itself
          }
        })
        .finally(() => logBare(req, res, id, t0));
      return;
    }
    const table = current;
    if (target.kind === 'readyz') {
      return table === undefined
        ? sendJson(res, 503, { status: 'not ready', reason: 'no configuration is loaded' })
        : sendJson(res, 200, { status: 'ready', config: table.hash });
    }
    if (table === undefined) {
      setIdHeaders(res, id);
      sendError(res, target.route.dialect, new GwError('GW_ERR_NOT_READY', 'no configuration is loaded yet'));
      return logBare(req, res, id, t0);
    }
    const caller = new CallerLink();
    const { route } = target;
    const ctx = createContext({
      id,
      req,
      sink: new HttpSink(res, idHeaders(id)),
      table,
      route: {
        api: route.api,
        dialect: route.dialect,
        scope: route.scope,
        label: route.label,
        endpointScope: route.endpointParam !== undefined ? m.params[route.endpointParam] : m.endpointScope,
        params: m.params,
        rest: m.rest,
      },
      caller,
      maxBodyBytes: settings.proxy.maxBodyBytes,
      maxJsonDepth: settings.proxy.maxJsonDepth,
      bodyTimeoutMs: settings.proxy.bodyTimeoutMs,
      t0,
    });
    const a = inFlight.track(caller, ctx);
    res.on('close', () => {
      clearTimeout(a.deadline);
      if (!res.writableFinished) caller.abort();
    });
    target.run(ctx).then(
      () => inFlight.done(a),
      (err: unknown) => {
        // The errors stage answers everything; this is the last line of defence, and must not
        // throw itself (a rejection here would be unhandled).
        try {
          const gwErr = toGwError(err, logger, id);
          if (!res.headersSent) {
            setIdHeaders(res, id);
            sendError(res, route.dialect, gwErr);
          } else if (!res.writableEnded) res.destroy();
        } catch {
          res.destroy();
        } finally {
          inFlight.done(a);
        }
      },
    );
  };

  /**
   * An MCP tools/call: the mcp_tool pipeline run without a socket (its answer goes to a
   * MemorySink), on the table in service now. `req` is the HTTP request that carried the call
   * (its key); `signal` aborts when the MCP client cancels or goes away.
   */
  const runTool = async (
    req: IncomingMessage,
    call: ToolCall,
    workspace: string,
    signal: AbortSignal,
  ): Promise<ToolRun> => {
    const id = randomUUID();
    const table = current;
    if (table === undefined) throw new GwError('GW_ERR_NOT_READY', 'no configuration is loaded yet');
    const caller = new CallerLink();
    if (signal.aborted) caller.abort();
    else signal.addEventListener('abort', () => caller.abort(), { once: true });
    const sink = new MemorySink();
    const ctx = createContext({
      id,
      req,
      sink,
      table,
      route: { ...MCP_TOOL_ROUTE, endpointScope: call.endpoint, params: { workspace }, rest: '' },
      caller,
      maxBodyBytes: settings.proxy.maxBodyBytes,
      maxJsonDepth: settings.proxy.maxJsonDepth,
      bodyTimeoutMs: settings.proxy.bodyTimeoutMs,
      t0: performance.now(),
      toolCall: call,
    });
    const a = inFlight.track(caller, ctx);
    try {
      await runToolPipeline(ctx);
    } catch (err) {
      // The errors stage answers everything; this is the last line of defence.
      const gwErr = toGwError(err, logger, id);
      if (!sink.started) sink.json(gwErr.status, JSON.stringify(MCP_TOOL_ROUTE.dialect.error(gwErr, id).body));
    } finally {
      inFlight.done(a);
    }
    return { requestId: id, endpoint: ctx.endpoint, status: sink.status, text: sink.text() };
  };

  const mcp = new LazyMcpBridge({
    logger,
    table: () => current,
    limits: {
      maxBodyBytes: settings.proxy.maxBodyBytes,
      maxJsonDepth: settings.proxy.maxJsonDepth,
      bodyTimeoutMs: settings.proxy.bodyTimeoutMs,
      ...opts.mcpSessions,
    },
    clock: opts.clock,
    runTool,
  });

  const answerUnrouted = (
    req: IncomingMessage,
    res: ServerResponse,
    m: { kind: 'not-found' } | { kind: 'method-not-allowed'; allow: readonly string[] },
    id: string,
    t0: number,
  ): void => {
    const method = req.method ?? 'GET';
    const path = pathOf(req);
    if (m.kind === 'method-not-allowed') {
      const err = new GwError(
        'GW_ERR_METHOD_NOT_ALLOWED',
        `${method} is not allowed on ${path}; use ${m.allow.join(', ')}`,
      );
      sendError(res, unroutedDialect(path), err, { allow: m.allow.join(', ') });
    } else {
      sendError(res, unroutedDialect(path), new GwError('GW_ERR_ROUTE_NOT_FOUND', `no route ${method} ${path}`));
    }
    logBare(req, res, id, t0);
  };

  /** The access line of an answer given outside the pipeline (no key, no usage row). */
  const logBare = (req: IncomingMessage, res: ServerResponse, id: string, t0: number): void => {
    const ms = Math.round((performance.now() - t0) * 100) / 100;
    logger.info({ reqId: id, method: req.method, path: pathOf(req), status: res.statusCode, ms }, 'request');
  };

  const proxy = createListener('proxy', handle, settings.proxy);
  // The admin listener has its own lifecycle (admin/runtime.ts); this gateway closes only the proxy.
  const listeners = [proxy];

  return {
    listen(): Promise<string> {
      return proxy.listen(settings.proxy.host, settings.proxy.port);
    },
    swap(table: RoutingTable): void {
      const changed = current !== undefined && current.hash !== table.hash;
      current = table;
      opts.pools.sync(table);
      if (changed) mcp.tableChanged();
    },
    get table() {
      return current;
    },
    get inFlight() {
      return inFlight.count;
    },
    close(): Promise<void> {
      closing ??= (async () => {
        for (const l of listeners) l.stopAccepting();
        await inFlight.drain();
        await mcp.close();
        await Promise.all(listeners.map((l) => l.closeAll()));
        await opts.pools.close();
        opts.usageLog.close();
      })();
      return closing;
    },
  };
}
