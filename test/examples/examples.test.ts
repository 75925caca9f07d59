// Every example folder validates on its own and all of them together, through the real binary
// (`npm run build` first), with no errors and no warnings.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const GW = join(ROOT, 'bin', 'gw');
// Folders of manifests; examples/systemd holds a unit file and no YAML (test/deploy checks it).
const FOLDERS = readdirSync(join(ROOT, 'examples')).filter(
  (n) => statSync(join(ROOT, 'examples', n)).isDirectory() && yamlFiles(join(ROOT, 'examples', n)).length > 0,
);

interface JsonReport {
  valid: boolean;
  summary: { resources: number; files: number; errors: number; warnings: number };
  diagnostics: { code: string; file: string; line: number; message: string }[];
}

async function validate(...args: string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const res = await run(process.execPath, [GW, 'validate', '--output', 'json', ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
  return { code: res.code, report: JSON.parse(res.stdout) as JsonReport, stderr: res.stderr };
}

function assertClean(r: { code: number; report: JsonReport; stderr: string }): void {
  const listed = r.report.diagnostics.map((d) => `${d.code} ${d.file}:${d.line} ${d.message}`).join('\n');
  assert.equal(r.report.summary.errors, 0, listed);
  assert.equal(r.report.summary.warnings, 0, listed);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.report.summary.resources > 0);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

describe('examples', { concurrency: 2 }, () => {
  test('the expected scenario folders are there', () => {
    for (const f of [
      'quickstart',
      'external-endpoints',
      'slug-endpoints',
      'byo-models',
      'custom-http',
      'prompt-endpoints',
      'bedrock',
    ]) {
      assert.ok(FOLDERS.includes(f), `examples/${f} is missing`);
    }
  });

  for (const folder of FOLDERS) {
    test(`gw validate -f examples/${folder} is clean`, async () => {
      assertClean(await validate('-f', `examples/${folder}`));
    });
  }

  test('gw validate -f examples/ is clean: no names collide across folders', async () => {
    const r = await validate('-f', 'examples/');
    assertClean(r);
    assert.equal(r.report.summary.files, yamlFiles(join(ROOT, 'examples')).length + 1); // + ./gateway.yaml
  });

  test('the bundled gateway.yaml validates with no secrets set', async () => {
    assertClean(await validate());
  });

  test('every example file carries the yaml-language-server schema line, pointing at the bundle', () => {
    for (const file of [...yamlFiles(join(ROOT, 'examples')), join(ROOT, 'gateway.yaml')]) {
      const first = readFileSync(file, 'utf8').split('\n')[0] ?? '';
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      assert.ok(m, `${file} does not start with the schema modeline`);
      const target = join(file, '..', m[1]!);
      assert.ok(statSync(target).isFile(), `${file}: ${m[1]} does not exist`);
      assert.ok(target.endsWith(join('schemas', 'gw.schema.json')), `${file}: modeline must name gw.schema.json`);
    }
  });

  test('the quickstart demo key hashes to the keyHash in its manifest', async () => {
    const { createHash } = await import('node:crypto');
    const text = readFileSync(join(ROOT, 'examples', 'quickstart', 'apikey.yaml'), 'utf8');
    const hash = createHash('sha256').update('gw-quickstart-demo-key').digest('hex');
    assert.match(text, new RegExp(`keyHash: sha256:${hash}\\b`));
  });
});
