// Semantic checks, driven by fixtures: every file in fixtures/manifests/invalid/ starts with
// `# expect: GW_ERR_CODE line N` lines, and loading it through the real loader plus
// checkSemantics must report exactly those codes at exactly those lines. Files in valid/ must
// produce nothing at all, not even a warning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../src/manifest/diagnostics.js';
import { loadManifests } from '../../src/manifest/load.js';
import { checkSemantics } from '../../src/manifest/semantic.js';
import type { Resource } from '../../src/manifest/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/manifests/', import.meta.url));

/** Loader diagnostics plus semantic ones, as `gw validate` would see them for these files. */
async function run(files: string[], strict = false): Promise<Diagnostic[]> {
  const res = await loadManifests(files);
  const all: Resource[] = res.gateway ? [res.gateway, ...res.resources] : [...res.resources];
  return [...res.diagnostics, ...checkSemantics(all, { strict })];
}

function expectations(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^# expect: (GW_ERR_[A-Z_]+) line (\d+)\s*$/gm)) out.push(`${m[1]} line ${m[2]}`);
  return out.sort();
}

const seen = (ds: readonly Diagnostic[]): string[] => ds.map((d) => `${d.code} line ${d.line}`).sort();

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(join(FIXTURES, dir))).filter((f) => f.endsWith('.yaml')).sort();
}

