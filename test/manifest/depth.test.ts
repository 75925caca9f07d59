// The depth pre-scan: nesting past the bound is found where it passes, in every YAML form, and
// brackets that are text (quoted, commented, in block scalars, in a regex) never count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTooDeep, MAX_YAML_DEPTH, valueTooDeep } from '../../src/manifest/depth.js';
import { parseYaml } from '../../src/manifest/parse.js';

const N = MAX_YAML_DEPTH;

test('flow nesting: the bound passes, one more is refused at that opener', () => {
  assert.equal(findTooDeep('['.repeat(N) + ']'.repeat(N)), undefined);
  assert.deepEqual(findTooDeep('['.repeat(N + 1) + ']'.repeat(N + 1)), { line: 1, col: N + 1 });
  // Across lines, as a value: the key's mapping is one level.
  assert.deepEqual(findTooDeep('a:\n  b: ' + '[\n'.repeat(N)), { line: N, col: 1 });
  assert.deepEqual(findTooDeep('k: ' + '{a: '.repeat(N)), { line: 1, col: 4 + 4 * (N - 1) });
});

test('block nesting: indentation levels and compact "- " sequences count', () => {
  const block = (n: number): string => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';
  assert.equal(findTooDeep(block(N)), undefined);
  assert.deepEqual(findTooDeep(block(N + 1)), { line: N + 1, col: N + 1 });
  assert.equal(findTooDeep('- '.repeat(N) + 'x'), undefined);
  assert.deepEqual(findTooDeep('- '.repeat(N + 1) + 'x'), { line: 1, col: 2 * N + 1 });
  // Siblings do not add up: a wide file is not a deep one.
  assert.equal(findTooDeep('a:\n  b: 1\n'.repeat(5000)), undefined);
});

test('brackets that are text never count', () => {
  const many = '['.repeat(3 * N);
  const texts = [
    `a: "${many}"\n`,
    `a: '${many} it''s'\n`,
    `a: 1 # ${many}\n`,
    `# ${many}\n`,
    `a: |\n  ${many}\n  ${many}\nb: 1\n`,
    `- >-\n  ${many}\n- x\n`,
    `regex: ^${many}$\n`,
    `a: "multi\n  ${many}\n  line"\nb: [1, "${many}", '${many}'] # ${many}\n`,
    `--- |\n${many}\n`,
  ];
  for (const t of texts) assert.equal(findTooDeep(t), undefined, t.slice(0, 60));
});

test('parseYaml reports GW_ERR_MANIFEST_TOO_DEEP at once, whatever the size', () => {
  const r = parseYaml('['.repeat(1_000_000), 'deep.yaml', '/');
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
    [`GW_ERR_MANIFEST_TOO_DEEP 1:${N + 1}`],
  );
  assert.equal(r.docs.length, 0);
});

test('valueTooDeep bounds a manifest sent as JSON, without recursion', () => {
  let v: unknown = 1;
  for (let i = 0; i < N; i++) v = { a: v };
  assert.equal(valueTooDeep(v), false);
  assert.equal(valueTooDeep({ a: v }), true);
  for (let i = 0; i < 1_000_000; i++) v = [v];
  assert.equal(valueTooDeep(v), true);
});
