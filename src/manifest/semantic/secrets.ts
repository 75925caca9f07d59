// Credentials written literally where a ${env:...} or ${file:...} reference belongs (they would
// end up in Git, in diffs and in revisions), and caller key hashes in the wrong form. Messages
// never repeat the value: it may be a real secret.
import type { Resource, UpstreamAuth } from '../types.js';
import { isKind, type Path, type SemanticContext } from './context.js';

const REFERENCE = /\$\{(env|file):/;
/** Header names whose values are credentials. */
const SECRET_HEADER = /^(proxy-)?authorization$|(^|[-_])(api[-_]?key|token|secret|password)$/i;
const KEY_HASH = /^sha256:[0-9a-f]{64}$/;

export function hasReference(value: string): boolean {
  return REFERENCE.test(value);
}

function literal(ctx: SemanticContext, r: Resource, path: Path, value: unknown, what: string): void {
  if (typeof value !== 'string' || value === '' || hasReference(value)) return;
  const msg =
    `${what} of ${r.kind.toLowerCase()} ${r.name} is written literally; a secret in a manifest ends up in Git, diffs and ` +
    `revisions, so write \${env:NAME} or \${file:./path} instead`;
  ctx.report(r, path, 'GW_ERR_LITERAL_SECRET', msg, { severity: ctx.strict ? 'error' : 'warning' });
}

/** A URL with a password in it (https://user:pass@host, redis://:pass@host). */
export function checkUrlPassword(ctx: SemanticContext, r: Resource, path: Path, value: unknown): void {
  if (typeof value !== 'string' || hasReference(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return; // malformed URLs are reported by the baseUrl check
  }
  if (url.password !== '') literal(ctx, r, path, value, `the password in the URL at ${path.join('.')}`);
}

function checkAuth(ctx: SemanticContext, r: Resource, auth: UpstreamAuth | undefined): void {
  if (auth === undefined) return;
  literal(ctx, r, ['spec', 'auth', 'bearer'], auth.bearer, 'the bearer token');
  literal(
    ctx,
    r,
    ['spec', 'auth', 'header', 'value'],
    auth.header?.value,
    `the ${auth.header?.name ?? 'auth'} header value`,
  );
}

function checkHeaders(
  ctx: SemanticContext,
  r: Resource,
  headers: Record<string, string | undefined> | undefined,
): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (SECRET_HEADER.test(name)) literal(ctx, r, ['spec', 'headers', name], value, `header ${name}`);
  }
}

function checkKeyHash(ctx: SemanticContext, r: Resource, hash: string): void {
  if (KEY_HASH.test(hash) || hasReference(hash)) return;
  const rest = hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : undefined;
  let why: string;
  if (rest === undefined && /^[0-9a-fA-F]{64}$/.test(hash)) why = 'it lacks the sha256: prefix';
  else if (rest !== undefined && /^[0-9A-Fa-f]{64}$/.test(rest)) why = 'its hex digits must be lowercase';
  else if (rest !== undefined) why = `sha256: must be followed by exactly 64 hex digits, not ${rest.length} characters`;
  else why = 'it does not start with sha256: (is this the plaintext key? it must never be in a manifest)';
  const msg =
    `keyHash of api key ${r.name} is not sha256: followed by 64 lowercase hex digits: ${why}; ` +
    'use the hash that `gw keys create` prints';
  ctx.report(r, ['spec', 'keyHash'], 'GW_ERR_KEY_HASH_FORMAT', msg);
}

export function checkSecrets(ctx: SemanticContext): void {
  for (const r of ctx.resources) {
    if (isKind(r, 'Provider')) {
      checkAuth(ctx, r, r.manifest.spec.auth);
      checkHeaders(ctx, r, r.manifest.spec.headers);
      checkUrlPassword(ctx, r, ['spec', 'baseUrl'], r.manifest.spec.baseUrl);
      const aws = r.manifest.spec.bedrock?.credentials;
      const at = ['spec', 'bedrock', 'credentials'];
      literal(ctx, r, [...at, 'secretAccessKey'], aws?.secretAccessKey, 'the AWS secret access key');
      literal(ctx, r, [...at, 'sessionToken'], aws?.sessionToken, 'the AWS session token');
      const key = r.manifest.spec.vertex?.credentials;
      literal(ctx, r, ['spec', 'vertex', 'credentials'], key, 'the service-account key');
    } else if (isKind(r, 'Endpoint') && r.manifest.spec.type === 'proxy') {
      checkAuth(ctx, r, r.manifest.spec.auth);
      checkHeaders(ctx, r, r.manifest.spec.headers);
      checkUrlPassword(ctx, r, ['spec', 'baseUrl'], r.manifest.spec.baseUrl);
    } else if (isKind(r, 'ApiKey')) {
      checkKeyHash(ctx, r, r.manifest.spec.keyHash);
    } else if (isKind(r, 'Gateway')) {
      literal(ctx, r, ['spec', 'admin', 'key'], r.manifest.spec.admin?.key, 'the admin key');
      checkUrlPassword(ctx, r, ['spec', 'limits', 'url'], r.manifest.spec.limits?.url);
    }
  }
}
