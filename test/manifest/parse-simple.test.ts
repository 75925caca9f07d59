// The first tier of the fast path (parse-simple.ts) reads the plain subset of block YAML by
// hand: on every edge of that subset it must either decline or give exactly what `yaml` gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlFull } from '../../src/manifest/parse.js';
import { simpleParse } from '../../src/manifest/parse-simple.js';
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
