// scripts/test-on-node.sh, which CI runs for Node 24: when that Node.js cannot be fetched it stops
// with its own message and a non-zero exit, before it touches the checkout's better-sqlite3 build.
// (The path that works is what CI runs: the suite on Node 24.) The registry is a closed port on
// 127.0.0.1 here, so nothing leaves the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/gw.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'test-on-node.sh');
const ADDON = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)('bash', [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
  );
}

test('a Node.js that cannot be fetched fails the run with a message naming it, the addon untouched', async () => {
  const before = readFileSync(ADDON);
  const registry = `http://127.0.0.1:${await freePort()}/`;
  const r = await run(['99', 'test/imports.test.ts'], { npm_config_registry: registry, npm_config_fetch_retries: '0' });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /test-on-node: could not get Node\.js 99 from the npm registry/);
  assert.ok(readFileSync(ADDON).equals(before));
});

test('without a major version it says how to call it', async () => {
  const r = await run([]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /usage: scripts\/test-on-node\.sh MAJOR/);
});
