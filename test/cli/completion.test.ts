// `gw completion <shell>` through the real binary: the bash script is loaded into a real bash
// and asked for completions the way bash asks (COMP_WORDS/COMP_CWORD); zsh reuses it through
// bashcompinit; fish gets `complete` lines per command and flag.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runGw } from '../helpers/gw.js';

const exec = promisify(execFile);

describe('gw completion', () => {
  let bashScript: string;
  before(async () => {
    const r = await runGw(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    bashScript = r.stdout;
  });

  /** What bash offers after the words typed (the last one is the word being completed). */
  async function complete(...words: string[]): Promise<string[]> {
    const array = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    const program = `${bashScript}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _gw; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await exec('bash', ['-c', program]);
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  test('bash: commands, subcommands, flags and flag values', async () => {
    const top = await complete('gw', '');
    for (const c of ['init', 'validate', 'serve', 'apply', 'diff', 'usage', 'keys', 'completion', '--version'])
      assert.ok(top.includes(c), `${c} in ${top.join(' ')}`);
    assert.ok(!top.includes('help'));
    assert.deepEqual(await complete('gw', 'te'), ['test-connection']);
    assert.deepEqual(await complete('gw', 'keys', ''), ['create', '--help']);
    assert.deepEqual(await complete('gw', 'usage', '--by', ''), ['key', 'endpoint', 'model']);
    assert.deepEqual(await complete('gw', 'completion', ''), ['bash', 'zsh', 'fish', '--help']);
    // Flags after other flags and their values; -c's value is left to file completion.
    const flags = await complete('gw', 'apply', '-c', 'gw.yaml', '-l', 'team=a', '--if');
    assert.deepEqual(flags, ['--if-revision']);
    assert.deepEqual(await complete('gw', 'serve', '-c', ''), []);
    assert.ok((await complete('gw', 'test-connection', '--')).includes('--chat'));
  });

  test('zsh: the same function through bashcompinit, without zsh special names', async () => {
    const r = await runGw(['completion', 'zsh']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^autoload -U \+X bashcompinit && bashcompinit$/m);
    assert.match(r.stdout, /^complete -o default -F _gw gw$/m);
    assert.doesNotMatch(r.stdout, /\blocal [^\n]*\b(path|words)\b/);
  });

  test('fish: a complete line per command and flag, with choices', async () => {
    const r = await runGw(['completion', 'fish']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^complete -c gw -n '__fish_use_subcommand' -a 'serve' -d '/m);
    assert.match(
      r.stdout,
      /^complete -c gw -n '__fish_seen_subcommand_from usage' -l by -x -a 'key endpoint model' -d /m,
    );
    assert.match(r.stdout, /^complete -c gw -n '__fish_seen_subcommand_from apply' -s l -l selector -r -F -d /m);
    assert.match(
      r.stdout,
      /^complete -c gw -n '__fish_seen_subcommand_from keys; and not __fish_seen_subcommand_from create' -a 'create'/m,
    );
  });

  test('an unknown shell: exit 1 naming the choices', async () => {
    const r = await runGw(['completion', 'tcsh']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Allowed choices are bash, zsh, fish/);
  });
});
