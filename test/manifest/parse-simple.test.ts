// The first tier of the fast path (parse-simple.ts) reads the plain subset of block YAML by
// hand: on every edge of that subset it must either decline or give exactly what `yaml` gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTooDeep, MAX_YAML_DEPTH } from '../../src/manifest/depth.js';
import { parseYaml, parseYamlFull } from '../../src/manifest/parse.js';
import { MAX_DEPTH, simpleParse } from '../../src/manifest/parse-simple.js';
import { assertSameAsFull } from './parse-equivalence.js';

const EDGES = [
  'a: b]\n',
  'a: x{y}\n',
  'a: [x]y\n',
  'a: foo, bar\n',
  'a: b\n    # c\nd: e\n',
  'a:\n  b: 1\n# c\n  c: 2\n',
  'a: b\n  # more\n',
  'a: "x"   # c\n',
  'a: [a, b] # c\n',
  'a: [a, b]#c\n',
  "a: 'x'''\n",
  'a:   \n  - x\n',
  'a:\n- x\n- y\nb: 1\n',
  '- a: 1\n  b: 2\n- c\n',
  '- - a\n  - b\n- c\n',
  '-   a: 1\n    b: 2\n',
  'a: -1\n',
  'a: -\n',
  'a: --\n',
  'a: -.5\n',
  'a: 1\n---\nb: 2\n',
  '---\na: 1\n',
  'a: 1\n---\n',
  '# c\n---\na: 1\n',
  'a: 1\n--- # c\nb: 2\n',
  'a: 1\n--- b\n',
  'a: 1\n\n\n',
  'a: 1',
  '- a\n-\n- b\n',
  'a: { }\n',
  'a: [ ]\n',
  'a: {b: [c, {d: e}]}\n',
  'a: [b, c ]\n',
  'a: [ "x" , \'y\' ]\n',
  'a: { b: "c" }\n',
  'a: x # y # z\n',
  'a: x#y #z\n',
  'a: b\nA: c\n',
  'a: b\na: c\n',
  'true: 1\nTrue: 2\n',
  'null: 1\n',
  '~: 1\n',
  '1: a\n',
  '__proto__: 1\n',
  'a: {b: 1, b: 2}\n',
  'a: 12345678901234567890123\n',
  'a: 1e400\n',
  'a: 0o8\n',
  'a: 0x\n',
  'a: +.5\n',
  'a: 1.\n',
  'a: 00\n',
  'a: -08\n',
  'constructor: 1\ntoString: 2\n',
  'a: é ü\n',
  'a: x:y\n',
  'a: x :y\n',
  'a: x :\n',
  'a: x::\n',
  'a: http://h:80/p\n',
  'a: [x:y]\n',
  'a: [x, y]\n  b: 1\n',
  'a:\n  b: 1\n c: 2\n',
  'a:\n    b: 1\n  c: 2\n',
  'a: 1\n b: 2\n',
  ' a: 1\n',
  'a:\n  - b\n  c: 1\n',
  'a: "x\n  y"\n',
  "a: 'x\n  y'\n",
  'a: [x,\n  y]\n',
  'a: b   c   \n',
  'a: ~x\n',
  'a: <<\n',
  'a: x\n---\n---\nb: 1\n',
  'a: 1\n...\n',
  'a: [a, b,]\n',
  'a: [,]\n',
  'a: "a" "b"\n',
  "a: 'a''\n",
  "a: x'y\n",
  'a: [a #b]\n',
  'a: [a#b]\n',
  'a: - b\n',
  '- a: - b\n',
  '- a: b: c\n',
  '-a\n',
  '- -1\n',
  '- -\n',
  '-\n',
  'a: !x\n',
  'a: &x 1\nb: *x\n',
  'a: |\n  x\n',
  'a: >-\n  x\n',
  'a: "\\n"\n',
  'a: [-x]\n',
  'a: [-]\n',
  'a: [- x]\n',
  'a: {b: -}\n',
  'a: [x y, z]\n',
  'a:\n  - [a, b]\n  - {c: d}\n',
  'a: 1\r\nb: 2\r\n',
  'a:\tb\n',
  'a: b\u2028c\n',
  '%YAML 1.2\n---\na: 1\n',
];

test('on the edges of its subset, the simple reader declines or reads as yaml does', () => {
  let answered = 0;
  for (const text of EDGES) {
    const simple = simpleParse(text);
    assertSameAsFull(text);
    if (simple === undefined) continue;
    answered++;
    const full = parseYamlFull(text, 'f.yaml', '/m');
    assert.deepEqual(full.diagnostics, [], JSON.stringify(text));
    assert.deepStrictEqual(
      simple,
      full.docs.map((d) => d.value),
      JSON.stringify(text),
    );
  }
  assert.ok(answered > 50, `only ${answered} answered`);
});

test('a manifest in the usual style is read by the simple reader', () => {
  const text = `# a comment
apiVersion: gw/v1
kind: Endpoint
metadata:
  name: e-1          # trailing comment
  labels: { team: team-1 }
spec:
  routing:
    fallbackOn: [timeout, connect, "429", 5xx]
    targets:
      - provider: p-1
        models: { fast: model-a }
        weight: 3
  params: { temperature: 0.2, max_tokens: 1024 }
---
apiVersion: gw/v1
kind: Guardrail
metadata:
  name: g-1
spec:
  rules:
    - regex: '(?i)api[_-]?key\\s*[:=]\\s*\\S+'
    - keywords: [internal-only, do-not-share]
`;
  assert.ok(simpleParse(text));
  assertSameAsFull(text);
});

test('the simple reader nests at most MAX_DEPTH levels, and what it reads the depth scan never refuses', () => {
  // parse.ts skips the depth pre-scan for a text the simple reader read.
  const nest = (n: number): string => {
    const lines = ['a:'];
    for (let i = 1; i < n; i++) lines.push(`${' '.repeat(i * 2)}${i % 3 === 0 ? '- ' : ''}k${i}:`);
    return `${lines.join('\n')} x\n`;
  };
  for (const text of [
    nest(MAX_DEPTH - 2),
    `a: ${'['.repeat(MAX_DEPTH - 1)}x${']'.repeat(MAX_DEPTH - 1)}\n`,
    `a:\n${'- '.repeat(MAX_DEPTH - 1)}x\n`,
    ...EDGES,
  ]) {
    if (simpleParse(text) === undefined) continue;
    assert.equal(findTooDeep(text, MAX_DEPTH), undefined, text);
  }
  assert.ok(simpleParse(`a: ${'['.repeat(MAX_DEPTH - 1)}x${']'.repeat(MAX_DEPTH - 1)}\n`));
  assert.equal(simpleParse(`a: ${'['.repeat(MAX_DEPTH)}x${']'.repeat(MAX_DEPTH)}\n`), undefined);
  const deep = `a: ${'['.repeat(MAX_YAML_DEPTH + 5)}x${']'.repeat(MAX_YAML_DEPTH + 5)}\n`;
  assert.equal(parseYaml(deep, 'f.yaml', '/m').diagnostics[0]?.code, 'GW_ERR_MANIFEST_TOO_DEEP');
  const deepBlock = `a:\n${'- '.repeat(MAX_YAML_DEPTH + 5)}x\n`;
  assert.equal(parseYaml(deepBlock, 'f.yaml', '/m').diagnostics[0]?.code, 'GW_ERR_MANIFEST_TOO_DEEP');
});
