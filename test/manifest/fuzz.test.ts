// Mutates the bundled examples at random, thousands of times, and asserts that the validator
// never throws: every broken input must come back as diagnostics. Each input is also parsed
// both ways (fast path and full `yaml` parse) and must give the same values, diagnostics and
// positions. Seeded, so a failure names the seed and the mutation and can be replayed with
// GW_FUZZ_SEED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { parseYaml } from '../../src/manifest/parse.js';
import { validateDocument } from '../../src/manifest/schema.js';
import { checkSemantics } from '../../src/manifest/semantic.js';
import { checkReferences } from '../../src/manifest/env.js';
import type { Manifest, Resource } from '../../src/manifest/types.js';
import { assertSameAsFull } from './parse-equivalence.js';

const ITERATIONS = Number(process.env.GW_FUZZ_ITERATIONS ?? 3000);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

// CI replays one fixed seed so a landing never depends on chance; local runs explore a new
// seed each time and print it on failure.
const FIXED_CI_SEED = 20261125;

// mulberry32: small, fast, seedable.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (text: string, rand: () => number) => string;
const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)]!;
// Scalars where YAML parsers (or YAML 1.1 and 1.2) are known to disagree.
const TRAP_SCALARS = ['2027-06-30T00:00:00Z', '1e400', '-9e999', '2027-06-30', 'yes', 'no', 'on', 'off', 'Y', 'True', 'FALSE', '0o17', '0x1f', '0X1F', '0b11', '017', '+12', '-0', '1_000', '1:30', '1e3', '.5', '5.', '.inf', '-.Inf', '.NaN', '~', 'null', 'Null', '', '429', '"429"', "'429'", '<<', '!!str 5', '!!int "7"', '!!float 1', '!!null', '!!bool yes', '!!timestamp 2027-06-30', '&x 1', '*x', '"\\x41\\u00e9"', "'it''s'", '"a\\', '|', '>-', '|+', '- x', '[a, b]', '{a: 1}', '? x', '#c', 'a #c', 'a#c', '@x', '`x', '%x', '=', '"\\N\\L"', 'é', '\u0085', '\u2028'];
const WEIRD_VALUES: unknown[] = [null, 0, -1, 1e308, '', 'x', true, [], {}, [1, 'a'], { a: { b: null } }, '${env:', '${file:}', '${nope:X}', '\u0000', 'a'.repeat(300)];

