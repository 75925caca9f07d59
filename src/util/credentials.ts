// The credential values a provider sends, found once at compile time (and for hand-built
// providers on first use): the compiler stores them, the upstream scrubber replaces them.

/** The parts of a provider's auth block that hold credentials (manifest UpstreamAuth fits). */
export interface AuthValues {
  readonly bearer?: string | undefined;
  readonly header?: { readonly name?: string; readonly value?: string | undefined } | undefined;
}

/** Header names whose values are treated as credentials (besides the auth block's). */
const SECRET_HEADER = /auth|key|token|secret|passw|credential|signature|session|cookie/i;
/** Shorter values are not scrubbed: they would redact common words. */
const MIN_SECRET = 8;

/**
 * The credential values a provider sends, to scrub from whatever an upstream echoes back: the
 * bearer token, the auth header's value, and custom header values whose names look secret
 * (for `authorization: <scheme> <token>` both the whole value and the token). Longest first,
 * so a secret containing another is replaced whole.
 */
export function credentialSecrets(
  custom: Readonly<Record<string, string>>,
  auth?: AuthValues,
  /** Other secret settings of the provider type (e.g. an AWS secret key). */
  extra: readonly (string | undefined)[] = [],
): readonly string[] {
  const found = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v !== 'string') return;
    const value = v.trim();
    if (value.length >= MIN_SECRET) found.add(value);
    const token = /^[A-Za-z]+\s+(\S+)$/.exec(value)?.[1];
    if (token !== undefined && token.length >= MIN_SECRET) found.add(token);
  };
  if (auth !== undefined) {
    add(auth.bearer);
    add(auth.header?.value);
  }
  for (const [name, value] of Object.entries(custom)) if (SECRET_HEADER.test(name)) add(value);
  for (const v of extra) add(v);
  return Object.freeze([...found].sort((a, b) => b.length - a.length));
}
