// CLI conventions through the real binary: gw's own version, NO_COLOR / --no-color, environment
// defaults for --config and --server, -l for --selector, and examples in every --help.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BAD = 'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: openai }\nspec: { type: bogus }\n';
const ESC = '\u001b[';

describe('CLI conventions', { concurrency: 2 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-conventions-'));
    // A user's project with its own package.json, run the way `npm run` would run gw.
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'my-gateway', version: '9.9.9' }));
    await writeFile(join(dir, 'bad.yaml'), BAD);
    await writeFile(
      join(dir, 'other.yaml'),
      'apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: other }\nspec:\n  manifests: [bad.yaml]\n',
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("--version prints gw's own version, not the project's under npm run", async () => {
    const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runGw(['--version'], { cwd: dir, env: { npm_package_version: '9.9.9' } });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), own.version);
  });

  test('colours only when wanted: FORCE_COLOR paints, --no-color and NO_COLOR do not', async () => {
    const forced = await runGw(['validate', '-f', 'bad.yaml'], {
      cwd: dir,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    assert.equal(forced.code, 1);
    assert.ok(forced.stdout.includes(ESC), 'FORCE_COLOR=1 paints the diagnostics');
    const flag = await runGw(['validate', '-f', 'bad.yaml', '--no-color'], {
      cwd: dir,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    assert.equal(flag.code, 1);
    assert.match(flag.stdout, /GW_ERR_SCHEMA/);
    assert.ok(!flag.stdout.includes(ESC), flag.stdout);
    const env = await runGw(['validate', '-f', 'bad.yaml'], { cwd: dir, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    assert.match(env.stdout, /GW_ERR_SCHEMA/);
    assert.ok(!env.stdout.includes(ESC), env.stdout);
  });

  test('GW_CONFIG is the default for -c, and -c still wins', async () => {
    const viaEnv = await runGw(['validate'], { cwd: dir, env: { GW_CONFIG: 'other.yaml' } });
    assert.equal(viaEnv.code, 1);
    assert.match(viaEnv.stdout, /bad\.yaml:4:\d+ error GW_ERR_SCHEMA/);
    const help = await runGw(['validate', '--help'], { cwd: dir });
    assert.match(help.stdout, /env: GW_CONFIG/);
  });

  test('GW_SERVER is the default for --server', async () => {
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"down","code":"x"}}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await runGw(['status'], { cwd: dir, env: { GW_SERVER: `http://127.0.0.1:${port}` } });
      assert.notEqual(r.code, 0);
      assert.ok(seen.length > 0 && seen.every((s) => s.includes('/admin/v1/')), seen.join(', '));
      assert.match(r.stderr, /answered 503/);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  test('-l is --selector, and takes set-based terms', async () => {
    const r = await runGw(['diff', '-f', 'bad.yaml', '-l', 'env in (prod'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--selector "env in \(prod": unbalanced parentheses/);
    const help = await runGw(['apply', '--help'], { cwd: dir });
    assert.match(help.stdout, /-l, --selector <expr>/);
  });

  test('every command and subcommand shows examples in --help', async () => {
    const root = await runGw(['--help'], { cwd: dir });
    const names = [...root.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    assert.ok(names.includes('serve') && names.includes('completion'), root.stdout);
    assert.match(root.stdout, /\nExamples:\n {2}\$ gw init/);
    const paths = [...names];
    const keys = await runGw(['keys', '--help'], { cwd: dir });
    for (const m of keys.stdout.matchAll(/^ {2}([a-z][a-z-]*) /gm)) if (m[1] !== 'help') paths.push(`keys ${m[1]}`);
    assert.ok(paths.includes('keys create'));
    for (const p of paths) {
      const help = await runGw([...p.split(' '), '--help'], { cwd: dir, timeoutMs: 60_000 });
      assert.match(help.stdout, new RegExp(`\\nExamples:\\n {2}\\$ gw ${p.split(' ')[0]}`), `gw ${p} --help`);
    }
  });
});
