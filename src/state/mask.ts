// Secret masking for anything a plan shows (pretty, JSON, admin API). A credential written as a
// reference is shown as written (`${env:OPENAI_API_KEY}` says where it comes from and is no
// secret); a literal one becomes [masked], and so does the fallback of ${env:X:-fallback}.
// keyHash is a one-way hash and is shown.
import { scanValue } from '../manifest/env.js';
import type { Manifest } from '../manifest/types.js';
import type { Change, FieldChange, Plan } from './plan.js';
import { parseFieldPath, type Segment } from './path.js';

export const MASK = '[masked]';

/** Header names whose values are credentials. */
const SECRET_HEADER = /^(proxy-)?authorization$|^(x-)?api-key$|token|secret|password/i;
/** Literal text around a reference that is safe to show: nothing, or an auth scheme ("Bearer "). */
const SAFE_LITERAL = /^\s*([A-Za-z]+\s+)?$/;

function endsWith(path: readonly Segment[], tail: readonly string[]): boolean {
  return tail.every((s, i) => path[path.length - tail.length + i] === s);
}

/** True when the string at `path` is a credential. */
export function isSecretPath(path: readonly Segment[]): boolean {
  if (endsWith(path, ['auth', 'bearer']) || endsWith(path, ['auth', 'header', 'value'])) return true;
  if (endsWith(path, ['admin', 'key']) || endsWith(path, ['vertex', 'credentials'])) return true;
  // A bedrock provider's AWS secret key and session token (the access key id is no secret).
  if (endsWith(path, ['credentials', 'secretAccessKey']) || endsWith(path, ['credentials', 'sessionToken']))
    return true;
  const last = path[path.length - 1];
  return path[path.length - 2] === 'headers' && typeof last === 'string' && SECRET_HEADER.test(last);
}

/** A credential for display: references as written, literal parts [masked]. */
export function maskSecret(value: string): string {
  if (value === '') return value;
  const { pieces, error } = scanValue(value);
  if (error !== undefined || !pieces.some((p) => typeof p !== 'string')) return MASK;
  let out = '';
  for (const p of pieces) {
    if (typeof p === 'string') out += SAFE_LITERAL.test(p) ? p : MASK;
    else if (p.type === 'env' && p.fallback !== undefined && p.fallback !== '') out += `\${env:${p.name}:-${MASK}}`;
    else out += p.raw;
  }
  return out;
}

const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)([^/@]*)@/i;

/** A URL with its literal password (https://user:pass@host) masked; the rest as written. */
function maskUrlPassword(value: string): string {
  const m = URL_USERINFO.exec(value);
  const password = m?.[2];
  if (m === null || password === undefined || password === '') return value;
  const masked = maskSecret(password);
  return m[1] + masked + value.slice(m[0].length - 1);
}

/** A copy of `value` (found at `path` in a manifest) with every credential in it masked. */
export function maskValue(path: readonly Segment[], value: unknown): unknown {
  if (typeof value === 'string') {
    if (isSecretPath(path)) return maskSecret(value);
    const last = path[path.length - 1];
    return last === 'baseUrl' || last === 'url' ? maskUrlPassword(value) : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => maskValue([...path, i], v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskValue([...path, k], v);
    return out;
  }
  return value;
}

export function maskManifest<M extends Manifest>(m: M): M {
  return maskValue([], m) as M;
}

function maskField(f: FieldChange): FieldChange {
  // Paths come from formatFieldPath, so they parse; an unparseable one is masked whole to be safe.
  const path = parseFieldPath(f.path);
  const mask = (v: unknown): unknown => (path === undefined ? MASK : maskValue(path, v));
  const out: { path: string; before?: unknown; after?: unknown } = { path: f.path };
  if ('before' in f) out.before = mask(f.before);
  if ('after' in f) out.after = mask(f.after);
  return out;
}

export function maskChange(c: Change): Change {
  const out: { -readonly [K in keyof Change]: Change[K] } = {
    op: c.op,
    kind: c.kind,
    workspace: c.workspace,
    name: c.name,
  };
  if (c.before !== undefined) out.before = maskManifest(c.before);
  if (c.after !== undefined) out.after = maskManifest(c.after);
  if (c.fields !== undefined) out.fields = c.fields.map(maskField);
  return out;
}

/** The plan as it may be shown: every credential masked. The input is not changed. */
export function maskPlan(p: Plan): Plan {
  return { ...p, changes: p.changes.map(maskChange) };
}
