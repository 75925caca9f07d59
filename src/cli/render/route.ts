// `gw route` output: the key, where the model goes, allowed or refused (with the code the
// server would answer), targets in order, and the endpoint's policies.
import chalk from 'chalk';
import type { ExplainedPolicies, ExplainedTarget, RouteExplanation } from '../../ops/route-explain.js';
import type { LiveReadings } from '../../ops/route-live.js';
import { formatReset } from '../../policy/rate-limits.js';
import { formatUsd } from '../../policy/budgets.js';
import { renderTable, type CellInput } from './table.js';

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function list(values: readonly string[] | null, none = 'all the roles allow'): string {
  if (values === null) return none;
  return values.length === 0 ? '(none)' : values.join(', ');
}

function pairs(obj: object): string {
  const parts = Object.entries(obj)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function targetRows(targets: readonly ExplainedTarget[], prefix: string): CellInput[][] {
  const rows: CellInput[][] = [];
  targets.forEach((t, i) => {
    const n = `${prefix}${i + 1}`;
    if (t.kind === 'provider') {
      rows.push([n, t.provider, t.type, t.upstreamModel, t.weight, formatMs(t.timeoutMs), t.retries]);
      return;
    }
    const problem = t.problem === null ? '' : ` (${t.problem})`;
    rows.push([
      n,
      { text: `endpoint ${t.endpoint}${problem}`, paint: t.problem === null ? chalk.cyan : chalk.red },
      'ref',
      t.model,
      t.weight,
      '-',
      t.retries,
    ]);
    rows.push(...targetRows(t.targets, `${n}.`));
  });
  return rows;
}

/** "#1  POST https://…" for every provider target, nested ones numbered as in the table. */
function targetUrls(targets: readonly ExplainedTarget[], prefix: string): string[] {
  return targets.flatMap((t, i) => {
    const n = `${prefix}${i + 1}`;
    if (t.kind === 'provider') return t.url === null ? [] : [`  #${n}  ${chalk.dim(t.url)}`];
    return targetUrls(t.targets, `${n}.`);
  });
}

function renderPolicies(p: ExplainedPolicies): string[] {
  const prompt: string[] = [];
  if (p.prompt.system !== null) prompt.push(`system ${JSON.stringify(p.prompt.system)}`);
  if (p.prompt.template !== null) prompt.push(`template ${JSON.stringify(p.prompt.template)}`);
  const guardrails = p.guardrails.map((g) => `${g.name} (${g.stage}, ${g.action}: ${g.rules.join('; ')})`);
  const sessions =
    p.sessions === null
      ? 'off'
      : `ttl ${formatMs(p.sessions.ttlMs)}, maxMessages ${p.sessions.maxMessages}${p.sessions.maxTokens !== undefined ? `, maxTokens ${p.sessions.maxTokens}` : ''}`;
  const limits = pairs(p.limits);
  return [
    `  limits      ${limits}`,
    `  guardrails  ${guardrails.length > 0 ? `${guardrails.join(', ')} (enforced)` : 'none'}`,
    `  prompt      ${prompt.length > 0 ? prompt.join('; ') : 'none'}`,
    `  params      ${pairs(p.params)}${Object.keys(p.params).length > 0 ? (p.lockParams ? ' (locked: endpoint values win)' : ' (defaults: caller values win)') : ''}`,
    `  streaming   ${p.streaming ? 'allowed' : 'refused (stream: true answers 400)'}`,
    `  schema      input ${p.inputSchema ? 'set' : 'none'}, output ${p.outputSchema ? 'set' : 'none'}`,
    `  sessions    ${sessions}`,
  ];
}

/** `gw route --server`: each limit and budget that would apply, with what it has left now. */
function renderLive(live: LiveReadings): string[] {
  if (live.limits.length === 0 && live.budgets.length === 0) return ['', 'now         no rate limit or budget applies'];
  const rows: CellInput[][] = [];
  for (const l of live.limits) {
    const unit = l.kind === 'tpm' ? 'tokens' : 'requests';
    const window = l.kind === 'rph' ? 'hour' : 'minute';
    rows.push([
      `${l.subject} ${l.name}`,
      `${l.kind} ${l.limit}`,
      { text: `${l.remaining} ${unit}`, paint: l.remaining === 0 ? chalk.red : (s: string) => s },
      l.resetMs === 0 ? `full (sliding ${window})` : `oldest leaves in ${formatReset(l.resetMs)}`,
    ]);
  }
  for (const b of live.budgets) {
    rows.push([
      `${b.subject} ${b.name}`,
      `budget ${formatUsd(b.budgetUsd)}/month`,
      { text: formatUsd(b.remainingUsd), paint: b.remainingUsd === 0 ? chalk.red : (s: string) => s },
      `spent ${formatUsd(b.spentUsd)}${b.heldUsd > 0 ? `, ${formatUsd(b.heldUsd)} held in flight` : ''} in ${b.month}`,
    ]);
  }
  const table = renderTable(
    [{ title: 'APPLIES TO' }, { title: 'LIMIT' }, { title: 'REMAINING', align: 'right' }, { title: 'WINDOW' }],
    rows,
  );
  return ['', 'now (the running gateway)', table.trimEnd().replace(/^/gm, '  ')];
}

export function renderRoute(x: RouteExplanation, live?: LiveReadings): string {
  const out: string[] = [];
  if (x.key === null) {
    out.push(`key         ${chalk.red('unknown')} (${x.keyHash.slice(0, 19)}…)`);
  } else {
    const k = x.key;
    const status = k.status === 'valid' ? chalk.green('valid') : chalk.red(k.status);
    out.push(
      `key         ${chalk.bold(k.name)} (workspace ${k.workspace}) ${status}${k.expiresAt !== null ? `, expires ${k.expiresAt}` : ''}`,
    );
    out.push(`  roles     ${list(k.roles, '')}`);
    out.push(`  scopes    ${list(k.scopes, '')}`);
    out.push(`  allow     endpoints: ${list(k.allowEndpoints)}; models: ${list(k.allowModels)}`);
    const limits = pairs(k.limits);
    if (limits !== 'none') out.push(`  limits    ${limits}`);
  }
  if (x.endpoint !== null) {
    const via =
      x.resolvedModel !== null && x.resolvedModel !== x.model ? ` as model ${chalk.bold(x.resolvedModel)}` : '';
    const off = x.endpoint.enabled ? '' : chalk.red(' (disabled)');
    out.push(`model       ${x.model} → endpoint ${chalk.bold(x.endpoint.name)}${via}${off}`);
    if (x.endpoint.description !== null) out.push(`            ${chalk.dim(x.endpoint.description)}`);
  } else {
    out.push(`model       ${x.model} → ${x.key === null ? 'not resolved (unknown key)' : 'no endpoint'}`);
  }
  out.push(
    x.refusal === null
      ? `decision    ${chalk.green('✔ allowed')}`
      : `decision    ${chalk.red(`✖ refused: ${x.refusal.status} ${x.refusal.code}`)} ${x.refusal.message}`,
  );
  if (x.routing !== null && x.resolvedModel !== null) {
    const r = x.routing;
    const retries =
      r.retries.attempts > 0 ? `${r.retries.attempts} per target (backoff ${formatMs(r.retries.backoffMs)})` : 'none';
    out.push(
      '',
      `routing     ${r.strategy}${r.strategy === 'loadbalance' ? ' (weighted random order per request; the rest is the fallback chain)' : ''}`,
    );
    out.push(`  retries   ${retries}`);
    out.push(`  fallback  on ${r.fallbackOn.length > 0 ? r.fallbackOn.join(', ') : 'nothing'}`);
    out.push(`  timeout   ${r.timeoutMs === null ? "each provider's own" : formatMs(r.timeoutMs)} per attempt`);
    out.push('', 'targets');
    const rows = targetRows(x.targets, '');
    const urls = targetUrls(x.targets, '');
    const table =
      rows.length === 0
        ? '  (no target serves this model)\n'
        : renderTable(
            [
              { title: '#' },
              { title: 'TARGET' },
              { title: 'TYPE' },
              { title: 'UPSTREAM MODEL' },
              { title: 'WEIGHT', align: 'right' },
              { title: 'TIMEOUT', align: 'right' },
              { title: 'RETRIES', align: 'right' },
            ],
            rows,
          ).replace(/^/gm, '  ');
    out.push(table.trimEnd());
    if (urls.length > 0) out.push('', 'requests', ...urls);
  }
  if (x.policies !== null && x.resolvedModel !== null) out.push('', 'policies', ...renderPolicies(x.policies));
  if (live !== undefined && x.key !== null && x.endpoint !== null) out.push(...renderLive(live));
  return out.join('\n') + '\n';
}
