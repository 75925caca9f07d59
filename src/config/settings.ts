// Gateway settings (kind: Gateway) with schema defaults applied and paths made absolute.
import { dirname, resolve } from 'node:path';
import { withDefaults } from '../compile/defaults.js';
import { parseDuration } from '../util/duration.js';
import type { Gateway } from '../manifest/types.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface GatewaySettings {
  /** Absolute path of the gateway.yaml the settings came from; undefined for built-in defaults. */
  readonly configPath: string | undefined;
  readonly proxy: ProxySettings;
  readonly admin: ListenAddress & { readonly key: string | undefined };
  readonly upstream: UpstreamSettings;
  /** Environment variables manifests may reference (names, or prefixes ending in *); undefined: any. */
  readonly references: { readonly env: readonly string[] | undefined };
  /** Absolute manifest paths (files, folders, globs); empty: serve the last applied revision. */
  readonly manifests: readonly string[];
  readonly storage: { readonly sqlitePath: string; readonly flushIntervalMs: number };
  readonly limits: LimitsBackendSettings;
  readonly log: {
    readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    readonly format: 'json' | 'pretty';
  };
  readonly shutdown: { readonly drainTimeoutMs: number };
}

/** Where rate counters, budget reservations and spend live (README: Fleet (Redis)). */
export interface LimitsBackendSettings {
  readonly backend: 'memory' | 'redis';
  readonly url: string | undefined;
  /** Prefix of every Redis key. */
  readonly keyPrefix: string;
  /** Bound on every Redis call, ms. */
  readonly timeoutMs: number;
  /** Redis down or slow: admit (open) or refuse with GW_ERR_LIMITS_UNAVAILABLE (closed). */
  readonly failMode: 'open' | 'closed';
}

/** The caller-facing bounds of the proxy listener (README: Limits and timeouts). */
export interface ProxySettings extends ListenAddress {
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
  readonly maxHeaderBytes: number;
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** x-gw-provider, x-gw-upstream-model and x-gw-attempts on model answers. */
  readonly answerHeaders: boolean;
}

/** The bounds gw puts on what upstreams send, and the circuit breaker. */
export interface UpstreamSettings {
  readonly maxAnswerBytes: number;
  readonly maxEventBytes: number;
  readonly maxRetryAfterMs: number;
  /** failures 0: no breaker. */
  readonly breaker: { readonly failures: number; readonly cooldownMs: number };
}

/** A duration the schema has already checked and defaulted. */
function ms(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : (parseDuration(value) ?? fallback);
}

export function parseListen(listen: string): ListenAddress {
  const i = listen.lastIndexOf(':');
  const host = (i < 0 ? '127.0.0.1' : listen.slice(0, i)).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  const port = Number(i < 0 ? listen : listen.slice(i + 1));
  return { host, port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 0 };
}

/** `gateway` has its references already resolved. */
export function gatewaySettings(
  gateway: Gateway | undefined,
  configPath: string | undefined,
  cwd = process.cwd(),
): GatewaySettings {
  const base = configPath ? dirname(configPath) : cwd;
  const doc: Gateway = withDefaults(
    gateway ?? { apiVersion: 'gw/v1', kind: 'Gateway', metadata: { name: 'default' }, spec: {} },
  );
  const spec = doc.spec;
  const adminKey = spec.admin?.key;
  const proxy = spec.proxy ?? {};
  const upstream = spec.upstream ?? {};
  return {
    configPath,
    proxy: {
      ...parseListen(proxy.listen ?? '127.0.0.1:3000'),
      maxBodyBytes: proxy.maxBodyBytes ?? 10 * 1024 * 1024,
      maxJsonDepth: proxy.maxJsonDepth ?? 64,
      maxHeaderBytes: proxy.maxHeaderBytes ?? 16 * 1024,
      maxConnections: proxy.maxConnections ?? 4096,
      headersTimeoutMs: ms(proxy.headersTimeout, 60_000),
      bodyTimeoutMs: ms(proxy.bodyTimeout, 60_000),
      sendTimeoutMs: ms(proxy.sendTimeout, 60_000),
      keepAliveTimeoutMs: ms(proxy.keepAliveTimeout, 75_000),
      requestTimeoutMs: ms(proxy.requestTimeout, 600_000),
      answerHeaders: proxy.answerHeaders ?? true,
    },
    admin: { ...parseListen(spec.admin?.listen ?? '127.0.0.1:3001'), key: adminKey ? adminKey : undefined },
    upstream: {
      maxAnswerBytes: upstream.maxAnswerBytes ?? 64 * 1024 * 1024,
      maxEventBytes: upstream.maxEventBytes ?? 8 * 1024 * 1024,
      maxRetryAfterMs: ms(upstream.maxRetryAfter, 30_000),
      breaker: { failures: upstream.breaker?.failures ?? 5, cooldownMs: ms(upstream.breaker?.cooldown, 30_000) },
    },
    references: { env: spec.references?.env },
    manifests: (spec.manifests ?? []).map((p) => resolve(base, p)),
    storage: {
      sqlitePath: resolve(base, spec.storage?.sqlite ?? './.gw/gw.db'),
      flushIntervalMs: parseDuration(spec.storage?.flushInterval ?? '100ms') ?? 100,
    },
    limits: {
      backend: spec.limits?.backend ?? 'memory',
      url: spec.limits?.url || undefined,
      keyPrefix: spec.limits?.keyPrefix ?? 'gw:',
      timeoutMs: ms(spec.limits?.timeout, 250),
      failMode: spec.limits?.failMode ?? 'open',
    },
    log: { level: spec.log?.level ?? 'info', format: spec.log?.format ?? 'json' },
    shutdown: { drainTimeoutMs: parseDuration(spec.shutdown?.drainTimeout ?? '10s') ?? 10_000 },
  };
}
