// `gw serve`: builds the config, opens the usage log and the upstream pools, starts the proxy
// and admin listeners, and wires reloads (--watch, SIGHUP) and shutdown (SIGTERM, SIGINT). The
// only place where the config builder (manifest/, compile/) meets the server (serve/).
// The config comes from the manifests gateway.yaml (or -f) names; with none, from the last
// revision applied through the admin API. Every change ends in the control plane's commit().
// Start-up builds in-process; every later build (reloads, apply, rollback) runs off the serving
// thread (config/off-thread.ts), so a large config never stalls requests.
import { resolve } from 'node:path';
import { adminListenProblem, createAdminRuntime, meteredUsageLog } from '../../admin/runtime.js';
import { buildConfig, type BuildResult } from '../../config/build.js';
import { buildFromManifests, type ServerBase } from '../../config/from-manifests.js';
import { createOffThreadBuilder } from '../../config/off-thread.js';
import type { Manifest } from '../../manifest/types.js';
import type { GatewaySettings } from '../../config/settings.js';
import { summarize, renderDiagnostics } from '../render/diagnostics.js';
import { createReloader, watchConfig, type ConfigWatcher, type ReloadResult } from '../../serve/reload.js';
import { createGateway } from '../../serve/server.js';
import { RevisionStore } from '../../state/revisions.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { createMetrics } from '../../telemetry/metrics.js';
import { UsageLog } from '../../telemetry/usage-log.js';
import { executeChat, executeEmbeddings } from '../../upstream/execute.js';
import { BreakerRegistry } from '../../upstream/breaker.js';
import { PoolRegistry } from '../../upstream/pool.js';
import type { CliIO } from '../io.js';

export interface ServeOptions {
  readonly config?: string;
  readonly file?: readonly string[];
  readonly watch?: boolean;
}

/** The paths whose changes reload the config: gateway.yaml and the manifests it (or -f) names. */
function watchPaths(settings: GatewaySettings, o: ServeOptions): string[] {
  const manifests = o.file !== undefined ? o.file.map((f) => resolve(f)) : settings.manifests;
  return settings.configPath !== undefined ? [settings.configPath, ...manifests] : [...manifests];
}

type Built = Extract<BuildResult, { ok: true }>;

/** Files mode: -f, a manifests list, or resources written into gateway.yaml itself. */
function fromFiles(b: Built, o: ServeOptions): boolean {
  return o.file !== undefined || b.settings.manifests.length > 0 || b.manifests.length > 0;
}

function baseOf(b: Built): ServerBase {
  return { gateway: b.gateway, configPath: b.settings.configPath };
}

