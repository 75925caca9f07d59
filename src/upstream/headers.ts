// Header hygiene for upstream requests. Hop-by-hop headers (RFC 9110 §7.6.1) describe one
// connection and must not travel further; the caller's gateway credentials must never reach
// an upstream. Chat requests build headers from scratch; forwardHeaders() serves proxies.

const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** Headers that carry the caller's gateway key. */
const CALLER_AUTH: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'api-key', 'cookie']);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  if (value === undefined) return out;
  for (const v of Array.isArray(value) ? value : [value]) {
    for (const t of v.split(',')) {
      const name = t.trim().toLowerCase();
      if (name !== '') out.add(name);
    }
  }
  return out;
}

/** A caller's headers minus hop-by-hop and caller auth, names lower-cased; for transparent proxies. */
export function forwardHeaders(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const listed = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const [rawName, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP.has(name) || CALLER_AUTH.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

const cache = new WeakMap<object, Readonly<Record<string, string>>>();

/** Configured provider headers with hop-by-hop names dropped; computed once per frozen headers object. */
export function providerHeaders(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let clean = cache.get(headers);
  if (clean === undefined) {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!HOP_BY_HOP.has(lower)) out[lower] = value;
    }
    clean = Object.freeze(out);
    cache.set(headers, clean);
  }
  return clean;
}

/** Protocol headers from the adapter, then the provider's auth and custom headers, then tracing. */
export function upstreamHeaders(
  protocol: Readonly<Record<string, string>>,
  provider: Readonly<Record<string, string>>,
  requestId: string,
): Record<string, string> {
  // Object.assign, then the one field: a spread followed by a new field leaves V8's fast path
  // (bench/README.md, "Hot-path rules of thumb").
  const out: Record<string, string> = Object.assign({}, protocol, providerHeaders(provider));
  out['x-request-id'] = requestId;
  return out;
}

/** Request headers gw sets itself on a proxied request, so a caller's copy is dropped. */
const PROXY_OWN: ReadonlySet<string> = new Set(['x-request-id', 'expect']);

/**
 * A proxied request's headers: the caller's (hop-by-hop, gateway key and `Expect` dropped; gw
 * answered 100-continue itself), then the endpoint's auth and custom headers (they win), then
 * `x-request-id`. Content-Length goes through when the caller sent one, so the upstream gets the
 * same framing; `Host` is the upstream's (undici sets it from the origin).
 */
export function proxyRequestHeaders(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
  endpoint: Readonly<Record<string, string>>,
  requestId: string,
): Record<string, string | string[]> {
  const out = forwardHeaders(incoming);
  for (const name of PROXY_OWN) delete out[name];
  const length = incoming['content-length'];
  if (typeof length === 'string' && incoming['transfer-encoding'] === undefined) out['content-length'] = length;
  Object.assign(out, providerHeaders(endpoint));
  out['x-request-id'] = requestId;
  return out;
}

/** Answer headers gw sets itself: the upstream's copies are dropped so gw's own id goes out. */
const ANSWER_OWN: ReadonlySet<string> = new Set(['x-request-id', 'request-id']);

/**
 * A proxied answer's headers as they came, minus hop-by-hop ones (Content-Length is kept: the
 * body is passed on byte for byte, so the framing stays true; without it Node chunks the answer).
 */
export function proxyAnswerHeaders(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const listed = connectionTokens(incoming['connection']);
  const out: Record<string, string | string[]> = {};
  for (const [rawName, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name !== 'content-length' && (HOP_BY_HOP.has(name) || listed.has(name))) continue;
    if (ANSWER_OWN.has(name)) continue;
    out[name] = value;
  }
  return out;
}
