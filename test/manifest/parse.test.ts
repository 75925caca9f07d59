// The fast YAML path must be invisible: for the known traps where YAML parsers disagree, the
// values, diagnostics and positions are exactly those of the full `yaml` parse.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fastParse } from '../../src/manifest/parse-fast.js';
import { assertSameAsFull } from './parse-equivalence.js';

const valueOf = (text: string): unknown => {
  const r = assertSameAsFull(text);
  assert.deepEqual(r.diagnostics, []);
  return r.docs.map((d) => d.value);
};

describe('scalars keep their YAML 1.2 core meaning', () => {
  const cases: [string, unknown][] = [
    ['2027-06-30T00:00:00Z', '2027-06-30T00:00:00Z'],
    ['2027-06-30', '2027-06-30'],
    ['yes', 'yes'],
    ['no', 'no'],
    ['on', 'on'],
    ['off', 'off'],
    ['Yes', 'Yes'],
    ['True', true],
    ['FALSE', false],
    ['0o17', 15],
    ['0x1f', 31],
    ['0X1F', '0X1F'],
    ['0b101', '0b101'],
    ['017', 17],
    ['+12', 12],
    ['1_000', '1_000'],
    ['1:30', '1:30'],
    ['1e3', 1000],
    ['.5', 0.5],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['.NaN', NaN],
    ['~', null],
    ['null', null],
    ['NULL', null],
    ['nUll', 'nUll'],
    ['', null],
    ['429', 429],
    ['1e400', Infinity],
    ['-1e400', -Infinity],
    ['9'.repeat(400), Infinity],
    [`0x${'f'.repeat(300)}`, Infinity],
    ['"429"', '429'],
    ["'429'", '429'],
    ['<<', '<<'],
    ['!!str 5', '5'],
    ['"\\x41\\u00e9\\U0001F600"', 'Aé😀'],
    ["'it''s'", "it's"],
    ['a #c', 'a'],
    ['a#c', 'a#c'],
  ];
  for (const [written, want] of cases) {
    test(`v: ${written}`, () => assert.deepStrictEqual(valueOf(`v: ${written}\n`), [{ v: want }]));
  }
  test('a top-level block scalar with an indentation indicator', () => {
    assert.deepStrictEqual(valueOf('|2\n   a\n'), [' a\n']);
    assert.ok(assertSameAsFull("    |2\n   a\n 'x'\n").diagnostics.length > 0);
  });
  test('block scalars: literal, folded, keep and strip', () => {
    assert.deepStrictEqual(valueOf('a: |\n  x\n  y\n\nb: >-\n  p\n  q\nc: |+\n  k\n\n'), [
      { a: 'x\ny\n', b: 'p q', c: 'k\n\n' },
    ]);
  });
});

describe('keys', () => {
  test('numbers and booleans become their string form', () => {
    assert.deepStrictEqual(valueOf('1: a\n0x1f: b\ntrue: c\n1.5: d\n'), [
      { '1': 'a', '31': 'b', true: 'c', '1.5': 'd' },
    ]);
  });
  test('a null key is the empty string, as with yaml', () => {
    assert.deepStrictEqual(valueOf('~: a\n'), [{ '': 'a' }]);
    assert.deepStrictEqual(valueOf(': b\n'), [{ '': 'b' }]);
  });
  test('1 and "1" in one mapping: the later wins, no duplicate error', () => {
    assert.deepStrictEqual(valueOf('1: a\n"1": b\n'), [{ '1': 'b' }]);
  });
  test('<< is a plain key, not a merge (YAML 1.2 core)', () => {
    assert.deepStrictEqual(valueOf('a: 1\n<<: {b: 2}\n'), [{ a: 1, '<<': { b: 2 } }]);
  });
  test('__proto__ is an own key', () => {
    const [v] = valueOf('__proto__: a\n') as [Record<string, unknown>];
    assert.ok(Object.hasOwn(v, '__proto__'));
  });
  test('a complex key and a duplicate key are still diagnostics with their lines', () => {
    assert.deepEqual(
      assertSameAsFull('a: 1\n? [x]\n: 2\n').diagnostics.map((d) => [d.code, d.line]),
      [['GW_ERR_MANIFEST_PARSE', 2]],
    );
    assert.deepEqual(
      assertSameAsFull('a: 1\nb: 2\na: 3\n').diagnostics.map((d) => [d.code, d.line]),
      [['GW_ERR_MANIFEST_DUPLICATE_KEY', 3]],
    );
  });
});

