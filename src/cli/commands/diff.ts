// `gw diff [-f…] [--server URL] [--selector k=v] [--output pretty|json]`: `gw apply --dry-run`
// with deck's exit codes: 0 no change, 2 changes, 1 error (STYLE example 11).
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import type { PlanCommandOptions } from './apply-run.js';
import { addPlanOptions } from './apply.js';

export function registerDiff(program: Command, io: CliIO): void {
  const cmd = program
    .command('diff')
    .description(
      'what gw apply would change on the running gateway, field by field, secrets masked; exit 0 no change, 2 changes, 1 error',
    );
  addPlanOptions(cmd)
    .option('--out <file>', 'also save the plan to this file; gw apply <file> then applies exactly it')
    .action(async (o: PlanCommandOptions) => {
      const { runPlanCommand } = await import('./apply-run.js');
      io.exit(await runPlanCommand(o, { command: 'diff', dryRun: true, exitTwoOnChanges: true }, io));
    });
}
