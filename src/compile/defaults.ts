// Schema defaults, read from the `default` keywords in schemas/*.schema.json (the source of
// truth) rather than written again in code. The documents come from util/schemas.ts, read on
// the first call that needs them (never at import).
// applyDefaults() follows properties, items, additionalProperties, allOf, $ref (local and
// `common.schema.json#/...`) and a oneOf with a discriminator, like Ajv's useDefaults: it fills
// missing properties that have a default and never invents absent parent objects.
import type { Kind, Manifest } from '../manifest/types.js';
import { isObject } from '../util/is-object.js';
import { SCHEMA_FILE_OF_KIND, schemaFiles } from '../util/schemas.js';

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

/** $id (or file name) -> schema document; filled on first use. */
let documents: Map<string, SchemaNode> | undefined;
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

function docs(): Map<string, SchemaNode> {
  if (documents === undefined) {
    documents = new Map();
    for (const [file, doc] of schemaFiles()) {
      documents.set(file, doc as SchemaNode);
      if (typeof doc['$id'] === 'string') documents.set(doc['$id'], doc as SchemaNode);
      indexNodes(doc as SchemaNode);
    }
  }
  return documents;
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
  if (!ref.startsWith('#')) {
    if (absoluteCache.has(ref)) return absoluteCache.get(ref);
    const node = resolve(ref, from);
    absoluteCache.set(ref, node);
    return node;
  }
  return resolve(ref, from);
}

const absoluteCache = new Map<string, SchemaNode | undefined>();

function resolve(ref: string, from: SchemaNode | undefined): SchemaNode | undefined {
  const hash = ref.indexOf('#');
  const docPart = hash < 0 ? ref : ref.slice(0, hash);
  const fragment = hash < 0 ? '' : ref.slice(hash + 1);
  const root = docPart === '' ? (from === undefined ? undefined : (rootOf.get(from) ?? from)) : docs().get(docPart);
  if (root === undefined) return undefined;
  return fragment === '' ? root : pointer(root, fragment);
}

const KIND_FILES: Readonly<Record<Kind, string>> = SCHEMA_FILE_OF_KIND;

/** The schema of a manifest kind, e.g. 'Endpoint' -> endpoint.schema.json. */
export function schemaFor(kind: Kind): SchemaNode | undefined {
  return docs().get(KIND_FILES[kind]);
}

const refCache = new WeakMap<SchemaNode, SchemaNode | null>();

/** The target of node.$ref, memoised: the walker meets the same refs for every document. */
function refTarget(node: SchemaNode): SchemaNode | undefined {
  if (typeof node.$ref !== 'string') return undefined;
  let t = refCache.get(node);
  if (t === undefined) {
    t = schemaNode(node.$ref, node) ?? null;
    refCache.set(node, t);
  }
  return t ?? undefined;
}

/** Follows a $ref chain; the first `default` seen on the way (outermost wins) is kept. */
function deref(node: SchemaNode): { node: SchemaNode; default: unknown } {
  let cur = node;
  let dflt = node.default;
  for (let hops = 0; hops < 32; hops++) {
    const next = refTarget(cur);
    if (next === undefined) break;
    cur = next;
    if (dflt === undefined) dflt = cur.default;
  }
  return { node: cur, default: dflt };
}

/** A private copy of a JSON-like value (defaults, undescribed parts); faster than structuredClone. */
function copyDefault(d: unknown): unknown {
  if (Array.isArray(d)) return d.map(copyDefault);
  if (isObject(d)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(d)) out[k] = copyDefault(d[k]);
    return out;
  }
  return d;
}

function isSchema(s: SchemaNode | boolean | undefined): s is SchemaNode {
  return isObject(s);
}

/** Fills defaults into `value`; `owned`: value is already a private copy that may be filled in place. */
type Filler = (value: unknown, owned: boolean) => unknown;

