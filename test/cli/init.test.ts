// `gw init` through the real binary (`npm run build` first): the starter config validates, the
// printed key matches the stored hash, and existing files are never overwritten without --force.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const GW = join(ROOT, 'bin', 'gw');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function gw(...args: string[]): Promise<Run> {
  return run(process.execPath, [GW, ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

/** The key is printed alone on its line: gw- plus 43 base64url characters (32 bytes). */
function printedKey(stdout: string): string {
  const keys = [...stdout.matchAll(/^\s*(gw-[A-Za-z0-9_-]{43})\s*$/gm)].map((m) => m[1]!);
  assert.equal(keys.length, 1, `expected the key exactly once in:\n${stdout}`);
  return keys[0]!;
}

async function storedHash(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'manifests', 'apikey.yaml'), 'utf8');
  const m = /^\s*keyHash: (sha256:[0-9a-f]{64})\b/m.exec(text);
  assert.ok(m, 'apikey.yaml has no keyHash');
  return m[1]!;
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const p = join(f.parentPath, f.name);
    out.set(p, await readFile(p, 'utf8'));
  }
  return out;
}

describe('gw init', () => {
  let tmp: string;
  let dir: string;
  let first: Run;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gw-init-'));
    dir = join(tmp, 'starter'); // does not exist yet: init creates it
    first = await gw('init', dir);
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('writes gateway.yaml and manifests and exits 0', async () => {
    assert.equal(first.code, 0, first.stderr);
    const files = [...(await snapshot(dir)).keys()]
      .map((p) =>
        p
          .slice(dir.length + 1)
          .split('\\')
          .join('/'),
      )
      .sort();
    assert.deepEqual(files, [
      '.gitignore',
      'gateway.yaml',
      'gw.schema.json',
      'manifests/apikey.yaml',
      'manifests/endpoint.yaml',
      'manifests/provider.yaml',
    ]);
  });

  test('the starter config validates, with -c and with -f', async () => {
    for (const args of [
      ['-c', join(dir, 'gateway.yaml')],
      ['-f', dir],
    ]) {
      const r = await gw('validate', '--output', 'json', ...args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as { summary: { errors: number; warnings: number; resources: number } };
      assert.equal(report.summary.errors, 0);
      assert.equal(report.summary.warnings, 0, r.stdout);
      assert.equal(report.summary.resources, 4); // gateway, provider, endpoint, key
    }
  });

  test('the printed key hashes to the keyHash in the YAML, and the plaintext is in no file', async () => {
    const key = printedKey(first.stdout);
    assert.match(first.stdout, /warning/i);
    assert.equal(await storedHash(dir), `sha256:${createHash('sha256').update(key).digest('hex')}`);
    for (const [file, text] of await snapshot(dir)) assert.ok(!text.includes(key), `${file} holds the plaintext key`);
  });

  test('says honestly how the admin API is protected: loopback without a key, GW_ADMIN_KEY of 32+ characters to require one', async () => {
    assert.match(first.stdout, /Admin API .*127\.0\.0\.1:4001, loopback only and without a key/);
    assert.match(first.stdout, /refuses requests from web pages/);
    assert.match(first.stdout, /GW_ADMIN_KEY with at least 32 characters/);
    const yaml = (await snapshot(dir)).get(join(dir, 'gateway.yaml')) ?? '';
    assert.match(yaml, /key: \$\{env:GW_ADMIN_KEY:-\} +# admin key \(32\+ characters\)/);
  });

  test('every field carries a comment, and the schema modeline resolves', async () => {
    for (const [file, text] of await snapshot(dir)) {
      if (!file.endsWith('.yaml')) continue;
      const modeline = /^# yaml-language-server: \$schema=(\S+gw\.schema\.json)$/m.exec(text);
      assert.ok(modeline, `${file} has no schema modeline`);
      assert.ok((await stat(resolve(dirname(file), modeline[1]!))).isFile(), `${file}: ${modeline[1]} does not exist`);
      for (const line of text.split('\n')) {
        // scalar fields (key: value) must explain themselves; parents and list items may not
        if (/^\s*[A-Za-z]+: \S/.test(line) && !/^(apiVersion|kind):/.test(line))
          assert.match(line, /#/, `${file}: ${line}`);
      }
    }
  });

  test('a second init without --force exits 1, names the file, and changes nothing', async () => {
    const before = await snapshot(dir);
    const r = await gw('init', dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /GW_ERR_INIT_EXISTS/);
    assert.ok(r.stderr.includes(join(dir, 'gateway.yaml')), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stdout, /gw-[A-Za-z0-9_-]{43}/, 'no key printed');
    assert.deepEqual(await snapshot(dir), before);
  });

  test('one existing file is enough to refuse, and none of the others is written', async () => {
    const other = join(tmp, 'partial');
    await gw('init', other);
    await rm(join(other, 'gateway.yaml'));
    await rm(join(other, 'manifests', 'endpoint.yaml'));
    await writeFile(join(other, 'manifests', 'apikey.yaml'), 'mine\n');
    const r = await gw('init', other);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(join(other, 'manifests', 'apikey.yaml')), r.stderr);
    assert.deepEqual([...(await snapshot(other)).keys()].map((p) => p.slice(other.length + 1)).sort(), [
      '.gitignore',
      'gw.schema.json',
      join('manifests', 'apikey.yaml'),
      join('manifests', 'provider.yaml'),
    ]);
  });

  test('a target below a file fails with a coded message, not a stack trace', async () => {
    const file = join(tmp, 'plain-file');
    await writeFile(file, 'x');
    const r = await gw('init', join(file, 'sub'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /GW_ERR_INIT_WRITE/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('--force overwrites with a fresh key that still validates', async () => {
    const oldHash = await storedHash(dir);
    const r = await gw('init', dir, '--force');
    assert.equal(r.code, 0, r.stderr);
    const key = printedKey(r.stdout);
    const hash = await storedHash(dir);
    assert.notEqual(hash, oldHash);
    assert.equal(hash, `sha256:${createHash('sha256').update(key).digest('hex')}`);
    const v = await gw('validate', '-c', join(dir, 'gateway.yaml'));
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
