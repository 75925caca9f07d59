// `gw route --key K --model M`: a dry run of the routing decision, no request sent: who the key
// is, where the model goes, allowed or refused (with the code the server would answer), the
// targets in order and the endpoint's policies. Exit 0 when routed, 1 when refused. With
// --server the running gateway answers instead (its table in service), adding what each limit
// and budget that would apply has left right now.
import { createHash } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { jsonOutput } from '../render/json.js';
import { offlineConfig } from '../offline.js';

interface RouteOptions {
  readonly key?: string;
  readonly keyHash?: string;
  readonly model: string;
  readonly config?: string;
  readonly file?: string[];
  readonly server?: string;
  readonly output: 'pretty' | 'json';
}

async function run(o: RouteOptions, io: CliIO): Promise<number> {
  const [{ keyHashHex }, { explainRoute }, { renderRoute }] = await Promise.all([
    import('../../compile/keys.js'),
    import('../../ops/route-explain.js'),
    import('../render/route.js'),
  ]);
  // GW_KEY keeps the key out of shell history, as in the commands `gw curl` prints.
  const key = o.key ?? (o.keyHash === undefined ? process.env.GW_KEY : undefined);
  if ((key === undefined) === (o.keyHash === undefined)) {
    io.err('gw route: give one of --key <key> (or GW_KEY in the environment) and --key-hash sha256:<hex>\n');
    return 1;
  }
  let hex: string | undefined;
  if (key !== undefined) hex = createHash('sha256').update(key, 'utf8').digest('hex');
  else hex = keyHashHex(o.keyHash ?? '');
  if (hex === undefined) {
    io.err(`gw route: --key-hash must be sha256: followed by 64 hex digits\n`);
    return 1;
  }
  if (o.server !== undefined) return live(o, o.server, hex, io);
  const built = await offlineConfig('gw route', o, io);
  if (built === undefined) return 1;
  const x = explainRoute(built.table, hex, o.model, Date.now());
  io.out(o.output === 'json' ? jsonOutput(x) : renderRoute(x));
  return x.allowed ? 0 : 1;
}

async function live(o: RouteOptions, server: string, hex: string, io: CliIO): Promise<number> {
  const [{ createAdminClient }, { renderRoute }, { isGwError }] = await Promise.all([
    import('../admin-client.js'),
    import('../render/route.js'),
    import('../../errors.js'),
  ]);
  const client = createAdminClient({ baseUrl: server, key: process.env.GW_ADMIN_KEY });
  try {
    const x = await client.route(`sha256:${hex}`, o.model);
    io.out(o.output === 'json' ? jsonOutput(x) : renderRoute(x, x.live));
    return x.allowed ? 0 : 1;
  } catch (err) {
    if (!isGwError(err)) throw err;
    io.err(`gw route: ${err.code}: ${err.message}\n`);
    return 1;
  }
}

export function registerRoute(program: Command, io: CliIO): void {
  program
    .command('route')
    .description(
      'dry run: which key, endpoint, targets and policies a chat request would meet; exit 1 if it would be refused',
    )
    .option('--key <key>', 'the caller key as callers send it (default: $GW_KEY)')
    .option('--key-hash <hash>', 'or its hash, sha256:<hex> (as in the ApiKey manifest)')
    .requiredOption('--model <model>', 'the model field: an exposed model name or an endpoint name')
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders, globs or '-' (replaces gateway.yaml's manifests)")
    .option(
      '--server <url>',
      "ask a running gateway's admin API instead (its config in service), with each limit's and budget's remaining count; key from GW_ADMIN_KEY",
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (o: RouteOptions) => {
      io.exit(await run(o, io));
    });
}