/** For nodes with nothing below them to fill: a plain copy (JSON-like values), shared with nothing. */
const COPY: Filler = (value, owned) => (owned ? value : copyDefault(value));
const fillers = new WeakMap<SchemaNode, Filler>();

/**
 * A copy of `value` with the schema's defaults filled in wherever a property is missing.
 * Pure: `value` is not changed and the result shares no object or array with it.
 */
export function applyDefaults(schema: SchemaNode, value: unknown): unknown {
  return filler(schema)(value, false);
}

/** The filler of a schema node, built once: each document is then a walk of plain closures. */
function filler(node: SchemaNode): Filler {
  let f = fillers.get(node);
  if (f === undefined) {
    // Registered before building so recursive schemas find a (lazy) entry instead of looping.
    let built: Filler | undefined;
    fillers.set(node, (v, owned) => (built ??= buildFiller(node))(v, owned));
    built = buildFiller(node);
    f = built;
    fillers.set(node, f);
  }
  return f;
}

function buildFiller(node: SchemaNode): Filler {
  const props = Object.entries(node.properties ?? {}).map(([key, schema]) => ({
    key,
    fill: filler(schema),
    dflt: deref(schema).default,
  }));
  const items = isSchema(node.items) ? filler(node.items) : undefined;
  const extra = isSchema(node.additionalProperties) ? filler(node.additionalProperties) : undefined;
  const declared = new Set(props.map((p) => p.key));
  // 2020-12: $ref applies alongside its sibling keywords; a ref loop without descent is dropped.
  const target = refTarget(node);
  const layers: Filler[] = [];
  if (target !== undefined && !refLoops(node)) layers.push(filler(target));
  for (const sub of node.allOf ?? []) layers.push(filler(sub));
  const branches = discriminatorBranches(node);
  if (
    props.length === 0 &&
    items === undefined &&
    extra === undefined &&
    layers.length === 0 &&
    branches === undefined
  ) {
    return COPY;
  }
  return (value, owned) => {
    let out: unknown;
    if (Array.isArray(value)) {
      const arr = owned ? value : value.slice();
      if (items !== undefined) for (let i = 0; i < arr.length; i++) arr[i] = items(arr[i], false);
      out = arr;
    } else if (isObject(value)) {
      const obj = owned ? value : { ...value };
      for (const p of props) {
        const v = obj[p.key];
        if (v !== undefined) obj[p.key] = p.fill(v, false);
        else if (p.dflt !== undefined) obj[p.key] = p.fill(copyDefault(p.dflt), true);
      }
      if (extra !== undefined)
        for (const key of Object.keys(obj)) if (!declared.has(key)) obj[key] = extra(obj[key], false);
      out = obj;
    } else {
      return value; // scalars have no defaults below them
    }
    for (const layer of layers) out = layer(out, true);
    if (branches !== undefined) {
      const b = branches.fill.get((out as Record<string, unknown>)[branches.prop]);
      if (b !== undefined) out = b(out, true);
    }
    return out;
  };
}

function refLoops(node: SchemaNode): boolean {
  const seen = new Set<SchemaNode>([node]);
  for (let cur = refTarget(node); cur !== undefined; cur = refTarget(cur)) {
    if (seen.has(cur)) return true;
    seen.add(cur);
  }
  return false;
}

/** For a oneOf with a discriminator: the branch filler for each value of the tag property. */
function discriminatorBranches(node: SchemaNode): { prop: string; fill: Map<unknown, Filler> } | undefined {
  const prop = node.discriminator?.propertyName;
  if (prop === undefined || node.oneOf === undefined) return undefined;
  const fill = new Map<unknown, Filler>();
  for (const b of node.oneOf) {
    const tag = deref(deref(b).node.properties?.[prop] ?? {}).node;
    for (const t of tag.const !== undefined ? [tag.const] : (tag.enum ?? [])) if (!fill.has(t)) fill.set(t, filler(b));
  }
  return { prop, fill };
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
  return node === undefined ? undefined : copyDefault(deref(node).default);
}
