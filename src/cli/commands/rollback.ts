// `gw rollback [N] [--server URL] [--dry-run] [--if-revision N] [--yes]`: the gateway re-applies
// revision N (default: the one before the current) as a new revision. Like `gw apply`, it plans
// first (the gateway's dry run), prints what would change, asks before a plan that deletes, and
// then rolls back only if the gateway is still at the revision the plan was made against.
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { parseIfRevision, parseRevision } from './apply.js';

interface RollbackOptions {
  readonly server?: string;
  readonly config?: string;
  readonly output: 'pretty' | 'json' | 'markdown';
  readonly dryRun?: boolean;
  readonly ifRevision?: number;
  readonly yes?: boolean;
}

async function run(
  revision: number | undefined,
  o: RollbackOptions,
  io: CliIO,
  confirm: ((q: string) => Promise<boolean>) | undefined,
): Promise<number> {
  const [{ createAdminClient, locateAdmin }, { renderPlanPretty }, { planFromJson }, { GwError, isGwError }, actor] =
    await Promise.all([
      import('../admin-client.js'),
      import('../render/plan.js'),
      import('../render/control.js'),
      import('../../errors.js'),
      import('../actor.js'),
    ]);
  const { renderPlanMarkdown } = await import('../render/markdown.js');
  try {
    const client = createAdminClient({ baseUrl: await locateAdmin(o), key: process.env.GW_ADMIN_KEY });
    // The plan, made by the gateway against the revision it serves now.
    const planned = await client.rollback({
      ...(revision !== undefined ? { revision } : {}),
      dryRun: true,
      ...(o.ifRevision !== undefined ? { ifRevision: o.ifRevision } : {}),
    });
    const plan = planFromJson(planned.plan);
    const empty = plan.changes.length === 0;
    const title = `gw rollback to revision ${planned.rolledBackTo} (${client.baseUrl}, at revision ${planned.revision})`;
    const show = (footer: string, res: unknown): void => {
      if (o.output === 'json') io.out(JSON.stringify(res, null, 2) + '\n');
      else if (o.output === 'markdown') io.out(renderPlanMarkdown(plan, { title, footer }));
      else io.out(renderPlanPretty(plan) + footer + '\n');
    };
    if (empty) {
      show(
        `Revision ${planned.rolledBackTo} is what the gateway serves already; it stays at revision ${planned.revision}.`,
        { ...planned, applied: false },
      );
      return 0;
    }
    if (o.dryRun === true) {
      show(
        `Dry run: nothing was changed; gw rollback ${planned.rolledBackTo} would make a new revision from revision ${planned.rolledBackTo}.`,
        { ...planned, applied: false, dryRun: true },
      );
      return 0;
    }
    const deletes = plan.summary.delete;
    if (deletes > 0 && o.yes !== true) {
      if (o.output === 'pretty') io.out(renderPlanPretty(plan));
      const n = `${deletes} resource${deletes === 1 ? '' : 's'}`;
      const agreed =
        confirm !== undefined
          ? await confirm(`gw rollback: this deletes ${n} from ${client.baseUrl}. Roll back? [y/N] `)
          : false;
      if (!agreed) {
        const why =
          confirm !== undefined
            ? 'not confirmed'
            : 'no terminal to ask on; pass --yes to roll back from scripts and CI';
        throw new GwError('GW_ERR_APPLY_UNCONFIRMED', `the rollback deletes ${n} and was ${why}; nothing was changed`);
      }
    }
    // Exactly that plan: refused (409) if the gateway moved since it was made.
    const res = await client.rollback({
      revision: planned.rolledBackTo,
      ifRevision: planned.revision,
      actor: actor.currentActor(),
    });
    const printedPlan = deletes > 0 && o.yes !== true && o.output === 'pretty';
    const footer =
      res.applied === false
        ? `Revision ${res.rolledBackTo} is what the gateway serves already; it stays at revision ${res.revision}.`
        : `Rolled back to revision ${res.rolledBackTo}: now at revision ${res.revision}.`;
    if (printedPlan) io.out(footer + '\n');
    else show(footer, res);
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
    .description(
      'plan, then re-apply revision N (default: the one before the current) as a new revision; asks before deleting; exit 0, 1 on error or refusal',
    )
    .argument('[revision]', 'the revision to go back to', parseRevision)
    .option(
      '--server <url>',
      'admin API of the running gateway (default: http://{admin.listen} of gateway.yaml); key from GW_ADMIN_KEY',
    )
    .option('-c, --config <file>', 'gateway.yaml to read admin.listen from (default ./gateway.yaml)')
    .option('--dry-run', 'print what the rollback would change; change nothing', false)
    .option('--if-revision <n>', 'roll back only if the gateway is still at revision n', parseIfRevision)
    .option(
      '-y, --yes',
      'roll back without asking when it deletes (required for deletes when there is no terminal, as in CI)',
      false,
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['pretty', 'json', 'markdown']).default('pretty'),
    )
    .action(async (revision: number | undefined, o: RollbackOptions) => {
      const tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
      const confirm = tty ? (await import('./apply-run.js')).askOnTty : undefined;
      io.exit(await run(revision, o, io, confirm));
    });
}
