// The status page's front: the KPI strip and, per workspace, every endpoint with its provider
// chips, badges and last-hour figures.
import type { EndpointsAnswer, EndpointView } from '../endpoints.js';
import type { EndpointStatus } from '../status.js';
import { detailHref, endpointBadges, liveCell, providerChip, usd } from './format.js';
import { markup, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface ListData {
  readonly revision: number | null;
  readonly answer: EndpointsAnswer;
  readonly status: readonly EndpointStatus[];
}

function kpi(label: string, value: SafeHtml | string | number, id: string): SafeHtml {
  return markup`<div class="kpi">
    <dt>${label}</dt>
    <dd id="kpi-${id}">${value}</dd>
  </div>`;
}

function row(e: EndpointView, s: EndpointStatus | undefined): SafeHtml {
  return markup`<tr data-endpoint="${e.workspace}/${e.name}">
    <th scope="row">
      <a href="${detailHref(e)}">${e.name}</a
      >${e.description === null ? '' : markup`<div class="desc">${e.description}</div>`}
    </th>
    <td>${e.targets.map(providerChip)}</td>
    <td>${endpointBadges(e)}</td>
    <td class="num">${liveCell(s, e.workspace, e.name, 'requests')}</td>
    <td class="num">${liveCell(s, e.workspace, e.name, 'p95Ms')}</td>
    <td class="num">${liveCell(s, e.workspace, e.name, 'errorRate')}</td>
  </tr>`;
}

export function listPage(d: ListData): SafeHtml {
  const status = new Map(d.status.map((s) => [`${s.workspace}/${s.name}`, s]));
  const k = d.answer.kpis;
  const requests = d.status.reduce((a, s) => a + s.requests, 0);
  const errors = d.status.reduce((a, s) => a + s.errors, 0);
  const byWs = new Map<string, EndpointView[]>();
  for (const e of d.answer.endpoints) byWs.set(e.workspace, [...(byWs.get(e.workspace) ?? []), e]);
  const sections = [...byWs].map(
    ([ws, list]) =>
      markup`<section aria-labelledby="ws-${ws}">
        <h2 id="ws-${ws}">Workspace ${ws} <small>${list.length} endpoint${list.length === 1 ? '' : 's'}</small></h2>
        <div class="scroll">
          <table class="endpoints">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Providers</th>
                <th scope="col">Features</th>
                <th scope="col" class="num">Requests 1h</th>
                <th scope="col" class="num">p95 ms</th>
                <th scope="col" class="num">Errors</th>
              </tr>
            </thead>
            <tbody>
              ${list.map((e) => row(e, status.get(`${e.workspace}/${e.name}`)))}
            </tbody>
          </table>
        </div>
      </section>`,
  );
  const main = markup`<h1>Endpoints <small>revision ${d.revision ?? 'none'}</small></h1>
    <dl class="kpis" aria-label="Key figures">
      ${kpi('Endpoints', k.endpoints, 'endpoints')}${kpi('Streaming', k.streaming, 'streaming')}${kpi('Sessions', k.sessions, 'sessions')}${kpi('MCP tools', k.mcpTools, 'mcp')}
      ${kpi('Requests 1h', requests, 'requests')}${kpi('Errors 1h', errors, 'errors')}
      ${kpi('Spend this month', markup`${usd(k.spendThisMonthUsd)}${k.budgetsUsd === null ? '' : markup` <small>of ${usd(k.budgetsUsd)}</small>`}`, 'spend')}
    </dl>
    ${sections.length === 0 ? markup`<p>The gateway serves no endpoints yet.</p>` : sections}`;
  return layout({ title: 'Endpoints', section: 'endpoints', page: 'list' }, main);
}
