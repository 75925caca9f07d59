// `gw validate` through the real binary: exit codes, the three output formats, stdin.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';

const GOOD = `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: http://127.0.0.1:9/v1
  auth: { bearer: sk-literal-secret-value }
`;
const BAD = `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: http://127.0.0.1:9/v1
  timeout: soon
`;

describe('gw validate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-validate-'));
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'bad.yaml'), BAD);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('valid manifests exit 0 with a summary; a literal secret is a warning', async () => {
    const r = await runGw(['validate', '-f', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /good\.yaml:7:\d+ warning GW_ERR_LITERAL_SECRET/);
    assert.match(r.stdout, /valid: 1 resource in 1 file, 1 warning/);
  });

  test('--strict turns the warning into an error: exit 1', async () => {
    const r = await runGw(['validate', '--strict', '-f', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /good\.yaml:7:\d+ error GW_ERR_LITERAL_SECRET/);
  });

  test('invalid manifests exit 1 and name file:line:col, code and path', async () => {
    const r = await runGw(['validate', '-f', 'bad.yaml', 'good.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /bad\.yaml:7:12 error GW_ERR_SCHEMA spec\.timeout "soon" is not valid/);
    assert.match(r.stdout, /1 error, 1 warning/);
  });

  test('--output json is parseable and carries every diagnostic', async () => {
    const r = await runGw(['validate', '-o', 'json', '-f', 'bad.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      summary: { errors: number; files: number };
      diagnostics: { code: string; line: number; path: string }[];
    };
    assert.equal(out.valid, false);
    assert.equal(out.summary.errors, 1);
    assert.deepEqual(
      out.diagnostics.map((d) => [d.code, d.line, d.path]),
      [['GW_ERR_SCHEMA', 7, 'spec.timeout']],
    );
  });

  test('--output github writes workflow annotations', async () => {
    const r = await runGw(['validate', '-o', 'github', '-f', 'bad.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^::error file=bad\.yaml,line=7,col=12,title=GW_ERR_SCHEMA::spec\.timeout/m);
  });

  test("'-' reads manifests from standard input", async () => {
    const r = await runGw(['validate', '-f', '-'], { cwd: dir, input: BAD });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^-:7:12 error GW_ERR_SCHEMA/m);
  });

  test('no gateway.yaml and no -f: a clear error, exit 1', async () => {
    const r = await runGw(['validate'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /gateway\.yaml not found; run `gw init`/);
  });

  test('--env requires referenced variables to be set', async () => {
    await writeFile(join(dir, 'ref.yaml'), GOOD.replace('sk-literal-secret-value', '"${env:GW_TEST_TOKEN}"'));
    const unset = await runGw(['validate', '--env', '-f', 'ref.yaml'], { cwd: dir, env: { GW_TEST_TOKEN: undefined } });
    assert.equal(unset.code, 1);
    assert.match(unset.stdout, /GW_ERR_ENV_UNSET/);
    const set = await runGw(['validate', '--env', '-f', 'ref.yaml'], { cwd: dir, env: { GW_TEST_TOKEN: 'x' } });
    assert.equal(set.code, 0, set.stdout);
    const offline = await runGw(['validate', '-f', 'ref.yaml'], { cwd: dir, env: { GW_TEST_TOKEN: undefined } });
    assert.equal(offline.code, 0, 'without --env no secret is needed');
  });
});