describe('invalid fixtures report exactly the expected codes at the expected lines', async () => {
  for (const name of await yamlFiles('invalid')) {
    test(name, async () => {
      const file = join(FIXTURES, 'invalid', name);
      const expected = expectations(await readFile(file, 'utf8'));
      assert.ok(expected.length > 0, `${name} has no "# expect:" line`);
      const ds = await run([file]);
      assert.deepEqual(seen(ds), expected, ds.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`).join('\n'));
      for (const d of ds) {
        assert.ok(d.file.endsWith(join('invalid', name)), d.file);
        assert.ok(d.col > 0 && d.path !== '', `${d.code} is located at a node: ${d.path} ${d.col}`);
      }
    });
  }
});

describe('valid fixtures', async () => {
  for (const name of await yamlFiles('valid')) {
    test(`${name} has no diagnostics`, async () => {
      const ds = await run([join(FIXTURES, 'valid', name)]);
      assert.deepEqual(
        ds.map((d) => `${d.code} ${d.line} ${d.message}`),
        [],
      );
    });
  }
});

test('every semantic code has a fixture', async () => {
  const codes = [
    'GW_ERR_DUPLICATE_NAME',
    'GW_ERR_REF_UNKNOWN_PROVIDER',
    'GW_ERR_REF_UNKNOWN_ENDPOINT',
    'GW_ERR_REF_UNKNOWN_GUARDRAIL',
    'GW_ERR_REF_UNKNOWN_MODEL',
    'GW_ERR_REF_CYCLE',
    'GW_ERR_TARGET_SHAPE',
    'GW_ERR_MODEL_COLLISION',
    'GW_ERR_PROVIDER_TYPE_MISMATCH',
    'GW_ERR_LITERAL_SECRET',
    'GW_ERR_TLS_INSECURE',
    'GW_ERR_KEY_HASH_FORMAT',
    'GW_ERR_BASE_URL',
    'GW_ERR_REGEX_INVALID',
    'GW_ERR_JSON_SCHEMA_INVALID',
    'GW_ERR_DURATION',
  ];
  let all = '';
  for (const name of await yamlFiles('invalid')) all += await readFile(join(FIXTURES, 'invalid', name), 'utf8');
  for (const code of codes) assert.match(all, new RegExp(`^# expect: ${code} line`, 'm'), code);
});

describe('messages say what is wrong and what to do', () => {
  const invalid = (name: string): string => join(FIXTURES, 'invalid', name);
  const one = async (name: string, code: string): Promise<Diagnostic[]> =>
    (await run([invalid(name)])).filter((d) => d.code === code);

  test('an unknown provider names the workspace, the likely typo and the defined providers', async () => {
    const [d] = await one('ref-unknown-provider.yaml', 'GW_ERR_REF_UNKNOWN_PROVIDER');
    assert.match(d!.message, /provider openai-prd, which is not defined in workspace default/);
    assert.match(d!.message, /did you mean openai-prod\?/);
    assert.match(d!.message, /defined providers: mock, openai-prod/);
    assert.equal(d!.path, 'spec.routing.targets[1].provider');
  });

  test('a reference into another workspace says why it does not resolve', async () => {
    const [d] = await one('ref-cross-workspace.yaml', 'GW_ERR_REF_UNKNOWN_PROVIDER');
    assert.match(d!.message, /workspace team-a has one of that name/);
  });

  test('a cycle is named in full', async () => {
    const ds = await one('ref-cycle.yaml', 'GW_ERR_REF_CYCLE');
    assert.deepEqual(ds.map((d) => /(ep-\S+(?: -> ep-[a-z]+)+)/.exec(d.message)?.[1]).sort(), [
      'ep-a -> ep-b -> ep-a',
      'ep-c -> ep-c',
    ]);
    const [long] = await one('ref-cycle-long.yaml', 'GW_ERR_REF_CYCLE');
    assert.match(long!.message, /ep-x -> ep-y -> ep-z -> ep-x/);
  });

  test('a model collision names both places', async () => {
    const [d] = await one('model-collision.yaml', 'GW_ERR_MODEL_COLLISION');
    assert.match(
      d!.message,
      /exposed by endpoint support-bot \(.*model-collision\.yaml:17\) and again by endpoint sales-bot/,
    );
  });

  test('defaultModel lists what the endpoint exposes', async () => {
    const [d] = await one('ref-unknown-model.yaml', 'GW_ERR_REF_UNKNOWN_MODEL');
    assert.match(d!.message, /defaultModel large.*exposed models: small/);
  });

  test('secrets and key material are never echoed', async () => {
    const ds = [...(await run([invalid('literal-secret.yaml')])), ...(await run([invalid('key-hash-format.yaml')]))];
    for (const d of ds) assert.doesNotMatch(d.message, /sk-live|sk-ant|abc123|plain-value|hunter2|gw-my-plaintext-key/);
    assert.ok(ds.some((d) => /\$\{env:NAME\}/.test(d.message)));
  });
});

describe('literal secrets', () => {
  const file = join(FIXTURES, 'invalid', 'literal-secret.yaml');

  test('are warnings by default', async () => {
    const ds = await run([file]);
    assert.ok(ds.length > 0 && ds.every((d) => d.code === 'GW_ERR_LITERAL_SECRET' && d.severity === 'warning'));
  });

  test('are errors with strict', async () => {
    const ds = await run([file], true);
    assert.ok(ds.length > 0 && ds.every((d) => d.severity === 'error'));
  });
});

describe('TLS checks turned off (rejectUnauthorized: false)', () => {
  const file = join(FIXTURES, 'invalid', 'tls-insecure.yaml');

  test('are warnings by default, naming the fix', async () => {
    const ds = await run([file]);
    assert.equal(ds.length, 2);
    assert.ok(ds.every((d) => d.code === 'GW_ERR_TLS_INSECURE' && d.severity === 'warning'));
    assert.match(ds[0]?.message ?? '', /tls\.ca/);
  });

  test('are errors with strict', async () => {
    const ds = await run([file], true);
    assert.ok(ds.length === 2 && ds.every((d) => d.severity === 'error'));
  });
});

describe('across files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-semantic-'));
    const provider = (n: string): string =>
      `apiVersion: gw/v1\nkind: Provider\nmetadata: { name: ${n} }\nspec: { type: mock }\n`;
    await writeFile(join(dir, 'a.yaml'), provider('mock'));
    await writeFile(join(dir, 'b.yaml'), `# second copy\n${provider('other')}---\n${provider('mock')}`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a duplicate points at the second copy and names the first file and line', async () => {
    const ds = await run([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
    assert.deepEqual(
      ds.map((d) => [d.code, d.file.endsWith('b.yaml'), d.line]),
      [['GW_ERR_DUPLICATE_NAME', true, 9]],
    );
    assert.match(ds[0]!.message, /already defined in workspace default at \S*a\.yaml:3;/);
  });
});

test('no resources, no diagnostics', () => {
  assert.deepEqual(checkSemantics([], { strict: true }), []);
});