describe('documents', () => {
  test('anchors and aliases resolve; an alias bomb is refused', () => {
    assert.deepStrictEqual(valueOf('a: &x {k: 1}\nb: *x\n'), [{ a: { k: 1 }, b: { k: 1 } }]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++)
      bomb.push(
        `${'abcdefg'[i]}: &${'abcdefg'[i]} [${Array(10)
          .fill(`*${'abcdefg'[i - 1]}`)
          .join(', ')}]`,
      );
    assert.match(assertSameAsFull(bomb.join('\n') + '\n').diagnostics[0]?.message ?? '', /alias/i);
  });
  test('multi-document files with ---, ... and empty documents keep their indexes', () => {
    assert.deepStrictEqual(valueOf('a: 1\n---\n---\nb: 2\n'), [{ a: 1 }, null, { b: 2 }]);
    assert.deepStrictEqual(valueOf('a: 1\n...\n---\nb: 2\n...\n'), [{ a: 1 }, { b: 2 }]);
    assert.deepStrictEqual(valueOf('...\n---\na: 1\n'), [null, { a: 1 }]);
    assert.deepStrictEqual(valueOf('a: 1\n---\n# only a comment\n---\nb: 2\n'), [{ a: 1 }, null, { b: 2 }]);
    assert.deepStrictEqual(valueOf('--- x\n--- |\n  y\n'), ['x', 'y\n']);
  });
  test('a file of comments only, or nothing, is empty', () => {
    for (const text of ['', '\n', '# nothing here\n']) {
      const r = assertSameAsFull(text);
      assert.deepEqual(
        r.diagnostics.map((d) => d.code),
        ['GW_ERR_MANIFEST_EMPTY'],
        JSON.stringify(text),
      );
    }
  });
  test('a lone "..." is one null document, as with yaml', () => {
    assert.deepStrictEqual(valueOf('...\n'), [null]);
  });
  test('CRLF line endings and a BOM read the same as LF', () => {
    const lf = 'kind: Provider\nmetadata:\n  name: p\nspec:\n  note: |\n    two\n    lines\n';
    const want = valueOf(lf) as unknown[];
    assert.deepStrictEqual(valueOf(lf.replace(/\n/g, '\r\n')), want);
    assert.deepStrictEqual(valueOf('\uFEFF' + lf), want);
    assert.deepStrictEqual(valueOf('\uFEFF...\n' + lf), [null, ...want]);
  });
  test('%YAML 1.1 switches to the 1.1 schema, as with yaml', () => {
    assert.deepStrictEqual(valueOf('%YAML 1.1\n---\na: yes\n'), [{ a: true }]);
  });
  test('tags behave as with yaml', () => {
    assert.deepStrictEqual(valueOf('a: !!int "5"\nb: !custom x\n'), [{ a: 5, b: 'x' }]);
  });
  test('syntax errors keep their codes, lines and messages', () => {
    for (const text of ['a: b: c\n', 'a:\n\tb: 1\n', "a: 'x\n\t\n  y'\n", 'a: "open\n', 'a: [1, 2\n', 'k: @x\n']) {
      const r = assertSameAsFull(text);
      assert.ok(r.diagnostics.length > 0, JSON.stringify(text));
    }
  });
});

test('every bundled example takes the fast path and reads as yaml reads it', () => {
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((n) =>
      statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : /\.ya?ml$/.test(n) ? [join(dir, n)] : [],
    );
  })('examples');
  assert.ok(files.length >= 5);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.ok(fastParse(text), `${f} falls back to the slow path`);
    assertSameAsFull(text);
  }
});
