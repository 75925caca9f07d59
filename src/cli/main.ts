// Builds the commander program; the only place that decides exit codes.
import { Command, CommanderError } from 'commander';
import { isGwError } from '../errors.js';
import type { CliIO } from './io.js';
import { registerInit } from './commands/init.js';
import { registerServe } from './commands/serve.js';
import { registerValidate } from './commands/validate.js';
import { registerTestConnection } from './commands/test-connection.js';
import { registerKeys } from './commands/keys.js';
import { registerRoute } from './commands/route.js';
import { registerUsage } from './commands/usage.js';
import { registerCurl } from './commands/curl.js';
import { registerDiff } from './commands/diff.js';
import { registerApply } from './commands/apply.js';
import { registerRollback } from './commands/rollback.js';
import { registerStatus } from './commands/status.js';
import { registerRevisions } from './commands/revisions.js';
import { registerExport } from './commands/export.js';
import { registerSchema } from './commands/schema.js';
import { registerCompletion } from './commands/completion.js';
import { applyConventions, ownVersion } from './conventions.js';

export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const io: CliIO = {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    exit: (c) => void (code = c),
  };
  const program = new Command('gw')
    .description('gw: a declarative, config-as-code AI gateway')
    .version(ownVersion())
    .exitOverride()
    .showHelpAfterError();
  registerInit(program, io);
  registerValidate(program, io);
  registerServe(program, io);
  registerTestConnection(program, io);
  registerKeys(program, io);
  registerRoute(program, io);
  registerUsage(program, io);
  registerCurl(program, io);
  registerDiff(program, io);
  registerApply(program, io);
  registerRollback(program, io);
  registerStatus(program, io);
  registerRevisions(program, io);
  registerExport(program, io);
  registerSchema(program, io);
  // Last: completion and the conventions walk the finished command tree.
  registerCompletion(program, io);
  applyConventions(program, argv);
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (isGwError(err)) {
      io.err(`gw: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  return code;
}
