// One running gateway: builds the config, opens the usage log, the revision store and the
// upstream pools, starts the proxy and admin listeners, and owns the one reload path. The only
// place where the config builder (manifest/, config/) meets the server (serve/, admin/); the
// CLI (`gw serve`) and the programmatic API (index.ts) both start gateways through it.
//
// The config comes from the manifests gateway.yaml (or `files`) names; with none, from the last
// revision applied through the admin API. Every change ends in the control plane's commit():
// start-up here, --watch and SIGHUP through reload(), apply and rollback through the admin API.
// Every build, start-up's too, runs off the serving thread (config/off-thread.ts), so a large
// config never stalls requests and the build's code and garbage stay out of the serving heap.
import { resolve } from 'node:path';
import { adminListenProblem, createAdminRuntime, meteredUsageLog, type AdminRuntime } from './admin/runtime.js';
import type { ControlPlane } from './admin/control.js';
import type { RoutingTable } from './compile/routing-table.js';
import type { BuildResult } from './config/build.js';
import type { ServerBase } from './config/from-manifests.js';
import type { ConfigSync, FleetRoster } from './fleet/index.js';
import { createOffThreadBuilder, type OffThreadBuilder } from './config/off-thread.js';
import type { GatewaySettings } from './config/settings.js';
import type { ErrorCode } from './errors.js';
import type { Diagnostic } from './manifest/diagnostics.js';
import type { Manifest } from './manifest/types.js';
import { RateLimiter } from './policy/rate-limits.js';
import { MemoryReservationStore } from './policy/memory-stores.js';
import type { SpendSubject } from './policy/stores.js';
import { createReloader, watchConfig, type ConfigWatcher, type Reloader, type ReloadResult } from './serve/reload.js';
import { createGateway, type Gateway } from './serve/server.js';
import type { Revision } from './state/revisions.js';
import { RevisionStore } from './state/revisions.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { createMetrics } from './telemetry/metrics.js';
import { UsageLog } from './telemetry/usage-log.js';
import { BreakerRegistry } from './upstream/breaker.js';
import { executeChat, executeEmbeddings } from './upstream/execute.js';
import { PoolRegistry } from './upstream/pool.js';
import { collectAfterBuild } from './util/gc-nudge.js';

export interface RuntimeOptions {
  /** gateway.yaml to read (default ./gateway.yaml). */
  readonly configPath?: string | undefined;
  /** Manifest files, folders or globs: replaces gateway.yaml's manifests. */
  readonly files?: readonly string[] | undefined;
  /** Reload when gateway.yaml or a manifest changes. */
  readonly watch?: boolean | undefined;
  /** Default: a JSON logger on stdout at gateway.yaml's log.level (which reloads then follow). */
  readonly logger?: Logger | undefined;
}

/** Why a gateway did not start; nothing is left open. */
export interface StartProblem {
  /** The error code when one names the cause (a listen failure of the proxy has none). */
  readonly code: ErrorCode | undefined;
  /** One line, e.g. "the configuration is invalid; nothing was started". */
  readonly message: string;
  /** The diagnostics of an invalid configuration or revision; empty otherwise. */
  readonly diagnostics: readonly Diagnostic[];
  /** The underlying error (a listen or SQLite failure), when there is one. */
  readonly cause?: unknown;
}

export interface GatewayRuntime {
  /** The proxy listener's base URL (http://host:port). */
  readonly url: string;
  /** The admin listener's base URL. */
  readonly adminUrl: string;
  /** gateway.yaml's settings as read at start; listener and storage settings need a restart. */
  readonly settings: GatewaySettings;
  readonly logger: Logger;
  /** Warnings of the start-up build (already logged). */
  readonly warnings: readonly Diagnostic[];
  /** The table in service; undefined until a config is applied. */
  readonly table: RoutingTable | undefined;
  /** The revision in service. */
  readonly revision: Revision | undefined;
  /** Requests being served right now. */
  readonly inFlight: number;
  readonly control: ControlPlane;
  /**
   * Rebuilds from the files (off the serving thread) and commits the result; `source` names the
   * trigger ('watch', 'sighup', ...). Overlapping calls fold into one follow-up run. Resolves
   * true when a new table went into service; an invalid config keeps the old one (logged).
   */
  reload(source: string): Promise<boolean>;
  /** Stops watching, closes the admin listener, drains the proxy, closes storage. Safe to call twice. */
  close(): Promise<void>;
}

