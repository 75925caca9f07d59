// `gw serve` as a command; the server wiring lives in serve-run.ts and is loaded only when the
// command runs, so other commands (and --help) do not pay for the server's modules.
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import type { EarlySignal, ServeOptions } from './serve-run.js';

export function registerServe(program: Command, io: CliIO): void {
  program
    .command('serve')
    .description('serve the gateway: OpenAI-compatible routes; --watch and SIGHUP reload, SIGTERM drains and exits 0')
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders or globs (replaces gateway.yaml's manifests)")
    .option('--watch', 'reload when gateway.yaml or a manifest changes', false)
    .action(async (o: ServeOptions) => {
      const hup = holdSighup();
      // The build worker starts, and starts the first build (the one startRuntime asks for),
      // before the server's modules load (config/worker-spawn.ts).
      const { filesJob, prestartBuildWorker } = await import('../../config/worker-spawn.js');
      prestartBuildWorker(filesJob({ configPath: o.config, files: o.file }));
      const { runServe } = await import('./serve-run.js');
      io.exit(await runServe(o, io, hup));
    });
}

/**
 * SIGHUP from the first moment: its default action ends the process, so a reload asked for during
 * start-up (`systemctl reload` right after `start`) took gw down, and systemd, which counts an
 * end by SIGHUP as clean, did not restart it. runServe runs the reload once it serves.
 */
function holdSighup(): EarlySignal {
  let asked = false;
  const on = (): void => {
    asked = true;
  };
  process.on('SIGHUP', on);
  return { asked: () => asked, release: () => void process.off('SIGHUP', on) };
}