function walkPaths(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => walkPaths(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkPaths(x, [...path, k], out);
  return out;
}

const MUTATIONS: Record<string, Mutation> = {
  cut: (t, r) => t.slice(0, Math.floor(r() * t.length)),
  insertBytes: (t, r) => {
    const at = Math.floor(r() * t.length);
    const bytes = Array.from({ length: 1 + Math.floor(r() * 8) }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
    return t.slice(0, at) + bytes + t.slice(at);
  },
  insertYamlSyntax: (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + pick([':', '- ', '\t', '{', ']', '&a ', '*a', '!!binary ', '"', '\n  ', '---\n', '? '], r) + t.slice(at);
  },
  deleteLine: (t, r) => {
    const lines = t.split('\n');
    lines.splice(Math.floor(r() * lines.length), 1);
    return lines.join('\n');
  },
  duplicateLine: (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines.splice(i, 0, lines[i] ?? '');
    return lines.join('\n');
  },
  trapScalar: (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines[i] = (lines[i] ?? '').replace(/(:|-)( .*)?$/, `$1 ${pick(TRAP_SCALARS, r)}`);
    return lines.join('\n');
  },
  trapKey: (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines[i] = (lines[i] ?? '').replace(/^(\s*(?:- )?)[\w"'.-]+:/, `$1${pick(TRAP_SCALARS, r)}:`);
    return lines.join('\n');
  },
  lineMarker: (t, r) => {
    const lines = t.split('\n');
    lines.splice(Math.floor(r() * lines.length), 0, pick(['...', '---', '--- x', '... # end', '%YAML 1.1', '%TAG ! tag:x,2000:', '# c', '', ' ', '\t'], r));
    return lines.join('\n');
  },
  indent: (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines[i] = r() < 0.5 ? ` ${lines[i] ?? ''}` : (lines[i] ?? '').replace(/^ /, '');
    return lines.join('\n');
  },
  lineEndings: (t, r) => (r() < 0.5 ? t.replace(/\n/g, '\r\n') : `\uFEFF${t}`),
  deleteKey: (t, r) => structural(t, r, 'delete'),
  changeType: (t, r) => structural(t, r, 'retype'),
};

function structural(text: string, rand: () => number, op: 'delete' | 'retype'): string {
  const docs = text.split(/^---\s*$/m);
  const i = Math.floor(rand() * docs.length);
  const doc = parseDocument(docs[i] ?? '', { logLevel: 'silent' });
  if (doc.errors.length > 0) return text;
  const value = doc.toJS() as unknown;
  const paths = walkPaths(value).filter((p) => p.length > 0);
  if (paths.length === 0) return text;
  const path = pick(paths, rand);
  if (op === 'delete') doc.deleteIn(path);
  else doc.setIn(path, pick(WEIRD_VALUES, rand));
  docs[i] = stringify(doc.toJS());
  return docs.join('---\n');
}

async function validateText(text: string, file: string): Promise<void> {
  const parsed = parseYaml(text, file);
  const resources: Resource[] = [];
  for (const doc of parsed.docs) {
    if (validateDocument(doc.value, doc.source).length > 0) continue;
    const m = doc.value as Manifest;
    resources.push({ kind: m.kind, name: m.metadata.name, workspace: m.metadata.workspace ?? 'default', manifest: m, source: doc.source });
  }
  checkSemantics(resources, { strict: false });
  await checkReferences(resources, { checkEnv: true, env: {}, root: process.cwd() });
}

test(`validate never throws on ${ITERATIONS} random mutations of the examples`, async () => {
  const files = yamlFiles('examples');
  assert.ok(files.length >= 5, 'the examples are the fuzz corpus');
  const corpus = files.map((f) => readFileSync(f, 'utf8'));
  const seed = Number(process.env.GW_FUZZ_SEED ?? (process.env.CI ? FIXED_CI_SEED : Date.now() % 1_000_000));
  const rand = rng(seed);
  const names = Object.keys(MUTATIONS);
  for (let n = 0; n < ITERATIONS; n++) {
    let text = pick(corpus, rand);
    const applied: string[] = [];
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      const name = pick(names, rand);
      applied.push(name);
      try {
        text = MUTATIONS[name]!(text, rand);
      } catch {
        // A mutation that cannot apply (its input no longer parses) leaves the text as it is.
      }
    }
    try {
      await validateText(text, `fuzz-${n}.yaml`);
    } catch (err) {
      assert.fail(`seed ${seed}, iteration ${n}, mutations ${applied.join('+')}: validate threw ${(err as Error).stack}\n--- input ---\n${text}`);
    }
    try {
      assertSameAsFull(text);
    } catch (err) {
      assert.fail(`seed ${seed}, iteration ${n}, mutations ${applied.join('+')}: the fast path differs from the yaml parse: ${(err as Error).message}\n--- input ---\n${JSON.stringify(text)}`);
    }
  }
});

// Small random YAML texts built from the trap pieces, beyond what the examples' shapes reach.
function soup(rand: () => number): string {
  const keys = ['a', 'b', 'kind', '"q"', "'s'", '1', 'true', '~', '', 'a b', '-x', '? k', '[x]', '{k: v}'];
  const lines: string[] = [];
  for (let i = 1 + Math.floor(rand() * 12); i > 0; i--) {
    const indent = ' '.repeat(pick([0, 0, 2, 2, 4, 1, 3], rand));
    const dash = rand() < 0.25 ? '- ' : '';
    const value = rand() < 0.15 ? pick(['[1, 2]', '{x: 1, y: [a, b]}', '[a, {b: c}]', '"x\\ty"', '|', '>-', '|2'], rand) : pick(TRAP_SCALARS, rand);
    const comment = rand() < 0.1 ? ' # note' : '';
    const shape = rand();
    if (shape < 0.1) lines.push(pick(['---', '...', '--- |', '# c', '', '%YAML 1.2\n---'], rand));
    else if (shape < 0.2) lines.push(`${indent}${dash}${value}${comment}`);
    else lines.push(`${indent}${dash}${pick(keys, rand)}:${rand() < 0.2 ? '' : ` ${value}`}${comment}`);
  }
  return lines.join(rand() < 0.1 ? '\r\n' : '\n') + (rand() < 0.8 ? '\n' : '');
}

test('random YAML soup parses the same on the fast path and the full yaml parse', () => {
  const seed = Number(process.env.GW_FUZZ_SEED ?? (process.env.CI ? FIXED_CI_SEED : Date.now() % 1_000_000));
  const rand = rng(seed + 1);
  const soups = Math.ceil(ITERATIONS / 3);
  let fast = 0;
  for (let n = 0; n < soups; n++) {
    const text = soup(rand);
    try {
      if (assertSameAsFull(text).diagnostics.length === 0) fast++;
    } catch (err) {
      assert.fail(`seed ${seed}, soup ${n}: the fast path differs from the yaml parse: ${(err as Error).message}\n--- input ---\n${JSON.stringify(text)}`);
    }
  }
  assert.ok(fast > soups / 20, `only ${fast} of ${soups} soups were valid YAML; the generator needs a look`);
});
