// `gw usage [--since 24h] [--by key|endpoint|model]`: requests, errors, tokens, cost and latency
// percentiles per group from the SQLite usage log named by gateway.yaml storage.sqlite.
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { jsonOutput } from '../render/json.js';
import { offlineConfig } from '../offline.js';

interface UsageOptions {
  readonly since: string;
  readonly by: 'key' | 'endpoint' | 'model';
  readonly config?: string;
  readonly file?: string[];
  readonly output: 'pretty' | 'json';
}

async function run(o: UsageOptions, io: CliIO): Promise<number> {
  const [{ budgetsOf, parseSince, usageReport }, { renderUsage }] = await Promise.all([
    import('../../ops/usage-report.js'),
    import('../render/usage.js'),
  ]);
  const sinceMs = parseSince(o.since, Date.now());
  if (sinceMs === undefined) {
    io.err(`gw usage: --since '${o.since}' is neither a duration (30m, 24h, 7d, 2w) nor an ISO time\n`);
    return 1;
  }
  const built = await offlineConfig('gw usage', o, io);
  if (built === undefined) return 1;
  const report = await usageReport(built.settings.storage.sqlitePath, {
    sinceMs,
    by: o.by,
    budgets: budgetsOf(built.table),
  });
  io.out(o.output === 'json' ? jsonOutput(report) : renderUsage(report));
  return 0;
}

export function registerUsage(program: Command, io: CliIO): void {
  program
    .command('usage')
    .description(
      'requests, errors, tokens, cost and p50/p95 latency per key, endpoint or model, from the SQLite usage log',
    )
    .option('--since <when>', 'window start: a duration back from now (30m, 24h, 7d, 2w) or an ISO time', '24h')
    .addOption(new Option('--by <group>', 'group rows by').choices(['key', 'endpoint', 'model']).default('key'))
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders, globs or '-' (replaces gateway.yaml's manifests)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (o: UsageOptions) => {
      io.exit(await run(o, io));
    });
}
