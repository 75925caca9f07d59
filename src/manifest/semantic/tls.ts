// TLS settings of providers and proxy endpoints. `rejectUnauthorized: false` accepts any
// certificate, so anyone on the path can read the upstream credentials gw injects: a warning,
// an error with --strict. A private CA belongs in `tls.ca` instead.
import type { Resource, Tls } from '../types.js';
import { isKind, type SemanticContext } from './context.js';

function checkTls(ctx: SemanticContext, r: Resource, tls: Tls | undefined): void {
  if (tls?.rejectUnauthorized !== false) return;
  const msg =
    `${r.kind.toLowerCase()} ${r.name} turns TLS certificate checks off (rejectUnauthorized: false): anyone on the ` +
    `network path can read its upstream credentials; give the upstream's CA in tls.ca instead`;
  ctx.report(r, ['spec', 'tls', 'rejectUnauthorized'], 'GW_ERR_TLS_INSECURE', msg, {
    severity: ctx.strict ? 'error' : 'warning',
  });
}

export function checkTlsSettings(ctx: SemanticContext): void {
  for (const r of ctx.resources) {
    if (isKind(r, 'Provider')) checkTls(ctx, r, r.manifest.spec.tls);
    else if (isKind(r, 'Endpoint') && r.manifest.spec.type === 'proxy') checkTls(ctx, r, r.manifest.spec.tls);
  }
}