export type StartResult =
  { readonly ok: true; readonly runtime: GatewayRuntime } | { readonly ok: false; readonly problem: StartProblem };

type Built = Extract<BuildResult, { ok: true }>;

const problem = (
  code: ErrorCode | undefined,
  message: string,
  diagnostics: readonly Diagnostic[] = [],
  cause?: unknown,
): StartResult => ({
  ok: false,
  problem: { code, message, diagnostics, cause },
});

/** A start that failed after the build worker was started: stop it first. */
async function stopped(builder: OffThreadBuilder, result: StartResult): Promise<StartResult> {
  await builder.close();
  return result;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Files mode: `files`, a manifests list, or resources written into gateway.yaml itself. */
function fromFiles(b: Built, o: RuntimeOptions): boolean {
  return o.files !== undefined || b.settings.manifests.length > 0 || (b.manifestsText?.count ?? b.manifests.length) > 0;
}

function baseOf(b: Built): ServerBase {
  return { gateway: b.gateway, configPath: b.settings.configPath };
}

/** The paths whose changes reload the config: gateway.yaml and the manifests it (or `files`) names. */
function watchPaths(settings: GatewaySettings, o: RuntimeOptions): string[] {
  const manifests = o.files !== undefined ? o.files.map((f) => resolve(f)) : settings.manifests;
  return settings.configPath !== undefined ? [settings.configPath, ...manifests] : [...manifests];
}

/** A reload swaps the routing table; the log level follows too, listener settings need a restart. */
function noteSettingChanges(running: GatewaySettings, next: GatewaySettings, logger: Logger): void {
  if (next.log.level !== logger.level) logger.level = next.log.level;
  const p = running.proxy;
  const q = next.proxy;
  if (
    p.host !== q.host ||
    p.port !== q.port ||
    p.maxBodyBytes !== q.maxBodyBytes ||
    running.storage.sqlitePath !== next.storage.sqlitePath
  ) {
    logger.warn('proxy.listen, proxy.maxBodyBytes and storage changed in gateway.yaml take effect after a restart');
  }
  if (JSON.stringify(running.upstream) !== JSON.stringify(next.upstream)) {
    logger.warn('upstream settings (maxRetryAfter, breaker, ...) changed in gateway.yaml take effect after a restart');
  }
}

/** Starts a gateway; on a problem everything opened so far is closed again. */
export async function startRuntime(o: RuntimeOptions = {}): Promise<StartResult> {
  const fileOptions = {
    ...(o.configPath !== undefined ? { configPath: o.configPath } : {}),
    ...(o.files !== undefined ? { files: o.files } : {}),
  };
  // Every build, the first too, runs in the build worker: the YAML parsers, ajv and the build's
  // garbage never enter the serving thread's heap (and go when the idle worker stops).
  // Once the idle worker stopped, a collection returns the build's leftovers in this heap too.
  const builder: OffThreadBuilder = createOffThreadBuilder({ onIdleStop: () => void collectAfterBuild() });
  const first = await builder.buildFiles(fileOptions);
  if (!first.ok) {
    await builder.close();
    return problem('GW_ERR_CONFIG_INVALID', 'the configuration is invalid; nothing was started', first.diagnostics);
  }
  const { settings } = first;
  const refusal = adminListenProblem(settings);
  if (refusal !== undefined)
    return stopped(builder, problem(refusal.code, `${refusal.message}; nothing was started (${refusal.code})`));
  const logger = o.logger ?? createLogger({ level: settings.log.level, format: settings.log.format });
  let usageLog: UsageLog;
  try {
    usageLog = UsageLog.open(settings.storage.sqlitePath, {
      flushIntervalMs: settings.storage.flushIntervalMs,
      onError: (err, dropped, kept) =>
        logger.error(
          { err, dropped },
          kept === true
            ? 'usage log write waits: another process holds the database write lock; rows are kept and retried'
            : 'usage log write failed',
        ),
    });
  } catch (err) {
    return stopped(
      builder,
      problem(
        'GW_ERR_STORAGE_OPEN',
        `cannot open the usage log ${settings.storage.sqlitePath}: ${messageOf(err)}`,
        [],
        err,
      ),
    );
  }
  let store: RevisionStore;
  try {
    store = RevisionStore.open(settings.storage.sqlitePath);
  } catch (err) {
    usageLog.close();
    return stopped(builder, problem('GW_ERR_STORAGE_OPEN', messageOf(err), [], err));
  }
  const metrics = createMetrics();
  const pools = new PoolRegistry();
  // Breaker settings are read at start (a restart applies new ones); the state survives reloads.
  const breakers = new BreakerRegistry(settings.upstream.breaker);
  metrics.watchBreakers(breakers);
  const upstream = { executeChat, executeEmbeddings, breakers, settings: settings.upstream };
  // ---- limits backend (issue 13: fleet through Redis; README: Fleet (Redis)) ----
  // memory (default): rate counters are the process's (a reload keeps them, a restart starts
  // them empty); budget holds live as long as the process and the spent figure is the usage
  // log's (SQLite, durable, unflushed rows included). redis: counters, holds and the month's
  // spend live in Redis, shared by the fleet; each instance still writes its own SQLite.
  // Loaded for the redis backend only: a single instance never holds the Redis client.
  const fleetCode = settings.limits.backend === 'redis' ? await import('./fleet/index.js') : undefined;
  const fleet = await fleetCode?.startFleetBackend(settings.limits, {
    logger,
    metrics,
    localSpent: (ws, kind, subject, month) => usageLog.monthSpend(ws, kind, subject, month),
  });
  if (typeof fleet === 'string') {
    usageLog.close();
    store.close();
    return stopped(builder, problem('GW_ERR_CONFIG_INVALID', fleet));
  }
  const rateLimits = new RateLimiter({
    onRefusal: (kind) => metrics.limitRefused(kind),
    ...(fleet !== undefined ? { store: fleet.rateStore } : {}),
  });
  const budgets =
    fleet !== undefined
      ? { reservations: fleet.reservations, spent: fleet.spent, sharedSpend: true }
      : {
          reservations: new MemoryReservationStore(),
          spent: (ws: string, kind: SpendSubject, subject: string, month: string) =>
            usageLog.monthSpend(ws, kind, subject, month),
        };
  const metered = meteredUsageLog(usageLog, metrics);
  const recordUsage =
    fleet === undefined
      ? metered
      : {
          ...metered,
          record(row: Parameters<typeof metered.record>[0]): void {
            metered.record(row);
            fleet.recorded(row);
          },
        };
  /** Config across an apply-run fleet (issue 13); set below once start-up chose its config. */
  let fleetSync: ConfigSync | undefined;
  /** The fleet's live instances, for `gw status` (set once both listeners are up). */
  let roster: FleetRoster | undefined;
  // ---- end limits backend ----
  const gateway: Gateway = createGateway({
    settings,
    usageLog: recordUsage,
    logger,
    pools,
    upstream,
    rateLimits,
    budgets,
    // A fleet keeps sessions in Redis too, so a conversation continues on any instance.
    ...(fleet !== undefined && fleetCode !== undefined
      ? { sessions: new fleetCode.RedisSessionStore<Readonly<Record<string, unknown>>>(fleet.link) }
      : {}),
  });
  let base = baseOf(first);
  const admin: AdminRuntime = createAdminRuntime({
    settings,
    store,
    usageLog,
    metrics,
    logger,
    swap: (table) => {
      gateway.swap(table);
      breakers.sync(table);
      fleetSync?.swapped(table.hash, control.current); // fleet config (issue 13)
      void roster?.beat();
    },
    table: () => gateway.table,
    breakers: () => breakers.snapshot(),
    policies: { rateLimits, budgets },
    revisionFloor: () => fleetSync?.revisionFloor() ?? 1,
    fleet: () => roster?.list(),
    build: (manifests, label, live?: readonly Manifest[]) => builder.buildManifests(manifests, base, { label, live }),
  });
  const { control } = admin;
  let watcher: ConfigWatcher | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await roster?.close(); // fleet config (issue 13)
      await fleetSync?.close();
      await watcher?.close();
      await admin.close();
      await builder.close();
      await gateway.close();
      store.close();
      await fleet?.close(); // limits backend (issue 13)
    })());
  for (const d of first.diagnostics) logger.warn({ code: d.code }, `${d.file}:${d.line}:${d.col} ${d.message}`);

  // Start-up: the files, or else the last applied revision, or else health checks only.
  if (fromFiles(first, o)) control.commit(first, 'start');
  else {
    const last = store.latest();
    const b =
      last === undefined
        ? undefined
        : await builder.buildManifests(last.manifests, base, { label: `revision-${last.number}` });
    if (last !== undefined && b !== undefined && !b.ok) {
      await close();
      return problem(
        'GW_ERR_CONFIG_INVALID',
        `the last applied revision (${last.number}) is invalid here; nothing was started`,
        b.diagnostics,
      );
    }
    if (last !== undefined && b?.ok === true) control.adopt(last, b.table);
  }

  // ---- fleet config (issue 13; README: Fleet (Redis)) ----
  // Run from `gw apply` (no manifests named): applies here are published through Redis and
  // applies elsewhere come in through the control plane, like a local apply. Catch up first,
  // so the first request is served with the fleet's config.
  if (fleet !== undefined && fleetCode !== undefined && !fromFiles(first, o) && settings.limits.url !== undefined) {
    const { FLEET_SOURCE } = fleetCode;
    fleetSync = new fleetCode.ConfigSync({
      link: fleet.link,
      url: settings.limits.url,
      logger,
      current: () => {
        const c = control.current;
        return c === undefined
          ? undefined
          : {
              hash: c.hash,
              // Read from the revision store only when published (state/revisions.ts).
              get manifests() {
                return c.manifests;
              },
              revision: c.number,
              source: c.source,
              appliedAt: c.appliedAt,
            };
      },
      apply: async (manifests, revision) => {
        const r = await control.apply({ manifests, source: FLEET_SOURCE, revision });
        return { ok: r.kind === 'done', hash: control.current?.hash };
      },
    });
    await fleetSync.start(2000);
  }
  // ---- end fleet config ----

  let url: string;
  let adminUrl: string;
  try {
    url = await gateway.listen();
  } catch (err) {
    await close();
    return problem(
      undefined,
      `cannot listen on ${settings.proxy.host}:${settings.proxy.port}: ${messageOf(err)}`,
      [],
      err,
    );
  }
  try {
    adminUrl = await admin.listen();
  } catch (err) {
    await close();
    return problem(
      'GW_ERR_ADMIN_LISTEN',
      `cannot start the admin listener on ${settings.admin.host}:${settings.admin.port}: ${messageOf(err)} (GW_ERR_ADMIN_LISTEN)`,
      [],
      err,
    );
  }
  // Every instance sharing the Redis lists itself, for `gw status` on any of them (issue 13).
  if (fleet !== undefined && fleetCode !== undefined) {
    roster = new fleetCode.FleetRoster(fleet.link, { proxy: url, admin: adminUrl, current: () => control.current });
    roster.start();
  }

  // The one reload path: build off the thread, then commit what was built (under the control
  // plane's lock, so it never interleaves with an apply or a rollback).
  const load = async (source: string): Promise<ReloadResult<Built>> => {
    let r: BuildResult;
    try {
      r = await builder.buildFiles(fileOptions);
      if (r.ok) base = baseOf(r);
      // No manifests named: gateway.yaml's settings change, the revision in service stays.
      const cur = control.current;
      if (r.ok && !fromFiles(r, o)) {
        if (cur === undefined) {
          logger.info({ source }, 'no manifests named and no revision applied: nothing to reload');
          return { ok: false, diagnostics: [] };
        }
        r = await builder.buildManifests(cur.manifests, base, { label: `revision-${cur.number}` });
      }
    } catch (err) {
      control.failed(source);
      throw err;
    }
    if (!r.ok) {
      control.failed(source);
      return r;
    }
    noteSettingChanges(settings, r.settings, logger);
    return { ok: true, table: r.table, diagnostics: r.diagnostics, watchPaths: watchPaths(r.settings, o), built: r };
  };
  const reloader: Reloader = createReloader<Built>({
    load,
    swap: (_table, source, built) => {
      if (built !== undefined) control.commit(built, source);
    },
    exclusive: (fn) => control.exclusive(fn),
    logger,
    onWatchPaths: (paths) => watcher?.update(paths),
  });
  if (o.watch === true) {
    watcher = await watchConfig(watchPaths(settings, o), () => void reloader.reload('watch'), logger);
    await watcher.ready;
  }

  const runtime: GatewayRuntime = {
    url,
    adminUrl,
    settings,
    logger,
    warnings: first.diagnostics,
    control,
    get table() {
      return gateway.table;
    },
    get revision() {
      return control.current;
    },
    get inFlight() {
      return gateway.inFlight;
    },
    reload: (source) => reloader.reload(source),
    close,
  };
  return { ok: true, runtime };
}
