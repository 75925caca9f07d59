// The layering of src/, written down once: which folder may import which. Every folder of src/
// needs a rule here (a new folder fails until it gets one), nothing imports cli/, and src/ has no
// import cycles (type-only imports count: they couple files all the same).
//
// An entry in ALLOWED is a folder of src/ ('util': any file in it), a file ('errors',
// 'providers/types': that file), or one of those prefixed with 'type:' (only `import type` or
// `export type`, no runtime code). A folder may always import its own files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // root files
  errors: [],
  index: [
    'errors',
    'runtime',
    'util',
    'http',
    'manifest',
    'compile',
    'config',
    'wire',
    'providers',
    'upstream',
    'policy',
    'storage',
    'serve',
    'telemetry',
    'state',
    'admin',
    'ops',
  ],
  // the running gateway: start-up, the one reload path, close (used by `gw serve` and index.ts)
  runtime: [
    'errors',
    'util',
    'manifest',
    'compile',
    'config',
    'upstream',
    'policy',
    'serve',
    'telemetry',
    'state',
    'admin',
    'fleet',
  ], // policy: the process's budget reservation store; fleet: the redis limits backend
  // shared state of a fleet through Redis: implements policy's stores, reads the limits settings
  fleet: ['policy', 'type:config/settings', 'type:telemetry/logger', 'telemetry/usage-row', 'util', 'errors'],
  // ground floor
  util: ['errors'],
  http: ['util', 'errors', 'type:telemetry/logger'],
  manifest: ['util', 'errors'],
  compile: ['type:manifest', 'util', 'errors'],
  config: ['manifest', 'compile', 'state', 'util', 'errors'], // state: the plan of an apply is built with the config
  // normalize applies the compiler's schema defaults; the revision store opens SQLite with gw's schema steps
  state: ['manifest', 'compile/defaults', 'compile/endpoints', 'storage', 'telemetry/migrations', 'util', 'errors'],
  storage: ['util', 'errors'],
  // the request path
  wire: ['providers/types', 'type:compile/routing-table', 'util', 'errors'],
  providers: ['wire', 'type:compile/routing-table', 'util', 'errors'],
  upstream: ['providers', 'wire', 'type:compile/routing-table', 'type:config/settings', 'util', 'errors'],
  policy: ['type:compile/routing-table', 'util', 'errors'],
  telemetry: ['storage', 'type:compile', 'type:upstream/breaker', 'util', 'errors'],
  serve: [
    'http',
    'wire',
    'providers',
    'upstream',
    'policy',
    'telemetry',
    'type:compile/routing-table',
    'util',
    'errors',
  ],
  // around it
  admin: [
    'http',
    'manifest',
    'config',
    'state',
    'telemetry',
    'storage',
    'serve',
    'ops/usage-report',
    'ops/route-explain',
    'ops/route-live',
    'ops/curl-command', // the status page shows gw curl's commands
    'type:compile/routing-table',
    'type:upstream/breaker',
    'util',
    'errors',
  ], // the usage report is shared with `gw usage`; the route dry run with `gw route`
  ops: ['manifest', 'config', 'compile', 'policy', 'providers', 'upstream', 'telemetry', 'storage', 'util', 'errors'],
  cli: ['*'],
};

/**
 * Imports that break a rule above, on purpose and for now ("from -> to", paths relative to
 * src/). An entry that no longer occurs fails the test too, so the list cannot go stale.
 */
const PENDING_VIOLATIONS: readonly string[] = [];

/** Import cycles allowed for now (as the test prints them); same rule as above. */
const PENDING_CYCLES: readonly string[] = [];

const SRC = resolve('src');

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** src-relative path with '/' separators, without '.ts': 'serve/stages/auth'. */
function key(abs: string): string {
  return relative(SRC, abs).split(sep).join('/').replace(/\.ts$/, '');
}

function target(from: string, spec: string): string | undefined {
  let t = resolve(dirname(from), spec).replace(/\.js$/, '.ts');
  if (!t.endsWith('.ts')) t += '.ts';
  if (existsSync(t)) return t;
  const index = t.replace(/\.ts$/, `${sep}index.ts`);
  return existsSync(index) ? index : undefined;
}

