// `gw test-connection [name…]`: probes providers from the manifests alone (no server needed):
// status, latency, model count, mapped models the upstream does not list. Exit 1 when any
// probe fails; a missing model is only a warning.
import { Option, type Command } from 'commander';
import type { CompiledProvider } from '../../compile/routing-table.js';
import type { CliIO } from '../io.js';
import { jsonOutput } from '../render/json.js';
import { offlineConfig } from '../offline.js';

interface TestConnectionOptions {
  readonly config?: string;
  readonly file?: string[];
  readonly output: 'pretty' | 'json';
  readonly timeout: string;
  readonly chat: boolean;
}

/** Providers by name, or "workspace/name"; unknown names come back separately. */
function pick(
  all: readonly CompiledProvider[],
  names: readonly string[],
): { found: CompiledProvider[]; unknown: string[] } {
  if (names.length === 0) return { found: [...all], unknown: [] };
  const found: CompiledProvider[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const hits = all.filter((p) => p.id === n || p.name === n);
    if (hits.length === 0) unknown.push(n);
    for (const h of hits) if (!found.includes(h)) found.push(h);
  }
  return { found, unknown };
}

async function run(names: string[], o: TestConnectionOptions, io: CliIO): Promise<number> {
  const [{ parseDuration }, { probeProviders }, { renderProbes, providerLabel }] = await Promise.all([
    import('../../util/duration.js'),
    import('../../ops/probe.js'),
    import('../render/probe.js'),
  ]);
  const timeoutMs = parseDuration(o.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    io.err(`gw test-connection: --timeout '${o.timeout}' is not a duration (e.g. 500ms, 10s)\n`);
    return 1;
  }
  // Built offline so one provider's unset secret does not stop probing the others.
  const built = await offlineConfig('gw test-connection', o, io);
  if (built === undefined) return 1;
  // Proxy endpoints too: each may carry its own baseUrl, auth, headers and TLS.
  const { proxyProbeTarget } = await import('../../ops/probe.js');
  const all = [...built.table.providers.values()];
  for (const ws of built.table.workspaces.values())
    for (const ep of ws.endpoints.values()) if (ep.type === 'proxy') all.push(proxyProbeTarget(ep));
  const { found, unknown } = pick(all, names);
  if (unknown.length > 0) {
    const defined = all.map(providerLabel).sort();
    const { closest } = await import('../../manifest/semantic/names.js');
    const named = unknown.map((n) => {
      const c = closest(n, new Set(all.flatMap((p) => [p.name, p.id])));
      return c === undefined ? n : `${n} (did you mean ${c}?)`;
    });
    io.err(
      `gw test-connection: unknown provider${unknown.length === 1 ? '' : 's'} ${named.join(', ')}; defined: ${defined.length > 0 ? defined.join(', ') : '(none)'}\n`,
    );
    return 1;
  }
  if (found.length === 0) io.err('gw test-connection: no providers are defined\n');
  const results = await probeProviders(built.table, found, { timeoutMs, unsetEnv: built.placeholders, chat: o.chat });
  const ok = results.every((r) => r.ok);
  io.out(o.output === 'json' ? jsonOutput({ ok, providers: results }) : renderProbes(results));
  return ok ? 0 : 1;
}

export function registerTestConnection(program: Command, io: CliIO): void {
  program
    .command('test-connection')
    .description(
      'probe providers (all by default): status, latency, model count, mapped models missing upstream; exit 1 if any fails',
    )
    .argument('[name...]', 'provider or proxy endpoint names (or workspace/name)')
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders, globs or '-' (replaces gateway.yaml's manifests)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--timeout <duration>', 'per probe: connect, headers and body', '10s')
    .option(
      '--chat',
      'also a one-token chat completion per mapped model (billed); providers whose API lists no models (bedrock) are skipped without it',
      false,
    )
    .action(async (names: string[], o: TestConnectionOptions) => {
      io.exit(await run(names, o, io));
    });
}
