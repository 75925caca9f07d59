// `gw serve` as a command; the server wiring lives in serve-run.ts and is loaded only when the
// command runs, so other commands (and --help) do not pay for the server's modules.
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import type { ServeOptions } from './serve-run.js';

export function registerServe(program: Command, io: CliIO): void {
  program
    .command('serve')
    .description('serve the gateway: OpenAI-compatible routes; --watch and SIGHUP reload, SIGTERM drains and exits 0')
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders or globs (replaces gateway.yaml's manifests)")
    .option('--watch', 'reload when gateway.yaml or a manifest changes', false)
    .action(async (o: ServeOptions) => {
      // The build worker starts, and starts the first build (the one startRuntime asks for),
      // before the server's modules load (config/worker-spawn.ts).
      const { filesJob, prestartBuildWorker } = await import('../../config/worker-spawn.js');
      prestartBuildWorker(filesJob({ configPath: o.config, files: o.file }));
      const { runServe } = await import('./serve-run.js');
      io.exit(await runServe(o, io));
    });
}
