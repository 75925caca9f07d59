// An upstream API root (a provider's or endpoint's baseUrl) split for connection pooling.

export interface UpstreamUrl {
  readonly baseUrl: string;
  readonly origin: string;
  readonly basePath: string;
}

/**
 * Splits an API root into origin and path, trailing slash removed; undefined when not an
 * http(s) URL. The one judge of a usable baseUrl: validation asks it too (manifest/base-url.ts).
 */
export function splitBaseUrl(raw: string): UpstreamUrl | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined; // gw speaks http(s) only
  if (url.origin === 'null') return undefined; // not a hierarchical URL (e.g. data:)
  const basePath = url.pathname.replace(/\/+$/, '');
  return { baseUrl: url.origin + basePath, origin: url.origin, basePath };
}
