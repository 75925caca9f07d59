// Schema defaults, read from the `default` keywords in schemas/*.schema.json (the source of
// truth) rather than written again in code. The schemas are read once at module load.
// applyDefaults() follows properties, items, additionalProperties, allOf, $ref (local and
// `common.schema.json#/...`) and a oneOf with a discriminator, like Ajv's useDefaults: it fills
// missing properties that have a default and never invents absent parent objects.
import { readdirSync, readFileSync } from 'node:fs';
import type { Kind, Manifest } from '../manifest/types.js';
import { deepFreeze } from './freeze.js';

/** A JSON Schema node, as read from the JSON files. */
export interface SchemaNode {
  readonly $id?: string;
  readonly $ref?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode | boolean;
  readonly allOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly discriminator?: { readonly propertyName: string };
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly [keyword: string]: unknown;
}

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
/** $id (or file name) -> schema document. */
const documents = new Map<string, SchemaNode>();
/** Every node -> the document it sits in, so local `#/...` refs resolve from any node. */
const rootOf = new WeakMap<object, SchemaNode>();

function indexNodes(root: SchemaNode): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    if (typeof n !== 'object' || n === null || rootOf.has(n)) continue;
    rootOf.set(n, root);
    for (const v of Object.values(n)) stack.push(v);
  }
}

for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort()) {
  const doc = deepFreeze(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as SchemaNode);
  documents.set(file, doc);
  if (typeof doc.$id === 'string') documents.set(doc.$id, doc);
  indexNodes(doc);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointer(root: SchemaNode, fragment: string): SchemaNode | undefined {
  let node: unknown = root;
  for (const raw of fragment.split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  }
  return isObject(node) ? (node as SchemaNode) : undefined;
}

/** The node a reference names: 'common.schema.json#/$defs/tls', '#/$defs/routing', 'provider.schema.json'. */
export function schemaNode(ref: string, from?: SchemaNode): SchemaNode | undefined {
  const hash = ref.indexOf('#');
  const docPart = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  const root = docPart === '' ? (from === undefined ? undefined : (rootOf.get(from) ?? from)) : documents.get(docPart);
  if (root === undefined) return undefined;
  return fragment === '' ? root : pointer(root, fragment);
}

/** The schema of a manifest kind, e.g. 'Endpoint' -> endpoint.schema.json. */
export function schemaFor(kind: Kind): SchemaNode | undefined {
  return documents.get(`${kind.toLowerCase()}.schema.json`);
}

/** Follows a $ref chain; the first `default` seen on the way (outermost wins) is kept. */
function deref(node: SchemaNode): { node: SchemaNode; default: unknown } {
  let cur = node;
  let dflt = node.default;
  for (let hops = 0; typeof cur.$ref === 'string' && hops < 32; hops++) {
    const next = schemaNode(cur.$ref, cur);
    if (next === undefined) break;
    cur = next;
    if (dflt === undefined) dflt = cur.default;
  }
  return { node: cur, default: dflt };
}

function isSchema(s: SchemaNode | boolean | undefined): s is SchemaNode {
  return isObject(s);
}

/**
 * A copy of `value` with the schema's defaults filled in wherever a property is missing.
 * Pure: `value` is not changed. Values the schema does not describe are copied as they are.
 */
export function applyDefaults(schema: SchemaNode, value: unknown): unknown {
  return walk(schema, value, 0);
}

function walk(node: SchemaNode, value: unknown, refDepth: number): unknown {
  let out: unknown = value;
  if (Array.isArray(value)) {
    const items = node.items;
    out = isSchema(items) ? value.map((v) => walk(items, v, 0)) : value.slice();
  } else if (isObject(value)) {
    const obj: Record<string, unknown> = { ...value };
    const props = node.properties ?? {};
    for (const [key, propSchema] of Object.entries(props)) {
      if (obj[key] === undefined) {
        const d = deref(propSchema).default;
        if (d === undefined) continue;
        obj[key] = structuredClone(d);
      }
      obj[key] = walk(propSchema, obj[key], 0);
    }
    const extra = node.additionalProperties;
    if (isSchema(extra)) {
      for (const key of Object.keys(obj)) if (!Object.hasOwn(props, key)) obj[key] = walk(extra, obj[key], 0);
    }
    out = obj;
  }
  // 2020-12: $ref applies alongside its sibling keywords. The depth cap stops a ref loop.
  if (typeof node.$ref === 'string' && refDepth < 32) {
    const target = schemaNode(node.$ref, node);
    if (target !== undefined) out = walk(target, out, refDepth + 1);
  }
  for (const sub of node.allOf ?? []) out = walk(sub, out, refDepth);
  const branch = discriminated(node, out);
  if (branch !== undefined) out = walk(branch, out, refDepth);
  return out;
}

/** The oneOf branch whose discriminator property's const matches the value, if any. */
function discriminated(node: SchemaNode, value: unknown): SchemaNode | undefined {
  const prop = node.discriminator?.propertyName;
  if (prop === undefined || node.oneOf === undefined || !isObject(value)) return undefined;
  for (const b of node.oneOf) {
    const tag = deref(deref(b).node.properties?.[prop] ?? {}).node;
    if (tag.const === value[prop] || (tag.enum?.includes(value[prop]) ?? false)) return b;
  }
  return undefined;
}

/** A manifest with every schema default filled in; unknown kinds come back unchanged. */
export function withDefaults<M extends Manifest>(manifest: M): M {
  const schema = schemaFor(manifest.kind);
  return schema === undefined ? manifest : (applyDefaults(schema, manifest) as M);
}

/** The defaults of a schema node for an absent object, e.g. routing.retries when not written. */
export function defaultsOf(ref: string): Record<string, unknown> {
  const node = schemaNode(ref);
  return node === undefined ? {} : (applyDefaults(node, {}) as Record<string, unknown>);
}

/** The `default` keyword of a schema node (following $refs), e.g. a provider's timeout. */
export function defaultAt(ref: string): unknown {
  const node = schemaNode(ref);
  return node === undefined ? undefined : structuredClone(deref(node).default);
}
