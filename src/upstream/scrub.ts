// Upstream error text is untrusted and may echo what gw sent it: a 401 that quotes the key it
// received would otherwise carry gw's own credential into the caller's 502, the attempt log,
// /admin/v1/requests and the log lines. Scrubbed once, where an attempt's failure is made.
import { credentialSecrets } from '../util/credentials.js';
import type { CompiledProvider } from '../compile/routing-table.js';
import type { Failure } from './failure.js';

export const REDACTED = '[redacted]';

/** Upstream text kept in a failure message; the rest of a long message is cut. */
export const MAX_MESSAGE_CHARS = 1000;

/** `Bearer <token>`: tokens carry a digit, which spares prose such as "bearer authentication". */
const BEARER = /\b(bearer\s+)(?=[\w.~+/=-]*\d)[\w.~+/=-]{8,}/gi;
/** A credential header echoed as `name: value`, `name=value` or `"name": "value"` (also JSON-escaped). */
const HEADER_ECHO =
  /\b((?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key)(\\?["']?[ \t]*[:=][ \t]*\\?["']?)[^\r\n"'\\,;}]+/gi;

/** Hand-built providers (tests, tools) have no compiled secrets: derive them from the headers once. */
const derived = new WeakMap<object, readonly string[]>();

export function secretsOf(provider: CompiledProvider): readonly string[] {
  if (provider.secrets !== undefined) return provider.secrets;
  let s = derived.get(provider.headers);
  if (s === undefined) {
    s = credentialSecrets(provider.headers);
    derived.set(provider.headers, s);
  }
  return s;
}

/** text with every secret and any credential echo replaced by [redacted], cut to MAX_MESSAGE_CHARS. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  out = out.replace(BEARER, `$1${REDACTED}`).replace(HEADER_ECHO, `$1$2${REDACTED}`);
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS)}…` : out;
}

/** The failure with its message scrubbed. */
export function scrubFailure(f: Failure, secrets: readonly string[]): Failure {
  const message = scrubText(f.message, secrets);
  return message === f.message ? f : { ...f, message };
}
