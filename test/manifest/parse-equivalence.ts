// Shared by the parse tests and the fuzz test: parseYaml (fast path when it can) must give
// exactly what the full `yaml` parse gives — values, diagnostics, indexes and positions.
import assert from 'node:assert/strict';
import { parseYaml, parseYamlFull, type ParseResult } from '../../src/manifest/parse.js';
import { fastParse } from '../../src/manifest/parse-fast.js';

const FILE = 'f.yaml';
const DIR = '/manifests';
const MAX_PATHS = 25;

export function valuePaths(
  v: unknown,
  path: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (out.length >= MAX_PATHS) return out;
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => valuePaths(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) valuePaths(x, [...path, k], out);
  return out;
}

function summary(r: ParseResult): unknown {
  return {
    diagnostics: r.diagnostics,
    docs: r.docs.map((d) => ({ value: d.value, file: d.source.file, dir: d.source.dir, index: d.source.index })),
  };
}

/** Asserts both parses agree on everything a user could see; returns the fast result. */
export function assertSameAsFull(text: string): ParseResult {
  const fast = parseYaml(text, FILE, DIR);
  // Declined by the fast path: parseYaml already was the full parse.
  if (fastParse(text) === undefined) return fast;
  const full = parseYamlFull(text, FILE, DIR);
  assert.deepStrictEqual(summary(fast), summary(full));
  fast.docs.forEach((doc, i) => {
    const other = full.docs[i]!.source;
    // Paths that exist, plus one that does not (its nearest ancestor is reported).
    for (const path of [...valuePaths(doc.value), ['nope', 0, 'x']]) {
      assert.deepStrictEqual(doc.source.locate(path), other.locate(path), `locate ${JSON.stringify(path)}`);
      assert.deepStrictEqual(
        doc.source.locate(path, { key: true }),
        other.locate(path, { key: true }),
        `locate key ${JSON.stringify(path)}`,
      );
    }
  });
  return fast;
}
