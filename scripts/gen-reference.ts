// Generates docs/reference.md, the manifest field reference, from schemas/*.schema.json, so the
// docs cannot drift from what `gw validate` enforces. Every field gets its type, whether it is
// required, its default, its allowed range and its description.
//   npx tsx scripts/gen-reference.ts           writes docs/reference.md
// test/scripts/gen-reference.test.ts fails when the committed file is stale.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { NOTES } from './reference-notes.js';

type Schema = { [k: string]: unknown };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REFERENCE_PATH = join(root, 'docs', 'reference.md');

/** Kinds in the order a reader meets them; the file names match schemas/. */
const KINDS = [
  ['Gateway', 'gateway.schema.json'],
  ['Provider', 'provider.schema.json'],
  ['Endpoint', 'endpoint.schema.json'],
  ['ApiKey', 'apikey.schema.json'],
  ['Guardrail', 'guardrail.schema.json'],
] as const;

/** Scalar definitions shown by name in the tables and explained once at the top. */
const NAMED_TYPES: Record<string, string> = { name: 'name', duration: 'duration', value: 'value' };

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly def: string;
  readonly range: string;
  readonly description: string;
}

interface Resolved {
  readonly node: Schema;
  readonly file: string;
  /** Name of the last $defs entry followed, e.g. "duration". */
  readonly defName: string | undefined;
  /** The description written next to the $ref, if any (a named type's own text is generic). */
  readonly ownDescription?: string | undefined;
}

function loadSchemas(): Map<string, Schema> {
  const files = ['common.schema.json', ...KINDS.map(([, f]) => f)];
  return new Map(files.map((f) => [f, JSON.parse(readFileSync(join(root, 'schemas', f), 'utf8')) as Schema]));
}

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows $ref chains; keywords next to a $ref (description, default) win over the target's. */
function resolve(schemas: Map<string, Schema>, node: Schema, file: string, defName?: string): Resolved {
  const ref = node['$ref'];
  if (typeof ref !== 'string') return { node, file, defName };
  const [refFile, pointer = ''] = ref.split('#');
  const targetFile = refFile === '' || refFile === undefined ? file : refFile;
  let target: unknown = schemas.get(targetFile);
  for (const seg of pointer.split('/').filter(Boolean)) target = isObj(target) ? target[seg] : undefined;
  if (!isObj(target)) throw new Error(`unresolvable $ref ${ref} in ${file}`);
  const inner = resolve(schemas, target, targetFile, pointer.split('/').pop());
  const { $ref: _ref, ...siblings } = node;
  const own = typeof siblings['description'] === 'string' ? siblings['description'] : inner.ownDescription;
  return { node: { ...inner.node, ...siblings }, file: inner.file, defName: inner.defName, ownDescription: own };
}

