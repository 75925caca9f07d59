// What every command shares, applied once to the finished command tree so the command files stay
// about their own flags: gw's own version, colour switches, environment defaults for the common
// flags, and an "Examples:" section in each --help.
import { createRequire } from 'node:module';
import chalk from 'chalk';
import type { Command } from 'commander';

/** gw's own package.json (dist/cli/ and src/cli/ both sit two levels below it), never the cwd's. */
export function ownVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** Flags whose default comes from the environment; GW_ADMIN_KEY has no flag (argv is visible in ps). */
const ENV_DEFAULTS: Readonly<Record<string, string>> = {
  '--server': 'GW_SERVER',
  '--config': 'GW_CONFIG',
};

/** By command path ("keys create"); a test checks that every command has some. */
const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  '': ['gw init my-gateway && cd my-gateway', 'gw validate && gw serve --watch', 'gw diff', 'gw apply --yes'],
  init: ['gw init my-gateway', 'gw init my-gateway --port 8080', 'gw init . --force'],
  validate: ['gw validate', 'gw validate -c deploy/gateway.yaml', 'gw validate -f manifests/ -o json'],
  serve: ['gw serve', 'gw serve -c deploy/gateway.yaml --watch', 'GW_CONFIG=deploy/gateway.yaml gw serve'],
  'test-connection': ['gw test-connection', 'gw test-connection openai --chat', 'gw test-connection -o json'],
  keys: ['gw keys create --name ci-bot'],
  'keys create': ['gw keys create --name ci-bot > manifests/ci-bot.yaml'],
  route: [
    'gw route --key "$GW_KEY" --model fast',
    'gw route --key-hash sha256:… --model chat --server http://127.0.0.1:3001',
  ],
  usage: ['gw usage', 'gw usage --since 2w --by model', 'gw usage --since 2026-01-01T00:00:00Z -o json'],
  curl: ['gw curl chat', 'gw curl chat --key "$GW_KEY"'],
  diff: [
    'gw diff',
    'gw diff -l team=search',
    'GW_SERVER=http://gw.internal:3001 gw diff -o json',
    'gw diff --out plan.json -o markdown',
  ],
  apply: [
    'gw apply',
    'gw apply --yes --if-revision 7',
    "gw apply -l 'env in (prod,staging),!experimental'",
    'gw apply plan.json --yes',
  ],
  rollback: [
    'gw rollback --dry-run',
    'gw rollback 6 --yes --if-revision 9',
    'gw rollback --server http://127.0.0.1:3001',
  ],
  revisions: ['gw revisions', 'gw revisions --limit 10 -o json'],
  'revisions show': ['gw revisions show 7', 'gw revisions show 7 -o markdown >> "$GITHUB_STEP_SUMMARY"'],
  export: ['gw export', 'gw export --out manifests/ --force'],
  status: ['gw status', 'gw status -o json'],
  completion: [
    'gw completion bash > ~/.local/share/bash-completion/completions/gw',
    "echo 'source <(gw completion zsh)' >> ~/.zshrc",
    'gw completion fish > ~/.config/fish/completions/gw.fish',
  ],
  schema: ['gw schema > gw.schema.json', 'gw schema --write gw.schema.json'],
};

export function examplesFor(path: string): readonly string[] | undefined {
  return EXAMPLES[path];
}

/** Every command below the root, depth first, with its path ("keys create"). */
export function walkCommands(root: Command): { path: string; cmd: Command }[] {
  const out: { path: string; cmd: Command }[] = [];
  const visit = (cmd: Command, prefix: string): void => {
    for (const sub of cmd.commands) {
      const path = prefix === '' ? sub.name() : `${prefix} ${sub.name()}`;
      out.push({ path, cmd: sub });
      visit(sub, path);
    }
  };
  visit(root, '');
  return out;
}

/** NO_COLOR (any non-empty value, per no-color.org) or --no-color anywhere on the line. */
export function colorWanted(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return !((env.NO_COLOR ?? '') !== '' || argv.includes('--no-color'));
}

/** Call after every command is registered. */
export function applyConventions(program: Command, argv: readonly string[]): void {
  if (!colorWanted(argv, process.env)) chalk.level = 0;
  program.option('--no-color', 'plain output without colours (also NO_COLOR=1)');
  for (const { path, cmd } of [{ path: '', cmd: program }, ...walkCommands(program)]) {
    for (const opt of path === '' ? [] : cmd.options) {
      const env = opt.long === undefined ? undefined : ENV_DEFAULTS[opt.long];
      if (env === undefined || opt.envVar !== undefined) continue;
      // Option.env() after the option was added only labels --help; the value is set here.
      opt.env(env);
      cmd.hook('preAction', () => {
        const value = process.env[env];
        const key = opt.attributeName();
        if (value !== undefined && value !== '' && cmd.getOptionValue(key) === undefined)
          cmd.setOptionValueWithSource(key, value, 'env');
      });
    }
    const examples = EXAMPLES[path];
    if (examples !== undefined)
      cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
}
