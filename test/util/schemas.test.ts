// The one schema registry: every schemas/*.schema.json, read once and frozen, and a file for every kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { SCHEMA_FILE_OF_KIND, schemaFile, schemaFiles } from '../../src/util/schemas.js';
import { isObject } from '../../src/util/is-object.js';

test('the registry holds every schema file once, frozen, and names a file for every kind', () => {
  const files = schemaFiles();
  assert.equal(schemaFiles(), files, 'read once');
  const onDisk = readdirSync('schemas')
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  assert.deepEqual([...files.keys()], onDisk);
  for (const file of Object.values(SCHEMA_FILE_OF_KIND)) {
    const doc = schemaFile(file);
    assert.ok(Object.isFrozen(doc) && typeof doc['$id'] === 'string', file);
  }
  assert.throws(() => schemaFile('nope.schema.json'), /no schema file nope\.schema\.json/);
});

test('isObject: a mapping, never null or an array', () => {
  assert.equal(isObject({}), true);
  assert.equal(isObject({ a: 1 }), true);
  for (const v of [null, undefined, [], 'x', 1, true]) assert.equal(isObject(v), false, String(v));
});
