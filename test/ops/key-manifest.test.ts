// The --role/--scope choices of `gw keys create` match the schema enums; names follow the schema.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLE_CHOICES, SCOPE_CHOICES } from '../../src/cli/commands/keys.js';
import { nameProblem, ROLES, SCOPES } from '../../src/ops/key-manifest.js';

describe('key manifest', () => {
  test('CLI choices equal the schema enums', () => {
    assert.deepEqual([...ROLE_CHOICES], [...ROLES]);
    assert.deepEqual([...SCOPE_CHOICES], [...SCOPES]);
    assert.ok(ROLES.length > 0 && SCOPES.length > 0);
  });

  test('names: the schema pattern and length', () => {
    assert.equal(nameProblem('ci-bot'), undefined);
    assert.equal(nameProblem('a1'), undefined);
    for (const bad of ['a', '-ab', 'ab-', 'Ab', 'a_b', 'x'.repeat(64)]) assert.ok(nameProblem(bad) !== undefined, bad);
  });
});
