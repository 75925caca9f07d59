// A small method + path router, shared by the proxy and admin listeners. Fixed paths are kept in
// a Map (one lookup per request, no regex, no split): the proxy's hot routes take that way.
// `/endpoints/{name}/...` is the same set of fixed routes scoped to one endpoint, found by
// cutting the prefix. Paths with parameters (`/api/{workspace}/{endpoint}`) and a trailing
// wildcard (`/proxy/{provider}/{endpoint}/*`) are tried after that, in registration order.

export type MatchResult<T> =
  | {
      readonly kind: 'found';
      readonly value: T;
      readonly endpointScope: string | undefined;
      /** The `{name}` segments of a pattern route, decoded; empty for a fixed route. */
      readonly params: Readonly<Record<string, string>>;
      /** What a trailing `*` matched: the rest of the path (no query), as sent; '' otherwise. */
      readonly rest: string;
    }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

const SCOPE_PREFIX = '/endpoints/';
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** A path segment of a pattern: a literal, or a `{name}` parameter (name set). */
interface Segment {
  readonly literal: string;
  readonly name: string | undefined;
}

interface Pattern {
  readonly path: string;
  readonly segments: readonly Segment[];
  /** The pattern ends in `/*`. */
  readonly wildcard: boolean;
  readonly methods: Map<string, unknown>;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function parsePattern(path: string): { segments: Segment[]; wildcard: boolean } {
  const parts = path.split('/').slice(1);
  const wildcard = parts[parts.length - 1] === '*';
  if (wildcard) parts.pop();
  const names = new Set<string>();
  const segments = parts.map((p): Segment => {
    const m = PARAM.exec(p);
    if (m === null) {
      if (p.includes('{') || p.includes('}') || p.includes('*'))
        throw new Error(`route ${path}: '${p}' is neither a literal nor a {name} segment`);
      return { literal: p, name: undefined };
    }
    const name = m[1] as string;
    if (names.has(name)) throw new Error(`route ${path}: parameter {${name}} appears twice`);
    names.add(name);
    return { literal: '', name };
  });
  return { segments, wildcard };
}

function isPattern(path: string): boolean {
  return path.includes('{') || path.includes('*');
}

export class Router<T> {
  readonly #exact = new Map<string, Map<string, T>>();
  /** Paths that also answer under /endpoints/{name}. */
  readonly #scopable = new Set<string>();
  readonly #patterns: Pattern[] = [];

  /**
   * `path` is fixed (`/v1/models`) or a pattern: `{name}` segments match one non-empty segment
   * each, and a trailing `/*` matches the rest of the path (possibly empty). `scopable`: a
   * fixed route that also answers as /endpoints/{name}{path}.
   */
  add(method: string, path: string, value: T, opts: { scopable?: boolean } = {}): this {
    if (!path.startsWith('/')) throw new Error(`route ${path} must start with '/'`);
    let byMethod: Map<string, unknown>;
    if (isPattern(path)) {
      if (opts.scopable === true) throw new Error(`route ${path}: a pattern route cannot be scopable`);
      let entry = this.#patterns.find((p) => p.path === path);
      if (entry === undefined) this.#patterns.push((entry = { path, ...parsePattern(path), methods: new Map() }));
      byMethod = entry.methods;
    } else {
      let fixed = this.#exact.get(path);
      if (fixed === undefined) this.#exact.set(path, (fixed = new Map()));
      byMethod = fixed;
      if (opts.scopable === true) this.#scopable.add(path);
    }
    if (byMethod.has(method)) throw new Error(`route ${method} ${path} is registered twice`);
    byMethod.set(method, value);
    return this;
  }

  match(method: string, url: string): MatchResult<T> {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    let endpointScope: string | undefined;
    let byMethod = this.#exact.get(path);
    if (byMethod === undefined && path.startsWith(SCOPE_PREFIX)) {
      const slash = path.indexOf('/', SCOPE_PREFIX.length);
      if (slash > SCOPE_PREFIX.length) {
        const inner = path.slice(slash);
        if (this.#scopable.has(inner)) {
          endpointScope = decodeSegment(path.slice(SCOPE_PREFIX.length, slash));
          byMethod = this.#exact.get(inner);
        }
      }
    }
    // A fixed path decides on its own (its methods, not the patterns'), as before patterns existed.
    if (byMethod === undefined)
      return this.#patterns.length === 0 ? { kind: 'not-found' } : this.#matchPattern(method, path);
    const value = pick(byMethod, method);
    if (value === undefined) return { kind: 'method-not-allowed', allow: [...byMethod.keys()] };
    return { kind: 'found', value, endpointScope, params: NO_PARAMS, rest: '' };
  }

  /** The first pattern that matches path and method; else 405 with every method the path has. */
  #matchPattern(method: string, path: string): MatchResult<T> {
    const parts = path.split('/');
    let allow: string[] | undefined;
    for (const p of this.#patterns) {
      const captured = matchSegments(p, parts);
      if (captured === undefined) continue;
      const value = pick(p.methods as Map<string, T>, method);
      if (value !== undefined) {
        const { params, restFrom } = captured;
        const rest = p.wildcard && restFrom < parts.length ? parts.slice(restFrom).join('/') : '';
        return { kind: 'found', value, endpointScope: undefined, params, rest };
      }
      allow ??= [];
      for (const m of p.methods.keys()) if (!allow.includes(m)) allow.push(m);
    }
    return allow === undefined ? { kind: 'not-found' } : { kind: 'method-not-allowed', allow };
  }
}

function pick<T>(byMethod: Map<string, T>, method: string): T | undefined {
  return byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
}

/** `parts` is the path split on '/' (parts[0] is ''); undefined when the pattern does not match. */
function matchSegments(
  p: Pattern,
  parts: readonly string[],
): { params: Record<string, string>; restFrom: number } | undefined {
  const n = p.segments.length;
  // Without a wildcard the segment counts are equal; with one, `/a/b` matches `/a/b/*` too.
  if (p.wildcard ? parts.length - 1 < n : parts.length - 1 !== n) return undefined;
  let params: Record<string, string> | undefined;
  for (let i = 0; i < n; i++) {
    const seg = p.segments[i] as Segment;
    const part = parts[i + 1] as string;
    if (seg.name === undefined) {
      if (part !== seg.literal) return undefined;
    } else {
      if (part === '') return undefined;
      (params ??= {})[seg.name] = decodeSegment(part);
    }
  }
  return { params: params ?? NO_PARAMS, restFrom: n + 1 };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
