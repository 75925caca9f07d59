// `gw serve`: the CLI side of a running gateway. The runtime (runtime.ts) builds the config,
// starts the proxy and admin listeners and owns the one reload path; this file reads the flags,
// prints what started (or why nothing did), turns SIGHUP into a reload and SIGTERM/SIGINT into
// a drain and exit 0.
import { startRuntime } from '../../runtime.js';
import { giveUpLogOutput } from '../../telemetry/log-output.js';
import type { Logger } from '../../telemetry/logger.js';
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

/** A signal caught before the runtime was up: whether it came, and the end of the catching. */
export interface EarlySignal {
  asked(): boolean;
  release(): void;
}

/**
 * Runs until SIGTERM/SIGINT; returns the exit code (or ends the process itself when the last log
 * lines cannot leave). `hup`: SIGHUPs held since the command started, reloaded once serving.
 */
export async function runServe(o: ServeOptions, io: CliIO, hup?: EarlySignal): Promise<number> {
  const started = await startRuntime({ configPath: o.config, files: o.file, watch: o.watch });
  if (!started.ok) {
    hup?.release();
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
  hup?.release();
  if (hup?.asked() === true) onHup();

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
  if (!(await flushWithin(logger, FINAL_FLUSH_MS))) {
    // A write to stdout is stuck (its reader stopped reading: a paused `| tee`, a hung log
    // shipper). It would hold the process, and the exit flush would block in it: give the
    // held lines up and end now.
    giveUpLogOutput();
    process.exit(0);
  }
  return 0;
}

/** How long the last log lines may take to leave at shutdown. */
const FINAL_FLUSH_MS = 2000;

/** Whether the logger's held lines left within `ms`. */
function flushWithin(logger: Logger, ms: number): Promise<boolean> {
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    logger.flush(() => {
      clearTimeout(timer);
      done(true);
    });
  });
}
