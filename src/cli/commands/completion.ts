// `gw completion <shell>`: a completion script for bash, zsh or fish on stdout, built from the
// program's own command tree (so it is registered last, after every other command).
import { Argument, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { SHELLS, completionScript, type Shell } from '../completion.js';

export function registerCompletion(program: Command, io: CliIO): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish) to stdout')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .action((shell: Shell) => {
      io.out(completionScript(program, shell));
      io.exit(0);
    });
}
