// Diagnostics without cascades, through the real `gw` binary: a resource with a schema error
// still counts as defined (references to it are not "not defined"), a duplicate YAML key names
// the key and the line of its first occurrence, and typos get a did-you-mean (kind, field names,
// enum values, gw test-connection provider names).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-diag-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function validate(name: string, text: string): Promise<string[]> {
  await writeFile(join(dir, name), text);
  const r = await runGw(['validate', '-f', name], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  return (r.stdout + r.stderr).split('\n').filter((l) => / error | warning /.test(l));
}

test('a provider with a schema error still counts as defined: one error, no "not defined" echo', { skip }, async () => {
  const lines = await validate(
    'cascade.yaml',
    `apiVersion: gw/v1
kind: Provider
metadata: { name: mock-a }
spec:
  type: mock
  timout: 5s
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: strict }
spec: { stage: input, action: block, rules: [ { maxChars: "many" } ] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: bot }
spec:
  type: chat
  guardrails: [strict]
  routing:
    targets:
      - provider: mock-a
        models: { fast: m1 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "sha256:${'ab'.repeat(32)}", allow: { endpoints: [bot, nope] } }
`,
  );
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(
    lines[0] ?? '',
    /^cascade\.yaml:6:3 error GW_ERR_SCHEMA unknown field "timout" in spec; did you mean timeout\? allowed: /,
  );
  assert.match(lines[1] ?? '', /^cascade\.yaml:11:\d+ error GW_ERR_SCHEMA /);
  // A name nothing defines is still reported.
  assert.match(lines[2] ?? '', /GW_ERR_REF_UNKNOWN_ENDPOINT api key app allows endpoint nope, which is not defined/);
  assert.doesNotMatch(lines.join('\n'), /mock-a, which is not defined|strict, which is not defined/);
});

test('a duplicate YAML key names the key and the line of its first occurrence', { skip }, async () => {
  const lines = await validate(
    'dup.yaml',
    'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: a }\nspec:\n  type: mock\n  timeout: 5s\n  type: openai\n',
  );
  assert.deepEqual(lines, [
    'dup.yaml:7:3 error GW_ERR_MANIFEST_DUPLICATE_KEY the key "type" is given twice in this mapping; the first is at line 5. YAML keeps one value per key, so remove or rename one (spec.type)',
  ]);
});

test('did you mean: kind, field names, enum values', { skip }, async () => {
  const lines = await validate(
    'typos.yaml',
    `apiVersion: gw/v1
kind: Endpiont
metadata: { name: x }
spec: {}
---
apiVersion: gw/v1
kind: Provider
metadata: { name: p, lables: { a: b } }
spec: { type: opneai, baseUrl: "http://127.0.0.1:9/v1" }
`,
  );
  const all = lines.join('\n');
  assert.match(
    all,
    /typos\.yaml:2:7 error GW_ERR_SCHEMA_UNKNOWN_KIND kind "Endpiont" is unknown; did you mean Endpoint\? use one of/,
  );
  assert.match(all, /unknown field "lables" in metadata; did you mean labels\?/);
  assert.match(all, /must be one of .*got "opneai"; did you mean openai\?/);
});

test('gw test-connection: an unknown provider name gets a did-you-mean', { skip }, async () => {
  await writeFile(
    join(dir, 'tc.yaml'),
    'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: mock-llm }\nspec: { type: mock }\n',
  );
  const r = await runGw(['test-connection', 'mock-lm', '-f', 'tc.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown provider mock-lm \(did you mean mock-llm\?\); defined: mock-llm/);
});
