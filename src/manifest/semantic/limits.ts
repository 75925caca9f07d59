// Limits that contradict each other on one endpoint: a tpm below maxInputTokens would refuse, with
// 429 every minute, requests the token cap itself lets through. (Zero and negative limits are
// schema errors: positiveInt.)
import { isKind, type SemanticContext } from './context.js';

export function checkLimits(ctx: SemanticContext): void {
  for (const r of ctx.resources) {
    if (!isKind(r, 'Endpoint') || r.manifest.spec.type !== 'chat') continue;
    const limits = r.manifest.spec.limits;
    const tpm = limits?.tpm;
    const cap = limits?.maxInputTokens;
    if (tpm === undefined || cap === undefined || tpm >= cap) continue;
    const msg =
      `limits.tpm of endpoint ${r.name} is ${tpm}, below its limits.maxInputTokens ${cap}: a request the cap ` +
      `lets through could never fit in a minute's tokens; raise tpm to at least ${cap} or lower maxInputTokens`;
    ctx.report(r, ['spec', 'limits', 'tpm'], 'GW_ERR_SCHEMA', msg);
  }
}
