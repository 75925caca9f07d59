// `gw keys create --name N`: a new caller key, printed once (stderr, so stdout is the manifest
// alone and can be redirected into a file), and the ApiKey YAML holding only its hash.
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import type { CliIO } from '../io.js';

// dist/cli/commands/keys.js and src/cli/commands/keys.ts both sit three levels below the root.
const SCHEMA_FILE = fileURLToPath(new URL('../../../schemas/gw.schema.json', import.meta.url));

/** Choices for --role and --scope. Written out so `gw --help` need not read the schemas; a test
 * keeps them equal to the schema enums (ops/key-manifest.ts ROLES and SCOPES). */
export const ROLE_CHOICES: readonly string[] = ['admin', 'reviewer', 'editor', 'auditor'];
export const SCOPE_CHOICES: readonly string[] = ['chat', 'admin', 'mcp'];

interface KeysCreateOptions {
  readonly name: string;
  readonly workspace?: string;
  readonly role?: string[];
  readonly scope?: string[];
  readonly output: 'yaml' | 'json';
}

/** The modeline path from the current folder, where the YAML is most likely saved. */
function schemaRef(): string {
  const rel = relative(process.cwd(), SCHEMA_FILE);
  return isAbsolute(rel) ? rel : rel.split(sep).join('/');
}

async function create(o: KeysCreateOptions, io: CliIO): Promise<number> {
  const [{ newApiKey, nameProblem }, { generateCallerKey }] = await Promise.all([
    import('../../ops/key-manifest.js'),
    import('../init-template.js'),
  ]);
  for (const [what, value] of [
    ['--name', o.name],
    ['--workspace', o.workspace],
  ] as const) {
    const problem = value === undefined ? undefined : nameProblem(value);
    if (problem !== undefined) {
      io.err(`gw keys create: ${what} ${problem}\n`);
      return 1;
    }
  }
  const k = newApiKey({
    name: o.name,
    workspace: o.workspace,
    roles: o.role,
    scopes: o.scope,
    schemaPath: schemaRef(),
    generated: generateCallerKey(),
  });
  if (o.output === 'json') {
    io.out(JSON.stringify({ key: k.key, keyHash: k.keyHash, manifest: k.manifest }, null, 2) + '\n');
    return 0;
  }
  io.err(`New caller key '${o.name}' (shown only now; gw keeps just its hash):\n\n  ${k.key}\n\n`);
  io.out(k.yaml);
  return 0;
}

export function registerKeys(program: Command, io: CliIO): void {
  const keys = program.command('keys').description('caller keys');
  keys
    .command('create')
    .description('print a new caller key once (stderr) and its ApiKey manifest (stdout)')
    .requiredOption('--name <name>', 'metadata.name of the ApiKey')
    .option('--workspace <workspace>', 'metadata.workspace (default: default)')
    .addOption(new Option('--role <role...>', 'roles (default: editor)').choices(ROLE_CHOICES))
    .addOption(new Option('--scope <scope...>', 'scopes (default: chat)').choices(SCOPE_CHOICES))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (o: KeysCreateOptions) => {
      io.exit(await create(o, io));
    });
}