// `import … from`, `export … from`, `import '…'` (side effects), `import('…')` (dynamic).
const STATIC = /(?:^|[\n;])\s*(import|export)(\s+type)?\s*([^'";()=]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const BARE = /(?:^|[\n;])\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** `{ type A, type B }` imports no runtime code either. */
function allTypeSpecifiers(clause: string): boolean {
  const m = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (m === null) return false;
  const names = (m[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.length > 0 && names.every((s) => s.startsWith('type '));
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const out: Edge[] = [];
  const add = (spec: string, typeOnly: boolean): void => {
    const t = target(file, spec);
    assert.ok(t !== undefined, `${key(file)}: cannot resolve '${spec}'`);
    out.push({ from: key(file), to: key(t), typeOnly });
  };
  for (const m of text.matchAll(STATIC)) add(m[4] ?? '', m[2] !== undefined || allTypeSpecifiers(m[3] ?? ''));
  for (const m of text.matchAll(BARE)) add(m[1] ?? '', false);
  for (const m of text.matchAll(DYNAMIC)) add(m[1] ?? '', false);
  return out;
}

/** 'serve/stages/auth' -> 'serve'; 'errors' -> 'errors' (a root file is its own unit). */
function unitOf(k: string): string {
  const slash = k.indexOf('/');
  return slash === -1 ? k : k.slice(0, slash);
}

function allowed(e: Edge): boolean {
  const from = unitOf(e.from);
  if (unitOf(e.to) === from) return true;
  const rules = ALLOWED[from] ?? [];
  if (rules.includes('*')) return unitOf(e.to) !== 'cli';
  return rules.some((r) => {
    const typeRule = r.startsWith('type:');
    if (typeRule && !e.typeOnly) return false;
    const where = typeRule ? r.slice(5) : r;
    return e.to === where || e.to.startsWith(`${where}/`);
  });
}

const files = tsFiles(SRC);
const edges = files.flatMap(edgesOf);

function sameList(actual: readonly string[], pending: readonly string[], what: string): void {
  const now = new Set(actual);
  const unexpected = actual.filter((x) => !pending.includes(x));
  const stale = pending.filter((x) => !now.has(x));
  assert.deepEqual(unexpected, [], `${what} that break the rules (fix the import, or change ALLOWED on purpose)`);
  assert.deepEqual(stale, [], `pending ${what} that no longer occur: remove them from the pending list`);
}

test('every folder and root file of src/ has a rule', () => {
  const units = [...new Set(files.map((f) => unitOf(key(f))))].sort();
  assert.deepEqual(
    units.filter((u) => ALLOWED[u] === undefined),
    [],
  );
});

test('every import follows the rules of its folder; nothing imports cli/', () => {
  const broken = edges.filter((e) => !allowed(e)).map((e) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);
  sameList([...new Set(broken)].sort(), PENDING_VIOLATIONS, 'imports');
});

test('src/ has no import cycles', () => {
  const graph = new Map<string, Set<string>>();
  for (const f of files) graph.set(key(f), new Set());
  for (const e of edges) graph.get(e.from)?.add(e.to);
  // Tarjan's strongly connected components; every component of more than one file is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort().join(' <-> '));
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  sameList(cycles.sort(), PENDING_CYCLES, 'import cycles');
});

test('the rules themselves: a known-good import passes, a known-bad one does not', () => {
  assert.ok(allowed({ from: 'serve/stages/auth', to: 'policy/access', typeOnly: false }));
  assert.ok(allowed({ from: 'wire/openai/upstream/chat', to: 'compile/routing-table', typeOnly: true }));
  assert.ok(!allowed({ from: 'wire/openai/upstream/chat', to: 'compile/routing-table', typeOnly: false }));
  assert.ok(!allowed({ from: 'util/pause', to: 'upstream/caller-signal', typeOnly: true }));
  assert.ok(!allowed({ from: 'admin/server', to: 'cli/commands/serve-run', typeOnly: false }));
  assert.ok(!allowed({ from: 'index', to: 'cli/main', typeOnly: false }));
  assert.ok(allowed({ from: 'cli/main', to: 'admin/server', typeOnly: false }));
});
