// One transparent-proxy request to a proxy endpoint's upstream: method, path, query, headers and
// body as the caller sent them (headers cleaned and the endpoint's auth injected: headers.ts),
// over the endpoint's pool (its TLS settings). Both bodies are streamed, never held: the
// caller's body is pulled by undici as the upstream socket takes it, and the answer is handed
// back as an async iterable the caller's socket pulls from, so backpressure holds end to end.
// Tried once, unless the endpoint's `retries` allow more: then a request without a body, of one of
// the listed methods (the idempotent ones by default), is sent again when the upstream could not
// be reached, timed out before answering, or answered 502, 503 or 504. A request with a body is
// never sent twice (its body streamed through once).
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { CompiledProxyEndpoint } from '../compile/routing-table.js';
import { GwError } from '../errors.js';
import { pause } from '../util/pause.js';
import { backoffDelay } from './backoff.js';
import { discardBody } from './discard.js';
import { classifyNetworkError } from './failure.js';
import { proxyAnswerHeaders, proxyRequestHeaders } from './headers.js';
import type { PoolRegistry } from './pool.js';

export interface ProxyCall {
  readonly endpoint: CompiledProxyEndpoint;
  readonly method: string;
  /** The path below the endpoint's baseUrl path ('' or '/…', checked by http/proxy-path.ts) and the query ('' or '?…'). */
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The caller's body; undefined when the request has none. */
  readonly body: AsyncIterable<Uint8Array> | undefined;
  readonly requestId: string;
  /** Aborted when the caller goes away (or gw ends the request): the upstream request is cut too. */
  readonly signal: AbortSignal;
}

export interface ProxyAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: AsyncIterable<Uint8Array>;
  /** ms until the upstream's status and headers arrived (of the last try). */
  readonly headersMs: number;
}

/** One try of a proxied request: its answer's status, or why it failed; ms it took. */
export interface ProxyTry {
  readonly status?: number;
  readonly error?: unknown;
  readonly ms: number;
}

/** Answers that mean "the upstream or a proxy in front of it could not serve this now". */
const RETRY_STATUSES = new Set([502, 503, 504]);

/** The upstream failure as the caller's answer: 504 when it timed out, else 502. */
function upstreamError(ep: CompiledProxyEndpoint, err: unknown, phase: string): GwError {
  const f = classifyNetworkError(err);
  if (f.cls === 'timeout') {
    return new GwError(
      'GW_ERR_UPSTREAM_TIMEOUT',
      `proxy endpoint ${ep.name}: the upstream sent nothing for ${ep.timeoutMs} ms ${phase}`,
      { endpoint: ep.name, failure: f.cls },
    );
  }
  return new GwError(
    'GW_ERR_UPSTREAM_EXHAUSTED',
    `proxy endpoint ${ep.name}: the upstream failed ${phase} (${f.message})`,
    { endpoint: ep.name, failure: f.cls },
  );
}

/** The answer body, its upstream errors turned into GwErrors (the caller's own abort passes as it is). */
async function* answerBody(
  ep: CompiledProxyEndpoint,
  body: Dispatcher.ResponseData['body'],
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) yield chunk;
  } catch (err) {
    if (signal.aborted) throw err;
    throw upstreamError(ep, err, 'while sending its answer');
  } finally {
    // Left early (the caller went away): free the socket instead of reading the rest.
    if (!body.readableEnded) discardBody(body);
  }
}

/**
 * Sends the request and resolves once the upstream's status and headers arrived. Throws a
 * GwError (502/504) when the upstream cannot be reached or times out, and the caller's abort
 * reason when the caller went away.
 */
export async function forwardProxy(
  pools: PoolRegistry,
  call: ProxyCall,
  tries: ProxyTry[] = [],
  random: () => number = Math.random,
): Promise<ProxyAnswer> {
  const ep = call.endpoint;
  const r = ep.retries;
  const extra = call.body === undefined && r.methods.has(call.method) ? r.attempts : 0;
  for (let i = 0; ; i++) {
    const last = i >= extra;
    if (i > 0) await pause(backoffDelay(r.backoffMs, i - 1, undefined, random), call.signal);
    const t0 = performance.now();
    let answer: ProxyAnswer & { discard(): void };
    try {
      answer = await once(pools, call);
    } catch (err) {
      tries.push({ error: err, ms: performance.now() - t0 });
      if (last || call.signal.aborted) throw err;
      continue;
    }
    tries.push({ status: answer.status, ms: answer.headersMs });
    if (last || !RETRY_STATUSES.has(answer.status)) return answer;
    answer.discard();
  }
}

/** One try: resolves once the upstream's status and headers arrived; discard() drops an answer not passed on. */
async function once(pools: PoolRegistry, call: ProxyCall): Promise<ProxyAnswer & { discard(): void }> {
  const ep = call.endpoint;
  const t0 = performance.now();
  // The base path and the checked rest ('' for the base itself); '/' when both are empty.
  const path = (ep.basePath + call.path || '/') + call.query;
  let res: Dispatcher.ResponseData;
  try {
    res = await pools.get(ep).request({
      method: call.method as Dispatcher.HttpMethod,
      path,
      headers: proxyRequestHeaders(call.headers, ep.headers, call.requestId),
      // undici pulls async iterables chunk by chunk (its docs list them; its types do not).
      body: call.body as unknown as Readable | undefined,
      signal: call.signal,
      // Per stall, not per request: a long download that keeps moving is never cut.
      headersTimeout: ep.timeoutMs,
      bodyTimeout: ep.timeoutMs,
    });
  } catch (err) {
    if (call.signal.aborted) throw call.signal.reason ?? err;
    throw upstreamError(ep, err, 'before answering');
  }
  return {
    status: res.statusCode,
    headers: proxyAnswerHeaders(res.headers),
    body: answerBody(ep, res.body, call.signal),
    headersMs: performance.now() - t0,
    // The socket is freed instead of reading an answer nobody takes.
    discard: () => discardBody(res.body),
  };
}
