// The rest of a transparent-proxy path (what follows /proxy/{provider}/{endpoint}/), checked so
// that nothing a caller sends can name a path outside the endpoint's baseUrl prefix, or another
// host. The path is forwarded as sent (its %-encoding untouched, never re-encoded), so the check
// looks at what any later decoder could make of it: each segment is decoded up to
// MAX_DECODE_ROUNDS times (double and triple encoding), and a refusal is final. Refused:
//   - `.` and `..` segments, in any encoding (`%2e%2e`, `%252e%252e`, `.%2e`);
//   - a `/` or `\` that only shows after decoding (`%2f`, `%5c`, `%252f`): a server that decodes
//     before routing would see other segments than gw did;
//   - a literal `\` (some servers read it as `/`), and empty segments (`//host`, `a//b`) but a
//     trailing slash;
//   - control characters (%00-%1f, %7f) and malformed %-encoding; `#` (never part of a sent path).
// Pure, no regex per request: one pass over the characters, and decodeURIComponent only for
// segments that hold a '%'.

/** Decoding rounds a segment is checked through: covers double and triple encoding. */
const MAX_DECODE_ROUNDS = 3;

export type ProxyPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

function refuse(reason: string): ProxyPath {
  return { ok: false, reason };
}

/** A reason the decoded text of one segment is unsafe, or undefined. */
function unsafeDecoded(s: string): string | undefined {
  if (s === '.' || s === '..') return 'a dot segment (. or ..)';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2f) return 'an encoded slash';
    if (c === 0x5c) return 'a backslash';
    if (c < 0x20 || c === 0x7f) return 'a control character';
  }
  return undefined;
}

function checkSegment(raw: string): string | undefined {
  let s = raw;
  const first = unsafeDecoded(s);
  if (first !== undefined) return first;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    if (!s.includes('%')) return undefined;
    let next: string;
    try {
      next = decodeURIComponent(s);
    } catch {
      // As sent, bad %-encoding is refused; after a round, a lone '%' is a literal one (%25).
      return round === 0 ? 'malformed %-encoding' : undefined;
    }
    if (next === s) return undefined;
    s = next;
    const why = unsafeDecoded(s);
    if (why !== undefined) return why;
  }
  try {
    // Still encoded after every round: deeper nesting than any honest client sends.
    if (s.includes('%') && decodeURIComponent(s) !== s) return 'too many layers of %-encoding';
  } catch {
    // a literal '%' left: fine
  }
  return undefined;
}

/**
 * `rest` is the path after the endpoint segment, without the leading '/' and without the query
 * (the router's `rest`). Returns the path to append to the baseUrl path: '/' + rest, or '' for
 * an empty rest.
 */
export function proxyPath(rest: string): ProxyPath {
  if (rest === '') return { ok: true, path: '' };
  if (rest.includes('\\')) return refuse('a backslash');
  if (rest.includes('#')) return refuse('a fragment (#)');
  const segments = rest.split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    if (seg === '') {
      // A trailing slash is a path of its own (/items/ vs /items); any other empty segment is //.
      if (i === segments.length - 1 && i > 0) continue;
      return refuse('an empty path segment (//)');
    }
    const why = checkSegment(seg);
    if (why !== undefined) return refuse(why);
  }
  return { ok: true, path: `/${rest}` };
}
