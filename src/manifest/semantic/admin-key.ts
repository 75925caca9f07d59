// The admin key written into gateway.yaml must be at least ADMIN_KEY_MIN_LENGTH characters: a
// short key can be guessed even through the admin throttle. A reference (${env:...}) is checked
// after resolution, when `gw serve` starts (src/admin/runtime.ts). The message never repeats the key.
import { hasReference } from './secrets.js';
import { isKind, type SemanticContext } from './context.js';

export const ADMIN_KEY_MIN_LENGTH = 32;

/** Characters as a person counts them (code points). */
export function keyLength(key: string): number {
  return [...key].length;
}

export function checkAdminKey(ctx: SemanticContext): void {
  for (const r of ctx.resources) {
    if (!isKind(r, 'Gateway')) continue;
    const key = r.manifest.spec.admin?.key;
    if (typeof key !== 'string' || key === '' || hasReference(key) || keyLength(key) >= ADMIN_KEY_MIN_LENGTH) continue;
    const msg =
      `the admin key of gateway ${r.name} has ${keyLength(key)} characters; it needs at least ${ADMIN_KEY_MIN_LENGTH} ` +
      '(e.g. `openssl rand -base64 32`, kept in GW_ADMIN_KEY and written as ${env:GW_ADMIN_KEY})';
    ctx.report(r, ['spec', 'admin', 'key'], 'GW_ERR_ADMIN_KEY_WEAK', msg);
  }
}
