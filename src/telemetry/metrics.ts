// Prometheus metrics (prom-client), served by the admin listener at /metrics. Fed from the
// usage row each request leaves (one observe() per request, after the answer ended, so the
// request path pays only a few counter increments) and from config changes.
// Label values are bounded: endpoint and provider names come from the config, statuses and
// failure classes from small sets. Process metrics keep prom-client's stock names
// (process_cpu_seconds_total, nodejs_*) so stock Node.js dashboards work unchanged; the
// gen_ai_client_* histograms follow the OpenTelemetry GenAI semantic conventions
// (gen_ai.client.token.usage, gen_ai.client.operation.duration), written the Prometheus way.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerStatus } from '../upstream/breaker.js';
import { LabelledCounter, LabelledHistogram } from './series.js';
import type { UsageRow } from './usage-row.js';

// Seconds; chat answers span milliseconds (cached, mock) to minutes (long generations).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// Tokens per request: the bucket boundaries the GenAI conventions advise (powers of 4).
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

/** gen_ai.operation.name of a usage row's route; undefined for routes that are not model calls. */
function genAiOperation(route: string): string | undefined {
  if (route === 'proxy' || route.endsWith('.models')) return undefined;
  return route.endsWith('.embeddings') ? 'embeddings' : 'chat';
}

/** A failure class ('timeout', 'connect', '5xx'...) as a label; free text collapses to 'error'. */
const PLAIN_CLASS = /^[a-z0-9_-]{1,24}$/;

