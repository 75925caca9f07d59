// One endpoint: last-hour figures (the numbers of /admin/v1/status) with a chart, the routing
// policy and fallback chain with each target's health, limits against current usage,
// guardrails, prompt and schema, the last 20 requests (no content, no keys) and call examples.
import type { EndpointView, TargetView } from '../endpoints.js';
import type { EndpointStatus } from '../status.js';
import type { MinutePoint } from '../../telemetry/usage-queries.js';
import type { StoredUsageRow } from '../../telemetry/usage-row.js';
import type { CurlCommand } from '../../ops/curl-command.js';
import { chartSvg } from './chart.js';
import { endpointBadges, liveCell, usd, type LiveField } from './format.js';
import { markup, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface DetailData {
  readonly view: EndpointView;
  readonly status: EndpointStatus | undefined;
  readonly series: { readonly sinceMs: number; readonly points: readonly MinutePoint[] };
  readonly recent: readonly StoredUsageRow[];
  /** How to call it: `gw curl`'s commands for this endpoint. */
  readonly calls: CurlCommand | null;
}

const KPIS: readonly [LiveField, string][] = [
  ['requests', 'Requests'],
  ['errors', 'Errors'],
  ['rps', 'Requests/s'],
  ['p95Ms', 'p95 ms'],
  ['errorRate', 'Error rate'],
];

function target(t: TargetView, i: number, e: EndpointView): SafeHtml {
  const models = Object.entries(t.models).map(([a, b]) => markup`<code>${a}</code> → <code>${b}</code> `);
  const role = e.strategy === 'fallback' ? (i === 0 ? 'primary' : `fallback ${i}`) : `weight ${t.weight}`;
  return markup`<li data-target="${t.name}">
    <span class="chip h-${t.health}">${t.name}<small>${t.type}</small></span>
    <span class="health h-${t.health}" data-health="${t.health}"
      >${t.health}${t.failures > 0 ? markup` (${t.failures} failure${t.failures === 1 ? '' : 's'})` : ''}</span
    >
    <span class="muted">${role}</span>${t.url === null ? '' : markup` <code>${t.url}</code>`}
    <div>${models}</div>
  </li>`;
}

function limitRow(label: string, limit: number | null, used: string): SafeHtml {
  return limit === null
    ? markup``
    : markup`<tr>
        <th scope="row">${label}</th>
        <td class="num">${limit}</td>
        <td class="num">${used}</td>
      </tr>`;
}

function requestRow(r: StoredUsageRow): SafeHtml {
  return markup`<tr data-request="${r.requestId}">
    <td><time datetime="${new Date(r.ts).toISOString()}">${new Date(r.ts).toISOString().slice(11, 19)}</time></td>
    <td><code>${r.requestId}</code></td>
    <td>${r.model ?? ''}</td>
    <td>${r.provider ?? ''}</td>
    <td class="num">${r.status}</td>
    <td>${r.errorCode ?? ''}</td>
    <td class="num">${Math.round(r.latencyMs)}</td>
    <td class="num">${r.tokensIn}/${r.tokensOut}</td>
    <td class="num">${r.attempts}</td>
  </tr>`;
}

export const RECENT_HEAD = [
  'Time (UTC)',
  'Request',
  'Model',
  'Provider',
  'Status',
  'Error',
  'ms',
  'Tokens in/out',
  'Attempts',
];

/** The same commands `gw curl` prints, so the page never shows a call the gateway would refuse. */
function examples(c: CurlCommand | null): SafeHtml {
  if (c === null) return markup`<p>None.</p>`;
  const out: SafeHtml[] = [
    markup`<h3>${c.type === 'proxy' ? 'Transparent proxy' : 'OpenAI-compatible'}</h3>
      <pre><code>${c.command}</code></pre>`,
  ];
  if (c.simple !== null) {
    out.push(
      markup`<h3>Simple API</h3>
        <pre><code>${c.simple.command}</code></pre>`,
    );
  }
  if (c.mcp !== null) {
    out.push(
      markup`<h3>MCP tool</h3>
        <p>The tool <code>${c.mcp.tool}</code> of the MCP server <code>${c.mcp.url}</code> (the key needs the
          <code>mcp</code> scope). MCP client config:</p>
        <pre><code>${JSON.stringify(c.mcp.config, null, 2)}</code></pre>`,
    );
  }
  return markup`${out}`;
}

function preview(label: string, v: unknown): SafeHtml {
  if (v === null || v === undefined) return markup``;
  const text = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
  return markup`<h3>${label}</h3>
    <pre class="preview"><code>${text}</code></pre>`;
}

export function detailPage(d: DetailData): SafeHtml {
  const e = d.view;
  const l = e.limits;
  const minuteNow = d.series.points.at(-1);
  const lastMinute = minuteNow !== undefined && minuteNow.minute >= Date.now() - 60_000 ? minuteNow.requests : 0;
  const limits = [
    limitRow('Requests per minute', l.rpm, `${lastMinute} this minute`),
    limitRow('Requests per hour', l.rph, `${d.status?.requests ?? 0} last hour`),
    limitRow('Tokens per minute', l.tpm, '—'),
    limitRow('Input tokens per request', l.maxInputTokens, '—'),
    limitRow('Monthly budget (USD)', l.monthlyBudgetUsd, `${usd(e.spendThisMonthUsd)} spent`),
  ];
  const policy =
    e.type === 'proxy'
      ? markup`<p>Transparent proxy to one provider.</p>`
      : markup`<p>
          Strategy <strong>${e.strategy}</strong>; ${e.retries?.attempts ?? 0} retries (backoff
          ${e.retries?.backoffMs ?? 0} ms); next target on: ${e.fallbackOn.join(', ') || 'never'}.
        </p>`;
  const main = markup`<p class="crumbs"><a href="/">Endpoints</a> › ${e.workspace}</p>
    <h1>${e.name} ${endpointBadges(e)}</h1>
    ${e.description === null ? '' : markup`<p class="desc">${e.description}</p>`}
    <section aria-labelledby="h-kpi">
      <h2 id="h-kpi">Last hour</h2>
      <dl class="kpis">
        ${KPIS.map(
          ([f, label]) =>
            markup`<div class="kpi">
              <dt>${label}</dt>
              <dd>${liveCell(d.status, e.workspace, e.name, f)}</dd>
            </div>`,
        )}
        <div class="kpi">
          <dt>Last error</dt>
          <dd>
            <span data-live="${e.workspace}/${e.name}" data-field="lastError">${d.status?.lastError?.code ?? '—'}</span>
          </dd>
        </div>
      </dl>
      <figure>
        ${chartSvg(d.series.points, d.series.sinceMs)}
        <figcaption>Requests per minute (bars, red with errors) and p95 latency (line), last 60 minutes.</figcaption>
      </figure>
    </section>
    <section aria-labelledby="h-routing">
      <h2 id="h-routing">Routing</h2>
      ${policy}
      <ol class="targets">
        ${e.targets.map((t, i) => target(t, i, e))}
      </ol>
    </section>
    <section aria-labelledby="h-limits">
      <h2 id="h-limits">Limits</h2>
      ${
        limits.some((x) => x.value !== '')
          ? markup`<table>
              <thead>
                <tr>
                  <th scope="col">Limit</th>
                  <th scope="col" class="num">Set</th>
                  <th scope="col" class="num">Now</th>
                </tr>
              </thead>
              <tbody>
                ${limits}
              </tbody>
            </table>`
          : markup`<p>No limits on this endpoint (caller keys may still have their own).</p>`
      }
    </section>
    <section aria-labelledby="h-guard">
      <h2 id="h-guard">Guardrails</h2>
      ${
        e.guardrails.length === 0
          ? markup`<p>None.</p>`
          : markup`<ul>
              ${e.guardrails.map((g) => markup`<li><strong>${g.name}</strong> on ${g.stage}: ${g.action}</li>`)}
            </ul>`
      }
    </section>
    <section aria-labelledby="h-prompt">
      <h2 id="h-prompt">Prompt and schema</h2>
      ${preview('System prompt', e.prompt.system)}${preview('Template', e.prompt.template)}${preview('Input schema', e.schema.input)}${preview('Output schema', e.schema.output)}
      ${e.prompt.system === null && e.prompt.template === null && e.schema.input === null && e.schema.output === null ? markup`<p>None.</p>` : ''}
    </section>
    <section aria-labelledby="h-recent">
      <h2 id="h-recent">Recent requests</h2>
      <div class="scroll">
        <table class="recent">
          <thead>
            <tr>
              ${RECENT_HEAD.map((h) => markup`<th scope="col">${h}</th>`)}
            </tr>
          </thead>
          <tbody id="recent">
            ${
              d.recent.length === 0
                ? markup`<tr>
                    <td colspan="${RECENT_HEAD.length}">No requests yet.</td>
                  </tr>`
                : d.recent.map(requestRow)
            }
          </tbody>
        </table>
      </div>
    </section>
    <section aria-labelledby="h-ex">
      <h2 id="h-ex">Call it</h2>
      ${examples(d.calls)}
    </section>`;
  return layout(
    { title: e.name, section: 'endpoints', page: 'detail', data: { workspace: e.workspace, endpoint: e.name } },
    main,
  );
}
