// The requests with a pipeline running, for the two ends that are gw's own doing: each request's
// total deadline (proxy.requestTimeout → 504 GW_ERR_REQUEST_DEADLINE) and the end of the drain at
// shutdown (503 GW_ERR_SHUTTING_DOWN). Both go through the request's CallerLink, so the upstream
// request is aborted too, with the GwError as the reason.
import { GwError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { CallerLink } from './caller-link.js';
import type { RequestContext } from './context.js';

/** A request with a pipeline running: what gw needs to end it on its own. */
export interface Active {
  readonly caller: CallerLink;
  readonly ctx: RequestContext;
  deadline: NodeJS.Timeout | undefined;
}

/** How long drain() waits, after ending the requests left at the drain's end, for their answers and usage rows. */
const SHUTDOWN_GRACE_MS = 1000;

/** Seconds with one decimal, for messages. */
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export class InFlight {
  readonly #active = new Set<Active>();
  readonly #logger: Logger;
  readonly #requestTimeoutMs: number;
  readonly #drainTimeoutMs: number;
  #onIdle: (() => void) | undefined;

  constructor(logger: Logger, requestTimeoutMs: number, drainTimeoutMs: number) {
    this.#logger = logger;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#drainTimeoutMs = drainTimeoutMs;
  }

  /** Requests being served right now. */
  get count(): number {
    return this.#active.size;
  }

  /** A pipeline starts: counted in flight (the drain waits for it) and ended at proxy.requestTimeout. */
  track(caller: CallerLink, ctx: RequestContext): Active {
    const ms = this.#requestTimeoutMs;
    const a: Active = { caller, ctx, deadline: undefined };
    a.deadline = setTimeout(() => {
      this.end(
        a,
        new GwError('GW_ERR_REQUEST_DEADLINE', `the request took longer than proxy.requestTimeout (${seconds(ms)}s)`, {
          requestTimeoutMs: ms,
        }),
      );
    }, ms);
    this.#active.add(a);
    return a;
  }

  /** The pipeline of `a` is over. */
  done(a: Active): void {
    clearTimeout(a.deadline);
    this.#active.delete(a);
    if (this.#active.size === 0) this.#onIdle?.();
  }

  /**
   * gw ends a request itself. Before the answer started, `err` is the answer (and the socket
   * closes after it: a body may still be arriving); after, the stream writer sends the
   * dialect's error event once the CallerLink aborts (sse.ts). Either way the upstream request
   * is aborted and the usage row records `err` (usage.ts).
   */
  end(a: Active, err: GwError): void {
    const { ctx, caller } = a;
    if (caller.aborted || ctx.sink.ended) return;
    if (!ctx.sink.started) {
      ctx.status = err.status;
      ctx.errorCode = err.code;
      const answer = ctx.route.dialect.error(err, ctx.id);
      ctx.sink.json(answer.status, JSON.stringify(answer.body), { ...answer.headers, connection: 'close' });
    }
    this.#logger.warn({ reqId: ctx.id, code: err.code }, err.message);
    caller.abort(err);
  }

  /**
   * Waits up to shutdown.drainTimeout for the requests in flight; then ends those left (each
   * caller is told, each row records 503 GW_ERR_SHUTTING_DOWN) and waits a little more.
   */
  async drain(): Promise<void> {
    if (await this.#idle(this.#drainTimeoutMs)) return;
    this.#logger.warn({ inFlight: this.count }, 'drain timeout reached; ending the remaining requests');
    const s = seconds(this.#drainTimeoutMs);
    for (const a of [...this.#active]) {
      this.end(
        a,
        new GwError('GW_ERR_SHUTTING_DOWN', `the gateway is shutting down and its drain time (${s}s) is over`),
      );
    }
    await this.#idle(SHUTDOWN_GRACE_MS);
  }

  /** Resolves when no request is in flight, or after ms (true: idle). */
  #idle(ms: number): Promise<boolean> {
    if (this.#active.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#onIdle = undefined;
        resolve(false);
      }, ms);
      this.#onIdle = () => {
        this.#onIdle = undefined;
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
