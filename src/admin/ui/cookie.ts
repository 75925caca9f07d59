// The status page's sign-in cookie: the admin key, pasted once into the sign-in form, kept by
// the browser as an HttpOnly, SameSite=Strict cookie (Secure when the listener speaks TLS). The
// admin listener accepts it in place of `Authorization: Bearer` on GET and HEAD only, so a POST
// (apply, rollback) still needs the header and keeps the cross-site guard's rules.

export const ADMIN_COOKIE = 'gw_admin';

/** The value of cookie `name` in a Cookie header; undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const v = pair.slice(eq + 1).trim();
    try {
      return decodeURIComponent(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Set-Cookie holding the key for the admin listener's paths, until the browser closes. */
export function sessionCookie(key: string, secure: boolean): string {
  return `${ADMIN_COOKIE}=${encodeURIComponent(key)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Set-Cookie that removes the key (sign out). */
export function clearedCookie(secure: boolean): string {
  return `${ADMIN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/**
 * The Authorization value to check for this request: the header when sent; else, on GET and
 * HEAD only, the cookie's key as a bearer credential; else undefined (nothing presented).
 */
export function adminCredential(
  method: string,
  authorization: string | undefined,
  cookieHeader: string | undefined,
): string | undefined {
  if (authorization !== undefined) return authorization;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const key = readCookie(cookieHeader, ADMIN_COOKIE);
  return key === undefined || key === '' ? undefined : `Bearer ${key}`;
}
