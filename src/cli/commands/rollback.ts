// `gw rollback [N] [--server URL]`: the gateway re-applies revision N (default: the one before the
// current) as a new revision; prints what that changed and the new revision.
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { parseRevision } from './apply.js';

interface RollbackOptions {
  readonly server?: string;
  readonly config?: string;
  readonly output: 'pretty' | 'json';
}

async function run(revision: number | undefined, o: RollbackOptions, io: CliIO): Promise<number> {
  const [{ createAdminClient, locateAdmin }, { renderPlanPretty }, { planFromJson }, { isGwError }] = await Promise.all(
    [
      import('../admin-client.js'),
      import('../render/plan.js'),
      import('../render/control.js'),
      import('../../errors.js'),
    ],
  );
  try {
    const client = createAdminClient({ baseUrl: await locateAdmin(o), key: process.env.GW_ADMIN_KEY });
    const res = await client.rollback(revision);
    if (o.output === 'json') {
      io.out(JSON.stringify(res, null, 2) + '\n');
    } else {
      io.out(renderPlanPretty(planFromJson(res.plan)));
      io.out(
        res.applied === false
          ? `Revision ${res.rolledBackTo} is what the gateway serves already; it stays at revision ${res.revision}.\n`
          : `Rolled back to revision ${res.rolledBackTo}: now at revision ${res.revision}.\n`,
      );
    }
    return 0;
  } catch (err) {
    if (!isGwError(err)) throw err;
    if (o.output === 'json')
      io.out(JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2) + '\n');
    io.err(`gw rollback: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

export function registerRollback(program: Command, io: CliIO): void {
  program
    .command('rollback')
    .description('re-apply revision N (default: the one before the current) as a new revision; exit 0, 1 on error')
    .argument('[revision]', 'the revision to go back to', parseRevision)
    .option(
      '--server <url>',
      'admin API of the running gateway (default: http://{admin.listen} of gateway.yaml); key from GW_ADMIN_KEY',
    )
    .option('-c, --config <file>', 'gateway.yaml to read admin.listen from (default ./gateway.yaml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (revision: number | undefined, o: RollbackOptions) => {
      io.exit(await run(revision, o, io));
    });
}
