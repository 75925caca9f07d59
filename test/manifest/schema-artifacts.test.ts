// The per-kind schemas are the one source of truth: the editor bundle, the TypeScript types and
// the precompiled validators are generated from them and must not drift (npm run gen:types
// regenerates all three).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import {
  BUNDLE_PATH,
  TYPES_PATH,
  VALIDATORS_PATH,
  buildBundle,
  buildTypes,
  buildValidators,
} from '../../scripts/gen-schema-artifacts.js';

test('schemas/gw.schema.json is generated from the per-kind schemas', () => {
  assert.deepEqual(JSON.parse(readFileSync(BUNDLE_PATH, 'utf8')), buildBundle(), 'stale: run npm run gen:types');
});

test('src/manifest/types.gen.ts is generated from the schemas', async () => {
  assert.equal(readFileSync(TYPES_PATH, 'utf8'), await buildTypes(), 'stale: run npm run gen:types');
});

test('src/manifest/validators.gen.ts is compiled from the schemas', () => {
  assert.equal(readFileSync(VALIDATORS_PATH, 'utf8'), buildValidators(), 'stale: run npm run gen:types');
});

test('the editor bundle is a working schema on its own: accepts the quickstart, rejects an unknown field', () => {
  const ajv = new Ajv2020({ strict: false, discriminator: true });
  const validate = ajv.compile(buildBundle());
  const provider = parse(readFileSync('examples/quickstart/provider.yaml', 'utf8')) as Record<string, unknown>;
  assert.equal(validate(provider), true, JSON.stringify(validate.errors));
  assert.equal(validate({ ...provider, spec: { type: 'mock', colour: 'red' } }), false);
  assert.equal(validate({ apiVersion: 'gw/v1', kind: 'Nope' }), false);
});
