// Gateway settings (kind: Gateway) with schema defaults applied and paths made absolute.
import { dirname, resolve } from 'node:path';
import { withDefaults } from '../compile/defaults.js';
import { parseDuration } from '../compile/duration.js';
import type { Gateway } from '../manifest/types.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface GatewaySettings {
  /** Absolute path of the gateway.yaml the settings came from; undefined for built-in defaults. */
  readonly configPath: string | undefined;
  readonly proxy: ListenAddress & { readonly maxBodyBytes: number };
  readonly admin: ListenAddress & { readonly key: string | undefined };
  /** Absolute manifest paths (files, folders, globs); empty: serve the last applied revision. */
  readonly manifests: readonly string[];
  readonly storage: { readonly sqlitePath: string; readonly flushIntervalMs: number };
  readonly limits: { readonly backend: 'memory' | 'redis'; readonly url: string | undefined };
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
  readonly shutdown: { readonly drainTimeoutMs: number };
}

export function parseListen(listen: string): ListenAddress {
  const i = listen.lastIndexOf(':');
  const host = (i < 0 ? '127.0.0.1' : listen.slice(0, i)).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  const port = Number(i < 0 ? listen : listen.slice(i + 1));
  return { host, port: Number.isInteger(port) && port >= 0 && port < 65536 ? port : 0 };
}

/** `gateway` has its references already resolved. */
export function gatewaySettings(gateway: Gateway | undefined, configPath: string | undefined, cwd = process.cwd()): GatewaySettings {
  const base = configPath ? dirname(configPath) : cwd;
  const doc: Gateway = withDefaults(gateway ?? { apiVersion: 'gw/v1', kind: 'Gateway', metadata: { name: 'default' }, spec: {} });
  const spec = doc.spec;
  const adminKey = spec.admin?.key;
  return {
    configPath,
    proxy: { ...parseListen(spec.proxy?.listen ?? '127.0.0.1:3000'), maxBodyBytes: spec.proxy?.maxBodyBytes ?? 10 * 1024 * 1024 },
    admin: { ...parseListen(spec.admin?.listen ?? '127.0.0.1:3001'), key: adminKey ? adminKey : undefined },
    manifests: (spec.manifests ?? []).map((p) => resolve(base, p)),
    storage: {
      sqlitePath: resolve(base, spec.storage?.sqlite ?? './.gw/gw.db'),
      flushIntervalMs: parseDuration(spec.storage?.flushInterval ?? '100ms') ?? 100,
    },
    limits: { backend: spec.limits?.backend ?? 'memory', url: spec.limits?.url || undefined },
    log: { level: spec.log?.level ?? 'info' },
    shutdown: { drainTimeoutMs: parseDuration(spec.shutdown?.drainTimeout ?? '10s') ?? 10_000 },
  };
}