/** A reload swaps the routing table; the log level follows too, listener settings need a restart. */
function noteSettingChanges(running: GatewaySettings, next: GatewaySettings, logger: Logger): void {
  if (next.log.level !== logger.level) logger.level = next.log.level;
  const p = running.proxy;
  const q = next.proxy;
  if (p.host !== q.host || p.port !== q.port || p.maxBodyBytes !== q.maxBodyBytes || running.storage.sqlitePath !== next.storage.sqlitePath) {
    logger.warn('proxy.listen, proxy.maxBodyBytes and storage changed in gateway.yaml take effect after a restart');
  }
  if (JSON.stringify(running.upstream) !== JSON.stringify(next.upstream)) {
    logger.warn('upstream settings (maxRetryAfter, breaker, ...) changed in gateway.yaml take effect after a restart');
  }
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      done(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function runServe(o: ServeOptions, io: CliIO): Promise<number> {
  const fileOptions = { ...(o.config !== undefined ? { configPath: o.config } : {}), ...(o.file !== undefined ? { files: o.file } : {}) };
  const first = await buildConfig(fileOptions);
  if (!first.ok) {
    io.err(renderDiagnostics('pretty', first.diagnostics, summarize(first.diagnostics, 0, 0)));
    io.err('gw serve: the configuration is invalid; nothing was started\n');
    return 1;
  }
  const { settings } = first;
  const refusal = adminListenProblem(settings);
  if (refusal !== undefined) {
    io.err(`gw serve: ${refusal.message}; nothing was started (${refusal.code})\n`);
    return 1;
  }
  const logger = createLogger({ level: settings.log.level });
  let usageLog: UsageLog;
  try {
    usageLog = UsageLog.open(settings.storage.sqlitePath, {
      flushIntervalMs: settings.storage.flushIntervalMs,
      onError: (err, dropped) => logger.error({ err, dropped }, 'usage log write failed'),
    });
  } catch (err) {
    io.err(`gw serve: cannot open the usage log ${settings.storage.sqlitePath}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  let store: RevisionStore;
  try {
    store = RevisionStore.open(settings.storage.sqlitePath);
  } catch (err) {
    usageLog.close();
    io.err(`gw serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const metrics = createMetrics();
  const pools = new PoolRegistry();
  // Breaker settings are read at start (a restart applies new ones); the state survives reloads.
  const breakers = new BreakerRegistry(settings.upstream.breaker);
  metrics.watchBreakers(breakers);
  const upstream = { executeChat, executeEmbeddings, breakers, settings: settings.upstream };
  const gateway = createGateway({ settings, usageLog: meteredUsageLog(usageLog, metrics), logger, pools, upstream });
  let base = baseOf(first);
  const builder = createOffThreadBuilder();
  const build = (): Promise<BuildResult> => builder.buildFiles(fileOptions);
  const admin = createAdminRuntime({
    settings, store, usageLog, metrics, logger,
    swap: (table) => {
      gateway.swap(table);
      breakers.sync(table);
    },
    table: () => gateway.table,
    breakers: () => breakers.snapshot(),
    build: (manifests, label, live?: readonly Manifest[]) => builder.buildManifests(manifests, base, { label, live }),
  });
  const { control } = admin;
  const stop = async (): Promise<void> => {
    await admin.close();
    await builder.close();
    await gateway.close();
    store.close();
  };
  for (const d of first.diagnostics) logger.warn({ code: d.code }, `${d.file}:${d.line}:${d.col} ${d.message}`);

  // Start-up: the files, or else the last applied revision, or else health checks only.
  if (fromFiles(first, o)) control.commit(first, 'start');
  else {
    const last = store.latest();
    const b = last === undefined ? undefined : await buildFromManifests(last.manifests, base, { label: `revision-${last.number}` });
    if (last !== undefined && b !== undefined && !b.ok) {
      io.err(renderDiagnostics('pretty', b.diagnostics, summarize(b.diagnostics, 0, 0)));
      io.err(`gw serve: the last applied revision (${last.number}) is invalid here; nothing was started\n`);
      await stop();
      return 1;
    }
    if (last !== undefined && b?.ok === true) control.adopt(last, b.table);
  }

  let url: string;
  let adminUrl: string;
  try {
    url = await gateway.listen();
  } catch (err) {
    io.err(`gw serve: cannot listen on ${settings.proxy.host}:${settings.proxy.port}: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop();
    return 1;
  }
  try {
    adminUrl = await admin.listen();
  } catch (err) {
    io.err(`gw serve: cannot start the admin listener on ${settings.admin.host}:${settings.admin.port}: ${err instanceof Error ? err.message : String(err)} (GW_ERR_ADMIN_LISTEN)\n`);
    await stop();
    return 1;
  }

  let watcher: ConfigWatcher | undefined;
  let pending: Built | undefined;
  const reloader = createReloader({
    load: async (source): Promise<ReloadResult> => {
      let r: BuildResult;
      try {
        r = await build();
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
      pending = r;
      return { ok: true, table: r.table, diagnostics: r.diagnostics, watchPaths: watchPaths(r.settings, o) };
    },
    swap: (_table, source) => {
      if (pending !== undefined) control.commit(pending, source);
      pending = undefined;
    },
    exclusive: (fn) => control.exclusive(fn),
    logger,
    onWatchPaths: (paths) => watcher?.update(paths),
  });
  if (o.watch === true) {
    watcher = watchConfig(watchPaths(settings, o), () => void reloader.reload('watch'), logger);
    await watcher.ready;
  }
  const onHup = (): void => void reloader.reload('sighup');
  process.on('SIGHUP', onHup);

  const table = gateway.table;
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  const what = table === undefined ? 'no configuration yet: gw apply sends one' : `${n(table.counts.endpoints, 'endpoint')}, ${n(table.counts.keys, 'key')}`;
  const rev = control.current;
  io.out(`gw serve: listening on ${url} (${what}${rev !== undefined ? `, revision ${rev.number}` : ''}${o.watch === true ? ', watching for changes' : ''}); admin on ${adminUrl}\n`);
  logger.info({ url, admin: adminUrl, config: table?.hash, revision: rev?.number, ...table?.counts }, 'gw serve started');

  const sig = await waitForSignal();
  logger.info({ signal: sig, inFlight: gateway.inFlight }, 'shutting down: draining in-flight requests');
  process.off('SIGHUP', onHup);
  await watcher?.close();
  await stop();
  logger.info('stopped');
  await new Promise<void>((done) => logger.flush(() => done()));
  return 0;
}
