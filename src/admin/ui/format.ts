// Small shared pieces of the status pages: number formats, badges and the live cells the
// page's script updates from /admin/v1/status (data-live="workspace/name", data-field).
import type { EndpointView, TargetView } from '../endpoints.js';
import type { EndpointStatus } from '../status.js';
import { markup, type SafeHtml } from './html.js';

/** The fields of EndpointStatus the pages show and the script refreshes. */
export const LIVE_FIELDS = ['requests', 'errors', 'rps', 'p95Ms', 'errorRate'] as const;
export type LiveField = (typeof LIVE_FIELDS)[number];

/** How a live field reads: the number as /admin/v1/status gives it, a percent for the error rate. */
export function fmtLive(field: LiveField, v: number): string {
  return field === 'errorRate' ? `${Math.round(v * 10000) / 100}%` : String(v);
}

/** A cell holding one status figure, with the raw number in data-value. */
export function liveCell(s: EndpointStatus | undefined, ws: string, name: string, field: LiveField): SafeHtml {
  const v = s?.[field] ?? 0;
  return markup`<span data-live="${ws}/${name}" data-field="${field}" data-value="${v}">${fmtLive(field, v)}</span>`;
}

export const usd = (v: number): string => `$${v.toFixed(2)}`;

export function badge(kind: string, label: string, title?: string): SafeHtml {
  return markup`<span class="badge b-${kind}" data-badge="${kind}" ${title === undefined ? '' : markup` title="${title}"`}
    >${label}</span
  >`;
}

export function providerChip(t: TargetView): SafeHtml {
  return markup`<span class="chip h-${t.health}" data-chip="${t.name}" title="${t.type} · ${t.health}"
    >${t.name}<small>${t.type}</small></span
  >`;
}

/** The badges of an endpoint: off, streaming, rate limit, fallback / load balance, guardrails, MCP, sessions. */
export function endpointBadges(e: EndpointView): SafeHtml[] {
  const out: SafeHtml[] = [];
  if (!e.enabled) out.push(badge('off', 'off', 'disabled: answers 404'));
  if (e.type === 'proxy') out.push(badge('proxy', 'proxy'));
  if (e.type === 'chat' && e.streaming) out.push(badge('streaming', 'stream'));
  const l = e.limits;
  if (l.rpm !== null || l.rph !== null || l.tpm !== null) {
    const parts = [
      l.rpm !== null ? `${l.rpm}/min` : '',
      l.rph !== null ? `${l.rph}/h` : '',
      l.tpm !== null ? `${l.tpm} tok/min` : '',
    ];
    out.push(badge('rate-limit', 'rate limit', parts.filter((p) => p !== '').join(', ')));
  }
  if (e.strategy === 'fallback' && e.targets.length > 1) out.push(badge('fallback', `fallback ×${e.targets.length}`));
  if (e.strategy === 'loadbalance') out.push(badge('loadbalance', 'load balance'));
  if (e.guardrails.length > 0)
    out.push(badge('guardrails', `guardrails ${e.guardrails.length}`, e.guardrails.map((g) => g.name).join(', ')));
  if (e.mcp.expose) out.push(badge('mcp', 'MCP'));
  if (e.sessions !== null) out.push(badge('sessions', 'sessions'));
  return out;
}

export function detailHref(e: { readonly workspace: string; readonly name: string }): string {
  return `/ui/endpoint?workspace=${encodeURIComponent(e.workspace)}&name=${encodeURIComponent(e.name)}`;
}
