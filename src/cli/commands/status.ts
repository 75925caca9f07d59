// `gw status [--server URL] [--output json]`: the running gateway's revision and, per endpoint
// over the last hour, RPS, p95 latency, error rate and the last error (GET /admin/v1/status).
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { jsonOutput } from '../render/json.js';

interface StatusOptions {
  readonly server?: string;
  readonly config?: string;
  readonly output: 'pretty' | 'json';
}

async function run(o: StatusOptions, io: CliIO): Promise<number> {
  const [{ createAdminClient, locateAdmin }, { renderStatus }, { isGwError }] = await Promise.all([
    import('../admin-client.js'),
    import('../render/status.js'),
    import('../../errors.js'),
  ]);
  try {
    const client = createAdminClient({ baseUrl: await locateAdmin(o), key: process.env.GW_ADMIN_KEY });
    const s = await client.status();
    io.out(o.output === 'json' ? jsonOutput(s) : renderStatus(s, client.baseUrl));
    return 0;
  } catch (err) {
    if (!isGwError(err)) throw err;
    if (o.output === 'json')
      io.out(JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2) + '\n');
    io.err(`gw status: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

export function registerStatus(program: Command, io: CliIO): void {
  program
    .command('status')
    .description('the running gateway: revision, and per endpoint over the last hour RPS, p95, error rate, last error')
    .option(
      '--server <url>',
      'admin API of the running gateway (default: http://{admin.listen} of gateway.yaml); key from GW_ADMIN_KEY',
    )
    .option('-c, --config <file>', 'gateway.yaml to read admin.listen from (default ./gateway.yaml)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (o: StatusOptions) => {
      io.exit(await run(o, io));
    });
}