/** Inline code; a value holding a backtick gets double-backtick fences (CommonMark). */
function code(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function typeLabel(schemas: Map<string, Schema>, r: Resolved): string {
  const n = r.node;
  if (r.defName !== undefined && NAMED_TYPES[r.defName]) return NAMED_TYPES[r.defName]!;
  if ('const' in n) return `${code(n['const'])} (constant)`;
  if (Array.isArray(n['oneOf'])) return 'object (one of the variants below)';
  const t = n['type'];
  if (t === 'array' && isObj(n['items'])) return `list of ${typeLabel(schemas, resolve(schemas, n['items'], r.file))}`;
  if (t === 'object' && !isObj(n['properties']) && isObj(n['additionalProperties'])) {
    return `map of ${typeLabel(schemas, resolve(schemas, n['additionalProperties'], r.file))}`;
  }
  if (typeof t === 'string') return t;
  return 'any';
}

function bounds(n: Schema, unit: string): string[] {
  const out: string[] = [];
  const lo = n[`min${unit}`];
  const hi = n[`max${unit}`];
  const noun = unit === 'Length' ? 'characters' : unit === 'Items' ? 'items' : 'keys';
  if (lo !== undefined && hi !== undefined)
    out.push(lo === hi ? `exactly ${String(lo)} ${noun}` : `${String(lo)}–${String(hi)} ${noun}`);
  else if (lo === 1) out.push('not empty');
  else if (lo !== undefined) out.push(`at least ${String(lo)} ${noun}`);
  else if (hi !== undefined) out.push(`at most ${String(hi)} ${noun}`);
  return out;
}

function rangeOf(schemas: Map<string, Schema>, r: Resolved): string {
  const n = r.node;
  if (r.defName !== undefined && NAMED_TYPES[r.defName]) return '';
  const parts: string[] = [];
  const lo = n['minimum'] ?? (n['exclusiveMinimum'] !== undefined ? `> ${String(n['exclusiveMinimum'])}` : undefined);
  const hi = n['maximum'] ?? (n['exclusiveMaximum'] !== undefined ? `< ${String(n['exclusiveMaximum'])}` : undefined);
  if (lo !== undefined && hi !== undefined) {
    if (typeof lo === 'string') parts.push(`${lo}, ≤ ${String(hi)}`);
    else parts.push(Number(lo) < 0 ? `${String(lo)} to ${String(hi)}` : `${String(lo)}–${String(hi)}`);
  } else if (lo !== undefined) parts.push(typeof lo === 'string' ? lo : `≥ ${String(lo)}`);
  else if (hi !== undefined) parts.push(`≤ ${String(hi)}`);
  if (Array.isArray(n['enum'])) parts.push(`one of ${n['enum'].map(code).join(', ')}`);
  parts.push(...bounds(n, 'Length'), ...bounds(n, 'Items'));
  if (n['minProperties'] === 1 && n['maxProperties'] === 1) parts.push('exactly one field');
  else parts.push(...bounds(n, 'Properties'));
  if (typeof n['pattern'] === 'string') parts.push(`matches ${code(n['pattern'])}`);
  if (typeof n['format'] === 'string') parts.push(`format ${n['format']}`);
  if (n['uniqueItems'] === true) parts.push('no duplicates');
  if (isObj(n['propertyNames'])) {
    const keys = rangeOf(schemas, resolve(schemas, n['propertyNames'], r.file));
    if (keys) parts.push(`keys: ${keys}`);
  }
  if (n['type'] === 'array' && isObj(n['items'])) {
    const item = rangeOf(schemas, resolve(schemas, n['items'], r.file));
    if (item) parts.push(`each: ${item}`);
  }
  if (n['type'] === 'object' && !isObj(n['properties']) && isObj(n['additionalProperties'])) {
    const value = rangeOf(schemas, resolve(schemas, n['additionalProperties'], r.file));
    if (value) parts.push(`values: ${value}`);
  }
  return parts.join('; ');
}

function describe(r: Resolved): string {
  if (r.defName !== undefined && NAMED_TYPES[r.defName]) return r.ownDescription ?? '';
  const d = r.node['description'];
  return typeof d === 'string' ? d : '';
}

/** Rows for `node` at `path`, then for everything below it (properties, list items, map values). */
function walk(
  schemas: Map<string, Schema>,
  r: Resolved,
  path: string,
  required: boolean,
  rows: Row[],
  stopAtRef: boolean,
): void {
  const n = r.node;
  if (path !== '') {
    const def = 'default' in n ? code(n['default']) : '';
    rows.push({
      path,
      type: typeLabel(schemas, r),
      required,
      def,
      range: rangeOf(schemas, r),
      description: describe(r),
    });
  }
  // metadata is documented once, in its own section.
  if (stopAtRef && r.defName === 'metadata') return;
  if (isObj(n['properties'])) {
    const req = new Set(Array.isArray(n['required']) ? (n['required'] as string[]) : []);
    for (const [key, child] of Object.entries(n['properties'])) {
      if (!isObj(child)) continue;
      walk(schemas, resolve(schemas, child, r.file), path === '' ? key : `${path}.${key}`, req.has(key), rows, true);
    }
  } else if (n['type'] === 'array' && isObj(n['items'])) {
    const item = resolve(schemas, n['items'], r.file);
    if (isObj(item.node['properties'])) walkChildren(schemas, item, `${path}[]`, rows);
  } else if (isObj(n['additionalProperties'])) {
    const value = resolve(schemas, n['additionalProperties'], r.file);
    if (isObj(value.node['properties'])) walkChildren(schemas, value, `${path}.<key>`, rows);
  }
}

function walkChildren(schemas: Map<string, Schema>, r: Resolved, path: string, rows: Row[]): void {
  const req = new Set(Array.isArray(r.node['required']) ? (r.node['required'] as string[]) : []);
  for (const [key, child] of Object.entries(r.node['properties'] as Schema)) {
    if (isObj(child)) walk(schemas, resolve(schemas, child, r.file), `${path}.${key}`, req.has(key), rows, true);
  }
}

/** Fills empty descriptions from NOTES (`Scope:path`, then `path`), recording the notes used. */
function withNotes(rows: readonly Row[], scope: string, used: Set<string>): Row[] {
  return rows.map((r) => {
    if (r.description !== '') return r;
    const key = [`${scope}:${r.path}`, r.path].find((k) => NOTES[k] !== undefined);
    if (key === undefined) return r;
    used.add(key);
    return { ...r, description: NOTES[key]! };
  });
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function table(rows: readonly Row[]): string {
  const head = '| field | type | required | default | range | description |\n|---|---|---|---|---|---|\n';
  const body = rows
    .map(
      (r) =>
        `| \`${cell(r.path)}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.def)} | ${cell(r.range)} | ${cell(r.description)} |`,
    )
    .join('\n');
  return `${head}${body}\n`;
}

function rowsFor(schemas: Map<string, Schema>, node: Schema, file: string, prefix = ''): Row[] {
  const rows: Row[] = [];
  walk(schemas, { node, file, defName: undefined }, prefix, false, rows, true);
  return rows;
}

function kindSection(schemas: Map<string, Schema>, kind: string, file: string, used: Set<string>): string {
  const doc = schemas.get(file)!;
  const out: string[] = [`## ${kind}\n\n`, `${String(doc['description'] ?? '')} Schema: \`schemas/${file}\`.\n\n`];
  const props = doc['properties'] as Schema;
  const top = rowsFor(
    schemas,
    { ...doc, properties: { apiVersion: props['apiVersion'], kind: props['kind'], metadata: props['metadata'] } },
    file,
  );
  const spec = resolve(schemas, props['spec'] as Schema, file);
  const variants = Array.isArray(spec.node['oneOf']) ? (spec.node['oneOf'] as Schema[]) : [];
  top.push({
    path: 'spec',
    type: typeLabel(schemas, spec),
    required: true,
    def: '',
    range: rangeOf(schemas, spec),
    description: describe(spec),
  });
  const topRows = top.map((r) => (r.path === 'metadata' ? { ...r, description: 'See [metadata](#metadata).' } : r));
  out.push(table(withNotes(topRows, kind, used)));
  if (variants.length === 0) {
    const rows = rowsFor(schemas, spec.node, spec.file, 'spec').slice(1);
    out.push(`\n### ${kind} spec\n\n`, table(withNotes(rows, kind, used)));
    return out.join('');
  }
  for (const v of variants) {
    const variant = resolve(schemas, v, spec.file);
    const props2 = variant.node['properties'] as Schema;
    const tag = isObj(props2['type']) ? String(props2['type']['const']) : '?';
    const title = typeof variant.node['title'] === 'string' ? ` (${variant.node['title']})` : '';
    const rows = rowsFor(schemas, variant.node, variant.file, 'spec').slice(1);
    const scope = `${tag.charAt(0).toUpperCase()}${tag.slice(1)}${kind}`; // ChatEndpoint, ProxyEndpoint
    out.push(`\n### ${kind} spec with \`type: ${tag}\`${title}\n\n`, table(withNotes(rows, scope, used)));
  }
  return out.join('');
}

export function renderReference(): string {
  const schemas = loadSchemas();
  const common = schemas.get('common.schema.json')!;
  const defs = common['$defs'] as Schema;
  const named = Object.keys(NAMED_TYPES)
    .map(
      (k) =>
        `- **${k}**: ${String((defs[k] as Schema)['description'] ?? '')}${rangeOf(schemas, { node: defs[k] as Schema, file: 'common.schema.json', defName: undefined }) ? ` (${rangeOf(schemas, { node: defs[k] as Schema, file: 'common.schema.json', defName: undefined })})` : ''}`,
    )
    .join('\n');
  const used = new Set<string>();
  const metadata = withNotes(rowsFor(schemas, defs['metadata'] as Schema, 'common.schema.json'), 'metadata', used);
  const kinds = KINDS.map(([kind, file]) => kindSection(schemas, kind, file, used));
  const unused = Object.keys(NOTES).filter((k) => !used.has(k));
  if (unused.length > 0)
    throw new Error(`scripts/reference-notes.ts: notes no field uses (delete them): ${unused.join(', ')}`);
  return [
    '# Manifest field reference\n',
    'Generated from `schemas/*.schema.json` by `scripts/gen-reference.ts`; do not edit by hand.',
    'Regenerate with `npx tsx scripts/gen-reference.ts` (a test fails when this file is stale).\n',
    'Every document has `apiVersion: gw/v1`, a `kind`, `metadata` and a `spec`. Unknown fields are',
    'errors. `a.b[].c` is field `c` of each item of list `b`; `a.<key>.c` is field `c` of each',
    'value of map `a`. A blank default means none: the field is simply absent.\n',
    '## Value types\n',
    named,
    '',
    '## metadata\n',
    'The same for every kind.\n',
    table(metadata),
    ...kinds,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(dirname(REFERENCE_PATH), { recursive: true });
  writeFileSync(REFERENCE_PATH, renderReference());
  console.log('wrote docs/reference.md');
}
