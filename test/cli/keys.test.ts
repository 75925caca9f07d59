// `gw keys create` through the real binary: the key is printed once, the manifest holds its
// hash, and the printed YAML validates as it stands.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runGw } from '../helpers/gw.js';

const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

describe('gw keys create', { concurrency: 2 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-keys-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('prints the key once (stderr) and YAML (stdout) that validates from stdin; the key hashes to keyHash', async () => {
    const r = await runGw(
      [
        'keys',
        'create',
        '--name',
        'ci-bot',
        '--workspace',
        'team-a',
        '--role',
        'editor',
        'auditor',
        '--scope',
        'chat',
        'mcp',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const key = /\b(gw-[A-Za-z0-9_-]{20,})\b/.exec(r.stderr)?.[1];
    assert.ok(key !== undefined, r.stderr);
    assert.ok(!r.stdout.includes(key), 'the plaintext never enters the manifest');
    assert.match(r.stdout, /^# yaml-language-server: \$schema=\S+gw\.schema\.json$/m);
    const doc = parse(r.stdout) as {
      kind: string;
      metadata: { name: string; workspace: string };
      spec: { keyHash: string; roles: string[]; scopes: string[] };
    };
    assert.equal(doc.kind, 'ApiKey');
    assert.deepEqual(doc.metadata, { name: 'ci-bot', workspace: 'team-a' });
    assert.equal(doc.spec.keyHash, sha(key));
    assert.deepEqual(doc.spec.roles, ['editor', 'auditor']);
    assert.deepEqual(doc.spec.scopes, ['chat', 'mcp']);
    const v = await runGw(['validate', '-f', '-'], { cwd: dir, input: r.stdout });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /valid: 1 resource/);
  });

  test('defaults: role editor, scope chat; --output json gives key, keyHash and manifest; keys differ per run', async () => {
    const [a, b] = await Promise.all([
      runGw(['keys', 'create', '--name', 'app', '-o', 'json'], { cwd: dir }),
      runGw(['keys', 'create', '--name', 'app', '-o', 'json'], { cwd: dir }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    const ja = JSON.parse(a.stdout) as {
      key: string;
      keyHash: string;
      manifest: { metadata: { name: string }; spec: { keyHash: string; roles: string[]; scopes: string[] } };
    };
    const jb = JSON.parse(b.stdout) as { key: string };
    assert.equal(ja.keyHash, sha(ja.key));
    assert.equal(ja.manifest.spec.keyHash, ja.keyHash);
    assert.deepEqual(ja.manifest.spec.roles, ['editor']);
    assert.deepEqual(ja.manifest.spec.scopes, ['chat']);
    assert.notEqual(ja.key, jb.key);
  });

  test('a name outside the name pattern: exit 1 with a clear message, no key printed', async () => {
    const r = await runGw(['keys', 'create', '--name', 'Bad_Name'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--name 'Bad_Name' is not a valid name: use 2-63 lowercase letters, digits and '-'/);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /gw-[A-Za-z0-9_-]{20,}/);
  });

  test('an unknown role is refused by the option parser: exit 1', async () => {
    const r = await runGw(['keys', 'create', '--name', 'ok-name', '--role', 'owner'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /owner/);
  });
});
