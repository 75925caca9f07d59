// `gw serve`: the CLI side of a running gateway. The runtime (runtime.ts) builds the config,
// starts the proxy and admin listeners and owns the one reload path; this file reads the flags,
// prints what started (or why nothing did), turns SIGHUP into a reload and SIGTERM/SIGINT into
// a drain and exit 0.
import { startRuntime } from '../../runtime.js';
import { summarize, renderDiagnostics } from '../render/diagnostics.js';
import type { CliIO } from '../io.js';

export interface ServeOptions {
  readonly config?: string;
  readonly file?: readonly string[];
  readonly watch?: boolean;
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
  const started = await startRuntime({ configPath: o.config, files: o.file, watch: o.watch });
  if (!started.ok) {
    const { code, diagnostics, message } = started.problem;
    if (code === 'GW_ERR_CONFIG_INVALID')
      io.err(renderDiagnostics('pretty', diagnostics, summarize(diagnostics, 0, 0)));
    io.err(`gw serve: ${message}\n`);
    return 1;
  }
  const rt = started.runtime;
  const { logger, url, adminUrl } = rt;
  const onHup = (): void => void rt.reload('sighup');
  process.on('SIGHUP', onHup);

  const table = rt.table;
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  const what =
    table === undefined
      ? 'no configuration yet: gw apply sends one'
      : `${n(table.counts.endpoints, 'endpoint')}, ${n(table.counts.keys, 'key')}`;
  const rev = rt.revision;
  // The first line of the log, as JSON like every other (or pretty with log.format: pretty);
  // written at any log.level, as scripts and operators wait for it.
  logger
    .child({}, { level: 'info' })
    .info(
      { url, admin: adminUrl, config: table?.hash, revision: rev?.number, watch: o.watch === true, ...table?.counts },
      `gw serve: listening on ${url} (${what}${rev !== undefined ? `, revision ${rev.number}` : ''}${o.watch === true ? ', watching for changes' : ''}); admin on ${adminUrl}`,
    );

  const sig = await waitForSignal();
  logger.info({ signal: sig, inFlight: rt.inFlight }, 'shutting down: draining in-flight requests');
  process.off('SIGHUP', onHup);
  await rt.close();
  logger.info('stopped');
  await new Promise<void>((done) => logger.flush(() => done()));
  return 0;
}
