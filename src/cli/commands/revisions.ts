// `gw revisions [--limit N]`: the running gateway's config history, newest first: number, hash,
// source, who applied it, when, and what it changed against the one before. `gw revisions show N`:
// the plan of N against N-1 (GET /admin/v1/revisions/diff), as gw diff prints plans.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { parseRevision } from './apply.js';

interface RevisionsOptions {
  readonly server?: string;
  readonly config?: string;
  readonly output: 'pretty' | 'json' | 'markdown';
  readonly limit?: number;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError('a number from 1 to 1000');
  return n;
}

async function client(o: RevisionsOptions) {
  const { createAdminClient, locateAdmin } = await import('../admin-client.js');
  return createAdminClient({ baseUrl: await locateAdmin(o), key: process.env.GW_ADMIN_KEY });
}

async function failed(err: unknown, what: string, o: RevisionsOptions, io: CliIO): Promise<number> {
  const { isGwError } = await import('../../errors.js');
  if (!isGwError(err)) throw err;
  if (o.output === 'json') io.out(JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2) + '\n');
  io.err(`gw ${what}: ${err.code}: ${err.message}\n`);
  return 1;
}

async function list(o: RevisionsOptions, io: CliIO): Promise<number> {
  try {
    const c = await client(o);
    const res = await c.revisions(o.limit);
    if (o.output === 'json') {
      io.out(JSON.stringify(res, null, 2) + '\n');
      return 0;
    }
    const { renderRevisions } = await import('../render/revisions.js');
    io.out(renderRevisions(res.revisions, c.baseUrl));
    return 0;
  } catch (err) {
    return failed(err, 'revisions', o, io);
  }
}

async function show(n: number, o: RevisionsOptions, io: CliIO): Promise<number> {
  try {
    const c = await client(o);
    const res = await c.revisionDiff(n);
    if (o.output === 'json') {
      io.out(JSON.stringify(res, null, 2) + '\n');
      return 0;
    }
    const [{ renderPlanPretty }, { planFromJson }, { renderPlanMarkdown }] = await Promise.all([
      import('../render/plan.js'),
      import('../render/control.js'),
      import('../render/markdown.js'),
    ]);
    const against = res.previous === null ? 'the first revision' : `against revision ${res.previous}`;
    const head = `Revision ${res.revision} (${res.source}, ${res.appliedAt}), ${against}:`;
    const plan = planFromJson(res.diff);
    io.out(
      o.output === 'markdown'
        ? renderPlanMarkdown(plan, {
            title: `gw revision ${res.revision} (${res.source}, ${res.appliedAt}) ${against}`,
          })
        : `${head}\n${renderPlanPretty(plan)}`,
    );
    return 0;
  } catch (err) {
    return failed(err, 'revisions show', o, io);
  }
}

function common(cmd: Command, formats: readonly string[]): Command {
  return cmd
    .option(
      '--server <url>',
      'admin API of the running gateway (default: http://{admin.listen} of gateway.yaml); key from GW_ADMIN_KEY',
    )
    .option('-c, --config <file>', 'gateway.yaml to read admin.listen from (default ./gateway.yaml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...formats]).default('pretty'));
}

export function registerRevisions(program: Command, io: CliIO): void {
  const cmd = program
    .command('revisions')
    .description(
      'the config history of the running gateway, newest first: number, hash, source, who, when, what changed',
    );
  common(cmd, ['pretty', 'json'])
    .option('--limit <n>', 'how many revisions (1-1000, default 50)', parseLimit)
    .action(async (o: RevisionsOptions) => {
      io.exit(await list(o, io));
    });
  common(
    cmd
      .command('show')
      .description('what revision N changed against the one before it, as gw diff prints a plan')
      .argument('<revision>', 'the revision number', parseRevision),
    ['pretty', 'json', 'markdown'],
  ).action(async (n: number, o: RevisionsOptions) => {
    io.exit(await show(n, o, io));
  });
}
