// One keep-alive undici Pool per upstream origin and TLS settings. A reload syncs the set
// against the new table: pools nobody references any more close after their in-flight
// requests finish (pool.close() drains; pool.destroy() would cut them).
import type { Dispatcher, Pool as PoolInstance } from 'undici';
import { Pool } from './undici-pool.js';
import type { RoutingTable, TlsSettings } from '../compile/routing-table.js';

export interface PoolTarget {
  readonly origin: string;
  readonly tls: TlsSettings;
}

export interface PoolOptions {
  /** Idle keep-alive sockets are closed after this long. Default 30 s. */
  readonly keepAliveTimeoutMs?: number;
  /** Default 10 s; the executor's own per-attempt timer still applies on top. */
  readonly connectTimeoutMs?: number;
}

const keyCache = new WeakMap<object, string>();

function keyOf(t: PoolTarget): string {
  let key = keyCache.get(t);
  if (key === undefined) {
    key = `${t.origin}\n${t.tls.rejectUnauthorized ? 1 : 0}\n${t.tls.ca ?? ''}\n${t.tls.cert ?? ''}\n${t.tls.key ?? ''}`;
    keyCache.set(t, key);
  }
  return key;
}

export class PoolRegistry {
  readonly #pools = new Map<string, PoolInstance>();
  readonly #opts: Required<PoolOptions>;
  #closed = false;

  constructor(opts: PoolOptions = {}) {
    this.#opts = {
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 30_000, // 30s
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, // 10s
    };
  }

  get(target: PoolTarget): Dispatcher {
    const key = keyOf(target);
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      if (this.#closed) throw new Error('PoolRegistry is closed');
      const connect: Record<string, unknown> = {
        rejectUnauthorized: target.tls.rejectUnauthorized,
        timeout: this.#opts.connectTimeoutMs,
      };
      if (target.tls.ca !== undefined) connect.ca = target.tls.ca;
      // A client certificate (mutual TLS); the schema requires cert and key together.
      if (target.tls.cert !== undefined && target.tls.key !== undefined) {
        connect.cert = target.tls.cert;
        connect.key = target.tls.key;
      }
      pool = new Pool(target.origin, {
        connect,
        keepAliveTimeout: this.#opts.keepAliveTimeoutMs,
        keepAliveMaxTimeout: Math.max(this.#opts.keepAliveTimeoutMs, 600_000),
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Number of open pools (for status and tests). */
  get size(): number {
    return this.#pools.size;
  }

  /** Closes, after draining, every pool no provider or proxy endpoint of the table uses. */
  sync(table: RoutingTable): void {
    const used = new Set<string>();
    for (const p of table.providers.values()) if (p.origin !== '') used.add(keyOf(p));
    for (const ws of table.workspaces.values()) {
      for (const ep of ws.endpoints.values()) if (ep.type === 'proxy') used.add(keyOf(ep));
    }
    for (const [key, pool] of this.#pools) {
      if (used.has(key)) continue;
      this.#pools.delete(key);
      pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }
}
