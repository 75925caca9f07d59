// docs/reference.md is generated from schemas/*.schema.json; these tests fail when it is stale
// or when a schema field would appear in it without a description.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REFERENCE_PATH, renderReference } from '../../scripts/gen-reference.js';

/** Table rows as cells, splitting on | but not on the escaped \| inside patterns. */
function rows(md: string): string[][] {
  return md
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

describe('docs/reference.md', () => {
  const fresh = renderReference();

  test('is up to date with the schemas (regenerate: npx tsx scripts/gen-reference.ts)', () => {
    assert.equal(readFileSync(REFERENCE_PATH, 'utf8'), fresh);
  });

  test('every field has a type and a description', () => {
    const all = rows(fresh);
    assert.ok(all.length > 100, `only ${all.length} rows`);
    for (const [path, type, , , , description] of all) {
      assert.ok(type, `${path} has no type`);
      assert.ok(description, `${path} has no description: add one to its schema (or to scripts/reference-notes.ts)`);
    }
  });

  test('shows defaults and ranges as the schemas state them', () => {
    const byPath = new Map(rows(fresh).map((r) => [r[0], r]));
    const weight = byPath.get('`spec.routing.targets[].weight`');
    assert.deepEqual(weight?.slice(1, 5), ['integer', '', '`1`', '1–1000']);
    const keyHash = byPath.get('`spec.keyHash`');
    assert.equal(keyHash?.[2], 'yes');
    assert.match(byPath.get('`spec.stage`')?.[4] ?? '', /one of `input`, `output`, `both`/);
    assert.equal(byPath.get('`spec.timeout`')?.[1], 'duration');
  });

  test('documents every kind, both endpoint types and metadata', () => {
    for (const h of [
      '## metadata',
      '## Gateway',
      '## Provider',
      '## Endpoint',
      '## ApiKey',
      '## Guardrail',
      '`type: chat`',
      '`type: proxy`',
    ]) {
      assert.ok(fresh.includes(h), `missing ${h}`);
    }
  });
});
