// Bad input of every kind gets a located diagnostic with a stable code, never an exception.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, MAX_FILE_BYTES } from '../../src/manifest/load.js';
import { validateConfig } from '../../src/manifest/validate.js';
import { resolveReferences, scanValue } from '../../src/manifest/env.js';

const FIXTURES = 'test/fixtures/manifests/load';

async function expectations(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(/^# expect: (GW_ERR_\w+) line (\d+)$/gm)].map((m) => `${m[1]}@${m[2]}`).sort();
}

describe('fixtures: each names the code and line it expects', async () => {
  const files = (await readdir(FIXTURES)).filter((f) => f.endsWith('.yaml'));
  for (const name of files) {
    test(name, async () => {
      const file = join(FIXTURES, name);
      const want = await expectations(file);
      assert.ok(want.length > 0, `${name} must carry "# expect:" lines`);
      const v = await validateConfig({ files: [file], checkEnv: true, env: {} });
      const got = v.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.code}@${d.line}`)
        .sort();
      assert.deepEqual(got, want, JSON.stringify(v.diagnostics, null, 2));
      for (const d of v.diagnostics) assert.equal(d.file, file);
    });
  }
});

describe('files that are not manifests', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const codesFor = async (name: string, content: string | Buffer): Promise<string[]> => {
    const file = join(dir, name);
    await writeFile(file, content);
    const r = await loadManifests([file]);
    for (const d of r.diagnostics) assert.ok(d.line >= 1 && d.message.length > 10, JSON.stringify(d));
    return r.diagnostics.map((d) => d.code);
  };

  test('an empty file, and one with only comments', async () => {
    assert.deepEqual(await codesFor('empty.yaml', ''), ['GW_ERR_MANIFEST_EMPTY']);
    assert.deepEqual(await codesFor('comments.yaml', '# nothing here\n'), ['GW_ERR_MANIFEST_EMPTY']);
  });

  test('a binary file', async () => {
    assert.deepEqual(await codesFor('binary.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3])), [
      'GW_ERR_MANIFEST_BINARY',
    ]);
  });

  test('text that is not UTF-8', async () => {
    assert.deepEqual(await codesFor('latin1.yaml', Buffer.from('name: caf\xe9\n', 'latin1')), [
      'GW_ERR_MANIFEST_BINARY',
    ]);
  });

  test('a 10 MB file is refused without being parsed', async () => {
    const big = 'a: ' + 'x'.repeat(10 * 1024 * 1024) + '\n';
    assert.ok(big.length > MAX_FILE_BYTES);
    assert.deepEqual(await codesFor('big.yaml', big), ['GW_ERR_MANIFEST_TOO_LARGE']);
  });

  test('alias bombs are refused', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    assert.deepEqual(await codesFor('bomb.yaml', lines.join('\n') + '\n'), ['GW_ERR_MANIFEST_TOO_DEEP']);
  });

  test('a path that matches nothing, a glob that matches nothing', async () => {
    const r = await loadManifests([join(dir, 'missing.yaml'), join(dir, 'none-*.yaml')]);
    assert.deepEqual(
      r.diagnostics.map((d) => d.code),
      ['GW_ERR_MANIFEST_NOT_FOUND', 'GW_ERR_MANIFEST_NOT_FOUND'],
    );
  });

  test('folders are read recursively (yaml and yml only), globs expand, each file once', async () => {
    const sub = join(dir, 'tree', 'nested');
    await mkdir(sub, { recursive: true });
    const doc = (n: string): string =>
      `apiVersion: gw/v1\nkind: Provider\nmetadata: { name: ${n} }\nspec: { type: mock }\n`;
    await writeFile(join(dir, 'tree', 'a.yaml'), doc('pa'));
    await writeFile(join(sub, 'b.yml'), `${doc('pb')}---\n${doc('pc')}`);
    await writeFile(join(sub, 'notes.txt'), 'not yaml');
    const r = await loadManifests([join(dir, 'tree'), join(dir, 'tree', '**', '*.yml')]);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(
      r.resources.map((x) => x.name),
      ['pa', 'pb', 'pc'],
    );
    assert.equal(r.files.length, 2);
  });

  test("a folder's files load in character-code order, whatever the locale", async () => {
    const folder = join(dir, 'order');
    await mkdir(folder, { recursive: true });
    const doc = (n: string): string =>
      `apiVersion: gw/v1\nkind: Provider\nmetadata: { name: ${n} }\nspec: { type: mock }\n`;
    // Locale order would put a, B, é; character-code order is B (0x42), a (0x61), é (0xe9).
    await writeFile(join(folder, 'a.yaml'), doc('lower'));
    await writeFile(join(folder, 'B.yaml'), doc('upper'));
    await writeFile(join(folder, 'é.yaml'), doc('accent'));
    const r = await loadManifests([folder]);
    assert.deepEqual(
      r.resources.map((x) => x.name),
      ['upper', 'lower', 'accent'],
    );
  });

  test("'-' reads standard input", async () => {
    const r = await loadManifests(['-'], {
      readStdin: async () =>
        'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: from-stdin }\nspec: { type: mock }\n',
    });
    assert.deepEqual(
      r.resources.map((x) => x.name),
      ['from-stdin'],
    );
    assert.equal(r.resources[0]!.source.file, '-');
  });
});

describe('value references', () => {
  test('forms are checked without secrets', () => {
    assert.equal(scanValue('Bearer ${env:KEY}').error, undefined);
    assert.equal(scanValue('${env:KEY:-fallback value}').error, undefined);
    assert.equal(scanValue('${file:./ca.pem}').error, undefined);
    assert.match(scanValue('${env:1BAD}').error ?? '', /not an environment variable name/);
    assert.match(scanValue('${env:KEY').error ?? '', /unclosed/);
    assert.match(scanValue('${secret:x}').error ?? '', /not a reference gw knows/);
    assert.deepEqual(scanValue('cost $${5}').pieces, ['cost ${5}']);
  });

  test('resolution expands env (with defaults) and files relative to the manifest, trimming one final newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-ref-'));
    try {
      await writeFile(join(dir, 'token.txt'), 's3cret\n');
      await writeFile(
        join(dir, 'p.yaml'),
        'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: up }\nspec:\n  type: openai\n  baseUrl: "${env:GW_T_BASE:-http://127.0.0.1:9/v1}"\n  auth: { bearer: "${file:./token.txt}" }\n  headers: { x-team: "${env:GW_T_TEAM}" }\n',
      );
      const loaded = await loadManifests([join(dir, 'p.yaml')]);
      const { resources, diagnostics } = await resolveReferences(
        loaded.resources,
        { GW_T_TEAM: 'search' },
        { root: dir },
      );
      assert.deepEqual(diagnostics, []);
      const spec = resources[0]!.manifest.spec as {
        baseUrl: string;
        auth: { bearer: string };
        headers: Record<string, string>;
      };
      assert.equal(spec.baseUrl, 'http://127.0.0.1:9/v1');
      assert.equal(spec.auth.bearer, 's3cret');
      assert.equal(spec.headers['x-team'], 'search');
      // The loaded manifest itself keeps the reference as written.
      assert.equal(
        (loaded.resources[0]!.manifest.spec as { auth: { bearer: string } }).auth.bearer,
        '${file:./token.txt}',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('${file:} resolves against the manifest folder even when the loader ran with another cwd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-ref-cwd-'));
    try {
      await mkdir(join(dir, 'conf'));
      await writeFile(join(dir, 'conf', 'token.txt'), 'from-conf');
      await writeFile(
        join(dir, 'conf', 'p.yaml'),
        'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: up }\nspec:\n  type: openai\n  baseUrl: http://127.0.0.1:9/v1\n  auth: { bearer: "${file:./token.txt}" }\n',
      );
      const loaded = await loadManifests(['conf/p.yaml'], { cwd: dir });
      assert.equal(loaded.resources[0]!.source.file, 'conf/p.yaml');
      const { resources, diagnostics } = await resolveReferences(loaded.resources, {}, { root: dir });
      assert.deepEqual(diagnostics, []);
      assert.equal((resources[0]!.manifest.spec as { auth: { bearer: string } }).auth.bearer, 'from-conf');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
