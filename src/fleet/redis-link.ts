// The one Redis connection of a gateway with `limits.backend: redis` (README: Fleet (Redis)),
// shared by the stores in redis-stores.ts. Every call is bounded (ioredis commandTimeout), and
// nothing queues while Redis is unreachable (enableOfflineQueue off): a call then fails at once,
// so the request path never waits on a dead Redis. What a failure means for a request is the
// gateway's failMode: open admits it, closed refuses it with GW_ERR_LIMITS_UNAVAILABLE. The
// client reconnects on its own; the first answer after an outage clears the down state.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { GwError } from '../errors.js';

/** What the link reports: log lines and the backend metrics. */
export interface LinkEvents {
  /** The backend answers again (true) or stopped answering (false); called on changes only. */
  onUp?(up: boolean): void;
  /** One call failed or timed out; `op` is a small fixed set (take, settle, reserve, ...). */
  onFailure?(op: string, err: unknown): void;
}

export interface RedisLinkOptions extends LinkEvents {
  /** redis:// or rediss:// (TLS), user and password inside. Never logged. */
  readonly url: string;
  readonly keyPrefix: string;
  readonly timeoutMs: number;
  readonly failMode: 'open' | 'closed';
}

/** A Lua script, sent by hash (EVALSHA) and by text once when Redis does not know it (after a restart). */
export class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/** The longest wait between reconnect attempts: recovery is noticed within about this long. */
const MAX_RECONNECT_MS = 500;

export class RedisLink {
  readonly client: Redis;
  readonly prefix: string;
  readonly failMode: 'open' | 'closed';
  readonly #events: LinkEvents;
  #up: boolean | undefined;

  constructor(o: RedisLinkOptions) {
    this.prefix = o.keyPrefix;
    this.failMode = o.failMode;
    this.#events = o;
    this.client = new Redis(o.url, {
      lazyConnect: true,
      commandTimeout: o.timeoutMs,
      connectTimeout: Math.max(1000, o.timeoutMs * 4),
      enableOfflineQueue: false,
      // Commands issued in the same tick (many requests in flight) go out in one write.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(50 * times, MAX_RECONNECT_MS),
    });
    this.client.on('ready', () => this.#set(true));
    this.client.on('close', () => this.#set(false));
    // Connection errors are reported through close and the failed calls; the listener keeps
    // ioredis from printing them.
    this.client.on('error', () => undefined);
  }

  /** Connects, waiting at most `waitMs`; false when Redis did not answer by then (it keeps trying). */
  async connect(waitMs: number): Promise<boolean> {
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.client.connect().catch(() => undefined);
    const ok = await ready;
    if (!ok) this.#set(false);
    return ok;
  }

  /** The backend answered the last call (undefined: not known yet). */
  get up(): boolean | undefined {
    return this.#up;
  }

  /** Runs a script (by hash, by text when Redis lost it). */
  async eval(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.client.eval(s.source, keys.length, ...keys, ...args);
    }
  }

  /** Records that a call answered. */
  ok(): void {
    if (this.#up !== true) this.#set(true);
  }

  /**
   * Records a failed call and applies the fail mode: closed throws GW_ERR_LIMITS_UNAVAILABLE
   * (503 in the caller's dialect), open returns so the caller admits.
   */
  failed(op: string, err: unknown): void {
    this.#events.onFailure?.(op, err);
    if (this.failMode === 'closed') {
      throw new GwError(
        'GW_ERR_LIMITS_UNAVAILABLE',
        'limits cannot be checked right now (the shared limits backend does not answer); retry shortly',
        { retryAfterSec: 1 },
      );
    }
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  #set(up: boolean): void {
    if (this.#up === up) return;
    this.#up = up;
    this.#events.onUp?.(up);
  }
}
