// Which targets serve a model, and in what order to try them: declared order for fallback,
// a weighted random order for loadbalance (the rest of the order is the fallback chain).
import type { CompiledChatEndpoint, CompiledTarget } from '../compile/routing-table.js';

export function orderTargets(endpoint: CompiledChatEndpoint, model: string, random: () => number): CompiledTarget[] {
  const eligible = endpoint.targets.filter((t) => t.models.has(model));
  if (endpoint.strategy !== 'loadbalance' || eligible.length < 2) return eligible;
  const out: CompiledTarget[] = [];
  while (eligible.length > 0) {
    let total = 0;
    for (const t of eligible) total += Math.max(0, t.weight);
    let idx = 0;
    if (total > 0) {
      let r = random() * total;
      for (idx = 0; idx < eligible.length - 1; idx++) {
        r -= Math.max(0, eligible[idx]?.weight ?? 0);
        if (r < 0) break;
      }
    }
    out.push(...eligible.splice(idx, 1));
  }
  return out;
}
