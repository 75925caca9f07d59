// `gw serve`: builds the config, opens the usage log and the upstream pools, starts the proxy
// listener, and wires reloads (--watch, SIGHUP) and shutdown (SIGTERM, SIGINT). The only place
// where the config builder (manifest/, compile/) meets the server (serve/).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildConfig, type BuildResult } from '../../config/build.js';
import type { GatewaySettings } from '../../config/settings.js';
import { summarize, renderDiagnostics } from '../render/diagnostics.js';
import { createReloader, watchConfig, type ConfigWatcher, type ReloadResult } from '../../serve/reload.js';
import { createGateway } from '../../serve/server.js';
import { createLogger, type Logger } from '../../telemetry/logger.js';
import { UsageLog } from '../../telemetry/usage-log.js';
import { executeChat, executeEmbeddings } from '../../upstream/execute.js';
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

/** A reload swaps the routing table; the log level follows too, listener settings need a restart. */
function noteSettingChanges(running: GatewaySettings, next: GatewaySettings, logger: Logger): void {
  if (next.log.level !== logger.level) logger.level = next.log.level;
  const p = running.proxy;
  const q = next.proxy;
  if (p.host !== q.host || p.port !== q.port || p.maxBodyBytes !== q.maxBodyBytes || running.storage.sqlitePath !== next.storage.sqlitePath) {
    logger.warn('proxy.listen, proxy.maxBodyBytes and storage changed in gateway.yaml take effect after a restart');
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
  const build = (): Promise<BuildResult> =>
    buildConfig({ ...(o.config !== undefined ? { configPath: o.config } : {}), ...(o.file !== undefined ? { files: o.file } : {}) });
  const first = await build();
  if (!first.ok) {
    io.err(renderDiagnostics('pretty', first.diagnostics, summarize(first.diagnostics, 0, 0)));
    io.err('gw serve: the configuration is invalid; nothing was started\n');
    return 1;
  }
  const { settings } = first;
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
  const pools = new PoolRegistry();
  const gateway = createGateway({ settings, table: first.table, usageLog, logger, pools, upstream: { executeChat, executeEmbeddings } });
  for (const d of first.diagnostics) logger.warn({ code: d.code }, `${d.file}:${d.line}:${d.col} ${d.message}`);

  let url: string;
  try {
    url = await gateway.listen();
  } catch (err) {
    io.err(`gw serve: cannot listen on ${settings.proxy.host}:${settings.proxy.port}: ${err instanceof Error ? err.message : String(err)}\n`);
    await gateway.close();
    return 1;
  }

  let watcher: ConfigWatcher | undefined;
  const reloader = createReloader({
    load: async (): Promise<ReloadResult> => {
      const r = await build();
      if (!r.ok) return r;
      noteSettingChanges(settings, r.settings, logger);
      return { ok: true, table: r.table, diagnostics: r.diagnostics, watchPaths: watchPaths(r.settings, o) };
    },
    swap: (table) => gateway.swap(table),
    logger,
    onWatchPaths: (paths) => watcher?.update(paths),
  });
  if (o.watch === true) {
    watcher = watchConfig(watchPaths(settings, o), () => void reloader.reload('watch'), logger);
    await watcher.ready;
  }
  const onHup = (): void => void reloader.reload('sighup');
  process.on('SIGHUP', onHup);

  const c = first.table.counts;
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  io.out(`gw serve: listening on ${url} (${n(c.endpoints, 'endpoint')}, ${n(c.keys, 'key')}${o.watch === true ? ', watching for changes' : ''})\n`);
  logger.info({ url, config: first.table.hash, ...c }, 'gw serve started');

  const sig = await waitForSignal();
  logger.info({ signal: sig, inFlight: gateway.inFlight }, 'shutting down: draining in-flight requests');
  process.off('SIGHUP', onHup);
  await watcher?.close();
  await gateway.close();
  logger.info('stopped');
  await new Promise<void>((done) => logger.flush(() => done()));
  return 0;
}

export function registerServe(program: Command, io: CliIO): void {
  program
    .command('serve')
    .description('serve the gateway: OpenAI-compatible routes; --watch and SIGHUP reload, SIGTERM drains and exits 0')
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders or globs (replaces gateway.yaml's manifests)")
    .option('--watch', 'reload when gateway.yaml or a manifest changes', false)
    .action(async (o: ServeOptions) => {
      io.exit(await runServe(o, io));
    });
}
