// `gw curl <endpoint> [--model M] [--key K]`: prints a ready curl command for the endpoint's
// Service URL on the proxy listener (and, for an endpoint with mcp.expose, the MCP client config
// of its workspace's MCP server). The key defaults to the shell variable GW_KEY, so the printed
// command holds no secret unless one is given.
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';
import { offlineConfig } from '../offline.js';

interface CurlOptions {
  readonly model?: string;
  readonly key?: string;
  readonly workspace?: string;
  readonly config?: string;
  readonly file?: string[];
  readonly output: 'pretty' | 'json';
}

async function run(endpoint: string, o: CurlOptions, io: CliIO): Promise<number> {
  const { curlCommand } = await import('../../ops/curl-command.js');
  const built = await offlineConfig('gw curl', o, io);
  if (built === undefined) return 1;
  const r = curlCommand(built.table, built.settings.proxy, {
    endpoint,
    workspace: o.workspace,
    model: o.model,
    key: o.key,
  });
  if (!r.ok) {
    io.err(`gw curl: ${r.message}\n`);
    return 1;
  }
  if (o.output === 'json') io.out(JSON.stringify(r.curl, null, 2) + '\n');
  else {
    io.out(r.curl.command + '\n');
    if (r.curl.simple !== null) io.out(`\n# or through the simple API:\n${r.curl.simple.command}\n`);
    const mcp = r.curl.mcp;
    if (mcp !== null) {
      io.out(
        `\n# or as the MCP tool '${mcp.tool}' (the key needs the mcp scope); MCP client config:\n` +
          `${JSON.stringify(mcp.config, null, 2)}\n`,
      );
    }
  }
  return 0;
}

export function registerCurl(program: Command, io: CliIO): void {
  program
    .command('curl')
    .description("print a ready curl command for an endpoint's Service URL")
    .argument('<endpoint>', 'endpoint name')
    .option('--model <model>', 'model in the body (default: the endpoint defaultModel, else its first model)')
    .option('--key <key>', 'caller key to put in the command (default: the shell variable $GW_KEY)')
    .option('--workspace <workspace>', 'workspace of the endpoint, when the name is in several')
    .option('-c, --config <file>', 'gateway.yaml to read (default ./gateway.yaml)')
    .option('-f, --file <path...>', "manifest files, folders, globs or '-' (replaces gateway.yaml's manifests)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (endpoint: string, o: CurlOptions) => {
      io.exit(await run(endpoint, o, io));
    });
}
