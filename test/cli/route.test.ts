// `gw route` through the real binary: the dry run names the key, the endpoint, the targets in
// order and the policies, and refuses with the codes the server would answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';
import { KEYS, MANIFESTS, sha } from './route-fixture.js';

describe('gw route', { concurrency: 2 }, () => {
  let dir: string;
  const route = (args: string[]): ReturnType<typeof runGw> =>
    runGw(['route', ...args, '-f', 'm.yaml'], {
      cwd: dir,
      env: { GW_ROUTE_TEST_UNSET_SECRET: undefined, GW_KEY: undefined },
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-route-'));
    await writeFile(join(dir, 'm.yaml'), MANIFESTS);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('an allowed key and model: exit 0, the key, the endpoint, targets in order (refs expanded), policies', async () => {
    const r = await route(['--key', KEYS.app, '--model', 'fast']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^key\s+app \(workspace default\) valid$/m);
    assert.match(r.stdout, /^\s+allow\s+endpoints: all the roles allow; models: fast, small$/m);
    assert.match(r.stdout, /^model\s+fast → endpoint support$/m);
    assert.match(r.stdout, /^decision\s+✔ allowed$/m);
    assert.match(r.stdout, /^routing\s+fallback$/m);
    assert.match(r.stdout, /retries\s+2 per target \(backoff 200ms\)/);
    assert.match(r.stdout, /fallback\s+on timeout, 5xx/);
    // Order as declared; the endpoint's 20s timeout applies to every attempt; the ref expands.
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^\s+\d+(\.\d+)*\s/.test(l))
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows, [
      ['1', 'local', 'mock', 'local-fast', '1', '20s', '2'],
      ['2', 'cloud', 'openai', 'gpt-4o-mini', '3', '20s', '2'],
      ['3', 'endpoint', 'backup', 'ref', 'small', '1', '-', '2'],
      ['3.1', 'local', 'mock', 'tiny', '1', '20s', '0'],
    ]);
    assert.match(r.stdout, /limits\s+rpm 60, monthlyBudgetUsd 50/);
    assert.match(r.stdout, /guardrails\s+pii \(input, mask: pii email\) \(enforced\)$/m);
    assert.match(r.stdout, /prompt\s+system "You answer support tickets\."/);
    assert.match(r.stdout, /params\s+temperature 0\.2 \(locked: endpoint values win\)/);
    assert.match(r.stdout, /streaming\s+refused/);
  });

  test('an endpoint name as the model runs as its defaultModel; --key-hash and --output json', async () => {
    const r = await route(['--key-hash', sha(KEYS.app), '--model', 'support', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const x = JSON.parse(r.stdout) as {
      allowed: boolean;
      resolvedModel: string;
      endpoint: { name: string };
      key: { name: string };
      targets: { kind: string }[];
      refusal: unknown;
    };
    assert.equal(x.allowed, true);
    assert.equal(x.refusal, null);
    assert.equal(x.endpoint.name, 'support');
    assert.equal(x.resolvedModel, 'fast');
    assert.equal(x.key.name, 'app');
    assert.deepEqual(
      x.targets.map((t) => t.kind),
      ['provider', 'provider', 'endpoint'],
    );
  });

  test('an unknown key: exit 1 with 401 GW_ERR_AUTH_INVALID_KEY', async () => {
    const r = await route(['--key', 'gw-not-a-key', '--model', 'fast']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^key\s+unknown/m);
    assert.match(r.stdout, /refused: 401 GW_ERR_AUTH_INVALID_KEY/);
  });

  test("a model outside the key's allow list: 403", async () => {
    const model = await route(['--key', KEYS.app, '--model', 'smart']);
    assert.equal(model.code, 1);
    assert.match(model.stdout, /^model\s+smart → endpoint support$/m);
    assert.match(model.stdout, /refused: 403 GW_ERR_AUTH_MODEL model 'smart' is not in the key's allow list/);
    assert.doesNotMatch(model.stdout, /^targets$/m);
  });

  test('an unknown model: exit 1 with 404 and the names the key may use', async () => {
    const r = await route(['--key', KEYS.app, '--model', 'nope']);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /refused: 404 GW_ERR_MODEL_NOT_FOUND model 'nope' does not exist or is disabled; this key may use: backup, fast, small, support/,
    );
  });

  test('no key given: exit 1 with usage help', async () => {
    const r = await route(['--model', 'fast']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /give one of --key/);
  });
});
