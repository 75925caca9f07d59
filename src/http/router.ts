// A small method + path router. Routes are exact paths kept in a Map (one lookup per request,
// no regex); `/endpoints/{name}/...` is the same set of routes scoped to one endpoint, found by
// cutting the prefix; whole subtrees (/proxy/..., /api/...) register a prefix instead.

export type MatchResult<T> =
  | { readonly kind: 'found'; readonly value: T; readonly endpointScope: string | undefined; readonly rest: string }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

const SCOPE_PREFIX = '/endpoints/';

export class Router<T> {
  readonly #exact = new Map<string, Map<string, T>>();
  /** Paths that also answer under /endpoints/{name}. */
  readonly #scopable = new Set<string>();
  readonly #prefixes: { prefix: string; methods: Map<string, T> }[] = [];

  /** `scopable`: the route also answers as /endpoints/{name}{path}. */
  add(method: string, path: string, value: T, opts: { scopable?: boolean } = {}): this {
    let byMethod = this.#exact.get(path);
    if (byMethod === undefined) this.#exact.set(path, (byMethod = new Map()));
    if (byMethod.has(method)) throw new Error(`route ${method} ${path} is registered twice`);
    byMethod.set(method, value);
    if (opts.scopable === true) this.#scopable.add(path);
    return this;
  }

  /** Every path under `prefix` (which ends with '/'); `rest` holds what follows it. */
  addPrefix(method: string, prefix: string, value: T): this {
    let entry = this.#prefixes.find((p) => p.prefix === prefix);
    if (entry === undefined) this.#prefixes.push((entry = { prefix, methods: new Map() }));
    entry.methods.set(method, value);
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
    let rest = '';
    if (byMethod === undefined) {
      const entry = this.#prefixes.find((p) => path.startsWith(p.prefix));
      if (entry !== undefined) {
        byMethod = entry.methods;
        rest = url.slice(entry.prefix.length);
      }
    }
    if (byMethod === undefined) return { kind: 'not-found' };
    const value = byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
    if (value === undefined) return { kind: 'method-not-allowed', allow: [...byMethod.keys()] };
    return { kind: 'found', value, endpointScope, rest };
  }
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
