// `gw init` as a new user meets it: init, commit, clone elsewhere, then run the printed next
// steps (with gw on PATH) in the clone: it validates, serves on the --port given, the schema
// modelines resolve inside the clone, and serving leaves the clone clean for Git.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort, GW_BIN, runGw, startServe } from '../helpers/gw.js';

const exec = promisify(execFile);

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

/** A port P with P+1 free too: init's proxy and admin ports. */
async function portPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65534 && (await portFree(p + 1))) return p;
  }
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd });
  return r.stdout;
}

describe('gw init, committed and cloned', () => {
  let tmp: string;
  let clone: string;
  let port: number;
  let printed: string;
  let env: Record<string, string>;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gw-init-clone-'));
    // gw on PATH, as the README's install step puts it there.
    const bin = join(tmp, 'bin');
    await mkdir(bin);
    await symlink(GW_BIN, join(bin, 'gw'));
    env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    port = await portPair();
    const init = await runGw(['init', 'my-gateway', '--port', String(port)], { cwd: tmp });
    assert.equal(init.code, 0, init.stderr);
    printed = init.stdout;
    const project = join(tmp, 'my-gateway');
    await git(project, 'init', '-q');
    await git(project, 'add', '.');
    await git(project, 'commit', '-q', '-m', 'gw init');
    clone = join(tmp, 'elsewhere', 'my-gateway');
    await mkdir(dirname(clone), { recursive: true });
    await git(tmp, 'clone', '-q', project, clone);
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  test('the printed next steps run as printed in the clone', async () => {
    const next = printed.slice(printed.indexOf('Next'));
    const steps = next
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l.startsWith('cd ') || l.startsWith('gw '));
    assert.deepEqual(steps, ['cd my-gateway', 'gw validate', 'gw serve']);
    // The clone lives elsewhere: `cd` into it, then the gw lines exactly as printed.
    const r = await exec('sh', ['-c', `cd ${clone} && ${steps[1]}`], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    assert.match(r.stdout, /valid: 4 resources in 4 files/);
    assert.match(next, new RegExp(`curl http://127\\.0\\.0\\.1:${port}/v1/chat/completions`));
  });

  test('the clone serves on --port (admin on the next port) and answers with the printed key', async () => {
    const key = /^\s*(gw-[A-Za-z0-9_-]{43})\s*$/m.exec(printed)?.[1];
    assert.ok(key);
    const gw = await startServe(clone, { proxy: port, admin: port + 1 }, env);
    try {
      const res = await fetch(`${gw.proxyUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { choices: { message: { content: string } }[] };
      assert.equal(body.choices[0]?.message.content, 'mock reply: hi');
      const health = await fetch(`${gw.adminUrl}/metrics`);
      assert.equal(health.status, 200);
      await health.arrayBuffer();
    } finally {
      assert.equal(await gw.stop(), 0);
    }
    // The SQLite file was written under .gw/, which the generated .gitignore keeps out of Git.
    assert.ok((await stat(join(clone, '.gw', 'gw.db'))).isFile());
    assert.equal(await git(clone, 'status', '--porcelain'), '');
  });

  test('the $schema modelines resolve inside the clone, to the schema gw validates with', async () => {
    const files = ['gateway.yaml', 'manifests/provider.yaml', 'manifests/endpoint.yaml', 'manifests/apikey.yaml'];
    const bundled = await readFile(join(dirname(GW_BIN), '..', 'schemas', 'gw.schema.json'), 'utf8');
    for (const f of files) {
      const text = await readFile(join(clone, f), 'utf8');
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
      assert.ok(ref !== undefined && !ref.startsWith('/'), `${f}: ${ref}`);
      const target = resolve(dirname(join(clone, f)), ref);
      assert.ok(target.startsWith(clone), `${f}: ${ref} points outside the project`);
      assert.equal(await readFile(target, 'utf8'), bundled);
    }
    const schema = await runGw(['schema'], { cwd: clone });
    assert.equal(schema.stdout, bundled);
  });
});
