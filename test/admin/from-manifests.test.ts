// Configs built from manifests in memory (what an apply sends): the same checks and compile as
// files, diagnostics located as apply[i]:line:col, ${file:} relative to the server's config folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { manifestsHash } from '../../src/compile/hash.js';
import { buildConfig } from '../../src/config/build.js';
import { buildFromManifests, type ServerBase } from '../../src/config/from-manifests.js';

let dir: string;
let base: ServerBase;

const MANIFESTS = `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: http://127.0.0.1:9/v1
  auth: { bearer: "\${file:./token.txt}" }
  headers: { x-team: "\${env:GW_FM_TEAM:-core}" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { fast: up-fast } } ] }
`;
const docs = (yaml: string): unknown[] => parseAllDocuments(yaml).map((d) => d.toJS() as unknown);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-fm-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'token.txt'), 'tok-from-file\n');
  await writeFile(join(dir, 'manifests', 'all.yaml'), MANIFESTS);
  // ${file:} in the file-based config resolves next to the manifest: give it the same token.
  await writeFile(join(dir, 'manifests', 'token.txt'), 'tok-from-file\n');
  await writeFile(
    join(dir, 'gateway.yaml'),
    'apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: fm }\nspec: { manifests: [manifests] }\n',
  );
  const files = await buildConfig({ configPath: join(dir, 'gateway.yaml') });
  assert.ok(files.ok, JSON.stringify(files.diagnostics));
  base = { gateway: files.gateway, configPath: files.settings.configPath, cwd: tmpdir() };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('compiles like the files do: same manifests, same hash, references resolved only in the table', async () => {
  const r = await buildFromManifests(docs(MANIFESTS), base);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
  const files = await buildConfig({ configPath: join(dir, 'gateway.yaml') });
  assert.ok(files.ok);
  assert.equal(r.table.hash, files.table.hash);
  assert.equal(r.table.hash, manifestsHash(r.manifests));
  assert.deepEqual(r.manifests, docs(MANIFESTS));
  // ${file:./token.txt} was read from the config folder although the process cwd is elsewhere.
  const up = r.table.providers.get('default/up');
  assert.equal(up?.headers['authorization'], 'Bearer tok-from-file');
  assert.equal(up?.headers['x-team'], 'core');
  assert.equal(JSON.stringify(r.manifests).includes('tok-from-file'), false);
});

test('problems are located as apply[i]:line:col, every one reported', async () => {
  const bad = docs(
    MANIFESTS.replace('provider: up,', 'provider: nowhere,').replace('type: openai', 'type: openai\n  colour: blue'),
  );
  const r = await buildFromManifests(bad, base);
  assert.equal(r.ok, false);
  const found = r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line > 0 ? 'L' : '0'} ${d.path}`);
  assert.ok(found.includes('GW_ERR_SCHEMA apply[0]:L spec.colour'), found.join('\n'));
  // The provider was refused by the schema, so the endpoint's reference does not resolve either.
  assert.ok(
    r.diagnostics.some((d) => d.code === 'GW_ERR_REF_UNKNOWN_PROVIDER' && d.file === 'apply[1]' && d.line > 0),
    found.join('\n'),
  );
});

test('an unset variable, a Gateway document and a non-object are refused', async () => {
  const unset = await buildFromManifests(
    docs(MANIFESTS.replace('${env:GW_FM_TEAM:-core}', '${env:GW_FM_SURELY_UNSET}')),
    { ...base, env: {} },
  );
  assert.equal(unset.ok, false);
  assert.ok(unset.diagnostics.some((d) => d.code === 'GW_ERR_ENV_UNSET' && d.file === 'apply[0]'));

  const gateway = await buildFromManifests(
    [{ apiVersion: 'gw/v1', kind: 'Gateway', metadata: { name: 'other' }, spec: {} }],
    base,
  );
  assert.equal(gateway.ok, false);
  assert.match(gateway.diagnostics[0]?.message ?? '', /gateway\.yaml/);

  const junk = await buildFromManifests(['a string', null, [1]], base, { label: 'revision-7' });
  assert.deepEqual(
    junk.diagnostics.map((d) => `${d.code} ${d.file}`),
    [
      'GW_ERR_MANIFEST_NOT_OBJECT revision-7[0]',
      'GW_ERR_MANIFEST_NOT_OBJECT revision-7[1]',
      'GW_ERR_MANIFEST_NOT_OBJECT revision-7[2]',
    ],
  );
});

test('an empty set is a valid, empty config', async () => {
  const r = await buildFromManifests([], base);
  assert.ok(r.ok);
  assert.equal(r.table.counts.endpoints, 0);
});
