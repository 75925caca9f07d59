// `gw apply [-f…] [--server URL] [--dry-run] [--selector k=v] [--if-revision N] [--yes]`: make the
// live config equal the files (within the selector) in one step, or change nothing. The flow
// lives in apply-run.ts, shared with `gw diff`, and is imported only when the command runs.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import type { PlanCommandOptions } from './apply-run.js';

/** The flags diff and apply share: where the files and the gateway are, scope and format. */
export function addPlanOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders, globs or '-' (replaces gateway.yaml's manifests)")
    .option(
      '--server <url>',
      'admin API of the running gateway (default: http://{admin.listen} of gateway.yaml); key from GW_ADMIN_KEY',
    )
    .option(
      '-l, --selector <expr>',
      'plan only resources whose labels match (team=search,env!=prod, env in (a,b), env notin (a), team, !team); others are left as they are',
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'output format (markdown: for pull-request comments and $GITHUB_STEP_SUMMARY)',
      )
        .choices(['pretty', 'json', 'markdown'])
        .default('pretty'),
    );
}

function revisionParser(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`a revision number (${min}, ${min + 1}, …)`);
    return n;
  };
}

/** Revisions start at 1. */
export const parseRevision = revisionParser(1);
/** --if-revision 0: only if the gateway was never configured. */
export const parseIfRevision = revisionParser(0);

export function registerApply(program: Command, io: CliIO): void {
  const cmd = program
    .command('apply')
    .argument('[plan]', 'a plan saved by gw diff --out: apply exactly it, refused when the gateway moved since')
    .description(
      'validate, plan, and make the live config equal the files (within --selector) atomically; exit 0 ok, 1 error or refused',
    );
  addPlanOptions(cmd)
    .option(
      '--dry-run',
      'plan and let the gateway check the config, change nothing (gw diff, but exit 0 on changes)',
      false,
    )
    .option(
      '--if-revision <n>',
      'apply only if the live config is still at revision n, 0 for never configured (default: the revision the plan was made against)',
      parseIfRevision,
    )
    .option(
      '-y, --yes',
      'apply deletes without asking (required for deletes when there is no terminal, as in CI)',
      false,
    )
    .action(async (planFile: string | undefined, o: PlanCommandOptions) => {
      const { runPlanCommand, askOnTty } = await import('./apply-run.js');
      const tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
      const mode = {
        command: 'apply',
        dryRun: o.dryRun === true,
        exitTwoOnChanges: false,
        confirm: tty ? askOnTty : undefined,
        planFile,
      } as const;
      io.exit(await runPlanCommand(o, mode, io));
    });
}