/** The `kind` label of gw_limit_refusals_total for error codes that name one limit kind. */
const REFUSAL_KINDS: Readonly<Record<string, string | undefined>> = {
  GW_ERR_TOKEN_CAP: 'tokenCap',
  GW_ERR_BUDGET_EXCEEDED: 'budget',
};

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Counts one finished request (every proxied request leaves exactly one usage row). */
  observe(row: UsageRow): void;
  /** The config revision in service (0: none). */
  setRevision(n: number): void;
  /** A reload or apply whose config was invalid, or that failed to load. */
  reloadFailed(source: string): void;
  /** A request refused by a limit; `kind` names it ('rpm', 'rph', 'tpm', ...: a small fixed set). */
  limitRefused(kind: string): void;
  /** The shared limits backend (Redis) answers (true) or not; a memory backend never calls it. */
  limitsBackendUp(up: boolean): void;
  /** One Redis call of the limits backend failed or timed out (`op`: take, reserve, ...: a small fixed set). */
  limitsBackendFailed(op: string): void;
  /** Where the breaker gauges read their state at each scrape (the process's BreakerRegistry). */
  watchBreakers(source: { snapshot(): readonly BreakerStatus[] }): void;
  /** Prometheus text exposition. */
  text(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Also export process metrics (CPU, memory, event loop lag); default true. */
  readonly processMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // The per-request series (fed by observe()) count in series.ts, read at scrape time; the rest
  // change rarely and use prom-client's own metric classes.
  const requests = new LabelledCounter({
    name: 'gw_requests_total',
    help: 'Requests answered, by API route, endpoint and HTTP status',
    labelNames: ['route', 'endpoint', 'status'],
    registry,
  });
  const latency = new LabelledHistogram({
    name: 'gw_request_duration_seconds',
    help: 'Time until the answer ended, streams included',
    labelNames: ['route', 'endpoint'],
    buckets: LATENCY_BUCKETS,
    registry,
  });
  const ttfb = new LabelledHistogram({
    name: 'gw_request_ttfb_seconds',
    help: 'Time until the first byte of the answer',
    labelNames: ['route', 'endpoint'],
    buckets: LATENCY_BUCKETS,
    registry,
  });
  const attempts = new LabelledCounter({
    name: 'gw_upstream_attempts_total',
    help: 'Upstream attempts (retries and fallbacks included), by provider and outcome',
    labelNames: ['provider', 'outcome'],
    registry,
  });
  const fallbacks = new LabelledCounter({
    name: 'gw_upstream_fallbacks_total',
    help: 'Moves to another target after a failed attempt',
    labelNames: ['endpoint'],
    registry,
  });
  const tokens = new LabelledCounter({
    name: 'gw_tokens_total',
    help: 'Tokens, by endpoint and direction (in: prompt, out: completion)',
    labelNames: ['endpoint', 'direction'],
    registry,
  });
  const proxyBytes = new LabelledCounter({
    name: 'gw_proxy_bytes_total',
    help: 'Body bytes through proxy endpoints, by endpoint and direction (in: to the upstream, out: to the caller)',
    labelNames: ['endpoint', 'direction'],
    registry,
  });
  const cost = new LabelledCounter({
    name: 'gw_cost_usd_total',
    help: "Cost in USD from the providers' model catalogs",
    labelNames: ['endpoint'],
    registry,
  });
  const genAiLabels = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model'];
  const genAiTokens = new LabelledHistogram({
    name: 'gen_ai_client_token_usage',
    help: 'Tokens per answered model call (OpenTelemetry gen_ai.client.token.usage), by token type',
    labelNames: [...genAiLabels, 'gen_ai_token_type'],
    buckets: TOKEN_BUCKETS,
    registry,
  });
  const genAiDuration = new LabelledHistogram({
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'Duration of answered model calls (OpenTelemetry gen_ai.client.operation.duration)',
    labelNames: genAiLabels,
    buckets: LATENCY_BUCKETS,
    registry,
  });
  const revision = new Gauge({
    name: 'gw_config_revision',
    help: 'Number of the config revision in service (0: none)',
    registers,
  });
  const reloadFailures = new Counter({
    name: 'gw_config_reload_failures_total',
    help: 'Config changes refused as invalid or failed to load, by source',
    labelNames: ['source'] as const,
    registers,
  });
  const breakerSkips = new Counter({
    name: 'gw_upstream_breaker_skips_total',
    help: 'Targets skipped without a network call because their circuit breaker was open',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
  // Requests refused by a policy limit, by kind. The budget and token cap kinds are counted
  // from the usage row's error code (REFUSAL_KINDS); rate limits add their kinds to the same counter.
  const limitRefusals = new Counter({
    name: 'gw_limit_refusals_total',
    help: 'Requests refused by a limit, by kind (tokenCap, budget, rpm, rph, tpm)',
    labelNames: ['kind'] as const,
    registers,
  });
  // The Redis limits backend (README: Fleet (Redis)); no series with the memory backend.
  const backendUp = new Gauge({
    name: 'gw_limits_backend_up',
    help: 'Shared limits backend (Redis): 1 answering, 0 down (failMode applies)',
    registers,
  });
  const backendFailures = new Counter({
    name: 'gw_limits_backend_failures_total',
    help: 'Calls to the shared limits backend (Redis) that failed or timed out, by operation',
    labelNames: ['op'] as const,
    registers,
  });
  let breakers: { snapshot(): readonly BreakerStatus[] } | undefined;
  // Read at scrape time; only targets with failures on record have a series (a closed breaker
  // with failures reads 0), and targets a reload removed disappear with their entry.
  new Gauge({
    name: 'gw_upstream_breaker_open',
    help: 'Circuit breaker per target: 1 open or half-open (skipped but for one probe), 0 closed',
    labelNames: ['provider', 'model'] as const,
    registers,
    collect() {
      this.reset();
      // Same-named providers of two workspaces share a series: open wins.
      const open = new Map<string, { provider: string; model: string; v: number }>();
      for (const b of breakers?.snapshot() ?? []) {
        const key = `${b.provider}\n${b.model}`;
        const v = b.state === 'closed' ? 0 : 1;
        if ((open.get(key)?.v ?? -1) < v) open.set(key, { provider: b.provider, model: b.model, v });
      }
      for (const x of open.values()) this.set({ provider: x.provider, model: x.model }, x.v);
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    observe(row: UsageRow): void {
      const endpoint = row.endpoint ?? '';
      requests.add(1, row.route, endpoint, String(row.status));
      latency.observe(row.latencyMs / 1000, row.route, endpoint);
      if (row.ttfbMs != null) ttfb.observe(row.ttfbMs / 1000, row.route, endpoint);
      const list = row.attempts ?? [];
      for (let i = 0; i < list.length; i++) {
        const a = list[i]!;
        const outcome = a.error === null ? 'ok' : PLAIN_CLASS.test(a.error) ? a.error : 'error';
        attempts.add(1, a.provider, outcome);
        if (a.error !== null && a.error.startsWith('circuit open'))
          breakerSkips.inc({ provider: a.provider, model: a.model });
        const prev = list[i - 1];
        if (prev !== undefined && (prev.provider !== a.provider || prev.model !== a.model)) fallbacks.add(1, endpoint);
      }
      if (row.tokensIn) tokens.add(row.tokensIn, endpoint, 'in');
      if (row.tokensOut) tokens.add(row.tokensOut, endpoint, 'out');
      if (row.costUsd) cost.add(row.costUsd, endpoint);
      if (row.bytesIn) proxyBytes.add(row.bytesIn, endpoint, 'in');
      if (row.bytesOut) proxyBytes.add(row.bytesOut, endpoint, 'out');
      const operation = genAiOperation(row.route);
      // Only answered calls: the provider and model then come from the config, never from the caller.
      if (operation !== undefined && row.status < 400 && row.provider != null && row.upstreamModel != null) {
        const { provider, upstreamModel } = row;
        genAiDuration.observe(row.latencyMs / 1000, operation, provider, upstreamModel);
        if (row.tokensIn) genAiTokens.observe(row.tokensIn, operation, provider, upstreamModel, 'input');
        if (row.tokensOut) genAiTokens.observe(row.tokensOut, operation, provider, upstreamModel, 'output');
      }
      if (row.errorCode != null) {
        const kind = REFUSAL_KINDS[row.errorCode];
        if (kind !== undefined) limitRefusals.inc({ kind });
      }
    },
    setRevision(n: number): void {
      revision.set(n);
    },
    reloadFailed(source: string): void {
      reloadFailures.inc({ source });
    },
    limitRefused(kind: string): void {
      limitRefusals.inc({ kind });
    },
    limitsBackendUp(up: boolean): void {
      backendUp.set(up ? 1 : 0);
    },
    limitsBackendFailed(op: string): void {
      backendFailures.inc({ op });
    },
    watchBreakers(source): void {
      breakers = source;
    },
    text: () => registry.metrics(),
  };
}
