// The upstream stage: try the endpoint's targets with retries, fallback, load balancing and
// endpoint refs until one answers. Every attempt is recorded. The table the request started
// on is the only one consulted, so a reload never changes a request in flight.
import type { CompiledChatEndpoint, CompiledProvider, RoutingTable } from '../compile/routing-table.js';
import type { UpstreamSettings } from '../config/settings.js';
import { GwError } from '../errors.js';
import { getAdapter } from '../providers/registry.js';
import type { Dialect, NativeCodec, OpenAIObject, ProviderAdapter } from '../providers/types.js';
import { nativeCodecFor, runAttempt } from './attempt.js';
import { backoffDelay } from './backoff.js';
import { isUnhealthy, type BreakerRegistry } from './breaker.js';
import { pause, type CallerSignal } from '../util/pause.js';
import { CallerAbort, FailureError, isTransient, type Failure } from './failure.js';
import type { PoolRegistry } from './pool.js';
import { nativeReader, primeStream, type PrimedStream, type UpstreamUsage } from './stream.js';
import { orderTargets } from './targets.js';
import { streamUsageAsked, usageOf } from '../wire/openai/stream.js';
import { finalError } from './final-error.js';

export type { UpstreamUsage } from './stream.js';

export interface ChatCall {
  readonly table: RoutingTable;
  readonly endpoint: CompiledChatEndpoint;
  /** Exposed model name, already resolved. */
  readonly model: string;
  /** OpenAI request after params/prompt; body.model is set per target, the object is not mutated. */
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  /** Aborted when the caller disconnects; the upstream request is aborted with it (an AbortSignal fits). */
  readonly signal: CallerSignal;
  readonly requestId: string;
  /**
   * The caller's body in its own dialect. A target whose adapter speaks that dialect gets it
   * (model replaced, nothing dropped) and answers untranslated; other targets get body.
   */
  readonly native?:
    { readonly dialect: Exclude<Dialect, 'openai'>; readonly body: Record<string, unknown> } | undefined;
  /** A multi-megabyte body: each attempt serialises it in a turn of its own (src/util/turns.ts). */
  readonly large?: boolean | undefined;
  /**
   * Judges a JSON answer (the endpoint's schema.output): a message makes that attempt a failure
   * and the next target is tried, whatever fallbackOn says; undefined accepts it.
   */
  readonly check?: ((json: Record<string, unknown>, dialect: Dialect) => string | undefined) | undefined;
}

export interface Attempt {
  /** Provider name. */
  provider: string;
  /** Upstream model. */
  model: string;
  status?: number;
  /** "<class>: <message>" when the attempt failed (also set when a stream broke after it answered). */
  error?: string;
  ms: number;
}

export interface ChatOutcome {
  readonly provider: CompiledProvider;
  readonly upstreamModel: string;
  readonly attempts: Attempt[];
  /** From executeChat's start to the first content chunk (stream) or the response headers (json). */
  readonly ttfbMs: number;
  /**
   * The shape of json and stream: 'openai' (chat.completion / chunks), or the caller's native
   * dialect when the target passed it through (e.g. an Anthropic message / Anthropic event objects).
   */
  readonly dialect: Dialect;
  readonly json?: Record<string, unknown>;
  readonly stream?: AsyncIterable<Record<string, unknown>>;
  usage(): UpstreamUsage | undefined;
}

export interface EmbeddingsOutcome {
  readonly provider: CompiledProvider;
  readonly upstreamModel: string;
  readonly attempts: Attempt[];
  readonly json: Record<string, unknown>;
  usage(): UpstreamUsage | undefined;
}

export interface ExecuteDeps {
  readonly pools: PoolRegistry;
  /** For tests of load balancing and jitter; default Math.random. */
  readonly random?: () => number;
  /** maxRetryAfterMs is read here (default 30 s); the breaker settings live in `breakers`. */
  readonly upstream?:
    | (Pick<UpstreamSettings, 'maxRetryAfterMs'> & Partial<Pick<UpstreamSettings, 'maxAnswerBytes' | 'maxEventBytes'>>)
    | undefined;
  /** The process's circuit breakers; none: every target is always tried. */
  readonly breakers?: BreakerRegistry | undefined;
}

const DEFAULT_MAX_RETRY_AFTER_MS = 30_000; // 30s, as GatewaySettings.upstream.maxRetryAfter

interface Run {
  readonly call: Omit<ChatCall, 'stream'>;
  readonly op: 'chat' | 'embeddings';
  readonly stream: boolean;
  readonly keepUsage: boolean;
  readonly deps: ExecuteDeps;
  readonly random: () => number;
  readonly maxRetryAfterMs: number;
  readonly attempts: Attempt[];
  /** Failures of attempts that reached a target (circuit skips are not among them). */
  readonly failures: Failure[];
  /** Per target skipped because its breaker was open: ms until it may be probed. */
  readonly circuitWaits: number[];
}

interface Success {
  readonly provider: CompiledProvider;
  readonly upstreamModel: string;
  readonly attempt: Attempt;
  /** performance.now() of the response headers (json) or the first content chunk (stream). */
  readonly readyAt: number;
  readonly json?: OpenAIObject;
  readonly stream?: PrimedStream;
  /** Set when the target answered in the caller's native dialect. */
  readonly native?: NativeCodec;
}

/** skip: the target could not be tried at all (no adapter, broken ref): move on whatever fallbackOn says. */
type Outcome =
  { readonly ok: true; readonly s: Success } | { readonly ok: false; readonly f: Failure; readonly skip?: boolean };

function record(
  run: Run,
  provider: string,
  model: string,
  started: number,
  status: number | undefined,
  f?: Failure,
): Attempt {
  const a: Attempt = { provider, model, ms: Math.round((performance.now() - started) * 10) / 10 };
  if (status !== undefined) a.status = status;
  if (f !== undefined) {
    a.error = `${f.cls}: ${f.message}`;
    run.failures.push(f);
  }
  run.attempts.push(a);
  return a;
}

/** A caller leaving mid-attempt still leaves a trace in the attempt list (and the usage row). */
function recordAborted(run: Run, provider: string, model: string, started: number, status?: number): void {
  const a: Attempt = {
    provider,
    model,
    ms: Math.round((performance.now() - started) * 10) / 10,
    error: 'aborted: the caller went away',
  };
  if (status !== undefined) a.status = status;
  run.attempts.push(a);
}

async function recordAbort<T>(run: Run, provider: string, model: string, started: number, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CallerAbort) recordAborted(run, provider, model, started);
    throw err;
  }
}

async function runProvider(
  run: Run,
  endpoint: CompiledChatEndpoint,
  provider: CompiledProvider,
  upstreamModel: string,
  timeoutMs: number | undefined,
): Promise<Outcome> {
  const adapter = getAdapter(provider.type);
  const capable =
    adapter !== undefined && (run.op === 'chat' ? adapter.capabilities.chat : adapter.capabilities.embeddings);
  if (adapter === undefined || !capable) {
    const f: Failure = { cls: '4xx', message: `provider type ${provider.type} cannot serve ${run.op}` };
    record(run, provider.name, upstreamModel, performance.now(), undefined, f);
    return { ok: false, f, skip: true };
  }
  const native = run.op === 'chat' ? nativeCodecFor(adapter, run.call.native?.dialect) : undefined;
  const body = { ...(native !== undefined ? run.call.native?.body : run.call.body), model: upstreamModel };
  const tries = 1 + Math.max(0, endpoint.retries.attempts);
  const breakers = run.deps.breakers;
  let last: Failure | undefined;
  for (let i = 0; i < tries; i++) {
    if (i > 0 && last !== undefined) {
      // An upstream asking for more patience than maxRetryAfter is not waited for: the next target is.
      if (last.retryAfterMs !== undefined && last.retryAfterMs > run.maxRetryAfterMs) break;
      try {
        await pause(backoffDelay(endpoint.retries.backoffMs, i - 1, last.retryAfterMs, run.random), run.call.signal);
      } catch {
        throw new CallerAbort();
      }
    }
    let probe = false;
    if (breakers !== undefined) {
      const admission = breakers.admit(provider, upstreamModel);
      if (!admission.ok) {
        if (i > 0) break; // this request's own failures opened it: no more retries here
        return circuitOpen(run, provider, upstreamModel, admission.retryInMs);
      }
      probe = admission.probe;
    }
    let out: Outcome;
    try {
      out = await tryOnce(run, provider, adapter, native, body, upstreamModel, timeoutMs);
    } catch (err) {
      if (probe) breakers?.released(provider, upstreamModel);
      throw err;
    }
    if (breakers !== undefined) {
      if (out.ok || !isUnhealthy(out.f.cls)) breakers.succeeded(provider, upstreamModel);
      else breakers.failed(provider, upstreamModel);
    }
    if (out.ok || out.skip === true) return out;
    last = out.f;
    if (!isTransient(last.cls)) break;
  }
  return { ok: false, f: last ?? { cls: '5xx', message: 'no attempt was made' } };
}

/** A target skipped because its breaker is open: recorded, no network call, the next target is tried. */
function circuitOpen(run: Run, provider: CompiledProvider, upstreamModel: string, retryInMs: number): Outcome {
  const secs = Math.max(1, Math.ceil(retryInMs / 1000));
  const message = `circuit open: ${provider.name}/${upstreamModel} failed repeatedly; probed again in ${secs} s`;
  run.attempts.push({ provider: provider.name, model: upstreamModel, ms: 0, error: message });
  run.circuitWaits.push(retryInMs);
  return { ok: false, f: { cls: 'connect', message }, skip: true };
}

/** One try: the attempt, and for a stream its priming up to the first content chunk. */
async function tryOnce(
  run: Run,
  provider: CompiledProvider,
  adapter: ProviderAdapter,
  native: NativeCodec | undefined,
  body: Record<string, unknown>,
  upstreamModel: string,
  timeoutMs: number | undefined,
): Promise<Outcome> {
  const started = performance.now();
  const r = await recordAbort(
    run,
    provider.name,
    upstreamModel,
    started,
    runAttempt({
      provider,
      adapter,
      op: run.op,
      body,
      native,
      stream: run.stream,
      timeoutMs: timeoutMs ?? provider.timeoutMs,
      signal: run.call.signal,
      requestId: run.call.requestId,
      pools: run.deps.pools,
      maxAnswerBytes: run.deps.upstream?.maxAnswerBytes,
      maxEventBytes: run.deps.upstream?.maxEventBytes,
      large: run.call.large,
    }),
  );
  let failure: Failure;
  if (r.ok && 'json' in r) {
    const bad = run.call.check?.(r.json, native !== undefined ? (run.call.native?.dialect ?? 'openai') : 'openai');
    if (bad !== undefined) {
      // The target answered, but not what the endpoint promises: the next target may do better.
      const f: Failure = { cls: '4xx', message: `the answer does not match schema.output: ${bad}`, output: true };
      record(run, provider.name, upstreamModel, started, r.status, f);
      return { ok: false, f, skip: true };
    }
    const attempt = record(run, provider.name, upstreamModel, started, r.status);
    return { ok: true, s: { provider, upstreamModel, attempt, readyAt: r.headersAt, json: r.json, native } };
  } else if (r.ok) {
    // Until the first content chunk nothing reached the caller: a break here is retryable.
    const attempt: Attempt = { provider: provider.name, model: upstreamModel, status: r.status, ms: 0 };
    try {
      const reader = native !== undefined ? nativeReader(native) : undefined;
      const stream = await primeStream(r.chunks, run.keepUsage, (err) => midStreamError(run, attempt, err), reader);
      attempt.ms = Math.round((performance.now() - started) * 10) / 10;
      run.attempts.push(attempt);
      return { ok: true, s: { provider, upstreamModel, attempt, readyAt: performance.now(), stream, native } };
    } catch (err) {
      if (err instanceof CallerAbort) recordAborted(run, provider.name, upstreamModel, started, r.status);
      if (!(err instanceof FailureError)) throw err;
      failure = err.failure;
    }
    record(run, provider.name, upstreamModel, started, r.status, failure);
  } else {
    failure = r.failure;
    record(run, provider.name, upstreamModel, started, failure.status, failure);
  }
  return { ok: false, f: failure };
}

async function runEndpoint(
  run: Run,
  endpoint: CompiledChatEndpoint,
  model: string,
  visited: ReadonlySet<string>,
  inheritedTimeout: number | undefined,
): Promise<Outcome> {
  const timeoutMs = endpoint.timeoutMs ?? inheritedTimeout;
  let last: Outcome | undefined;
  for (const target of orderTargets(endpoint, model, run.random)) {
    let out: Outcome;
    if (target.kind === 'provider') {
      out = await runProvider(run, endpoint, target.provider, target.models.get(model) ?? model, timeoutMs);
    } else {
      out = await runRef(run, endpoint, target.endpoint, target.models.get(model) ?? model, visited, timeoutMs);
    }
    if (out.ok) return out;
    last = out;
    if (!out.skip && !endpoint.fallbackOn.has(out.f.cls)) return out;
  }
  return (
    last ?? {
      ok: false,
      f: { cls: '4xx', message: `endpoint ${endpoint.name} has no target for model ${model}` },
      skip: true,
    }
  );
}

function midStreamError(run: Run, attempt: Attempt, err: unknown): Error {
  if (err instanceof CallerAbort) {
    attempt.error = 'aborted: the caller went away mid-stream';
    return new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'the caller went away', {
      attempts: run.attempts,
      callerAborted: true,
      midStream: true,
    });
  }
  const f: Failure = err instanceof FailureError ? err.failure : { cls: 'connect', message: String(err) };
  attempt.error = `${f.cls}: ${f.message} (mid-stream)`;
  const code =
    f.cls === 'timeout'
      ? 'GW_ERR_UPSTREAM_TIMEOUT'
      : f.protocol === true
        ? 'GW_ERR_UPSTREAM_PROTOCOL'
        : 'GW_ERR_UPSTREAM_EXHAUSTED';
  return new GwError(code, `the upstream stream broke: ${f.message}`, { attempts: run.attempts, midStream: true });
}

async function runRef(
  run: Run,
  from: CompiledChatEndpoint,
  name: string,
  model: string,
  visited: ReadonlySet<string>,
  timeoutMs: number | undefined,
): Promise<Outcome> {
  const ref = run.call.table.workspaces.get(from.workspace)?.endpoints.get(name);
  let why: string | undefined;
  if (ref === undefined || ref.type !== 'chat')
    why = `endpoint ${name} is not a chat endpoint of workspace ${from.workspace}`;
  else if (!ref.enabled) why = `endpoint ${name} is disabled`;
  else if (visited.has(ref.id)) why = `endpoint ${name} refers back to itself (cycle)`;
  if (why !== undefined || ref === undefined || ref.type !== 'chat') {
    const f: Failure = { cls: '4xx', message: why ?? name };
    record(run, `endpoint:${name}`, model, performance.now(), undefined, f);
    return { ok: false, f, skip: true };
  }
  return runEndpoint(run, ref, model, new Set([...visited, ref.id]), timeoutMs);
}

async function execute(run: Run): Promise<Success> {
  const { endpoint, model } = run.call;
  let out: Outcome;
  try {
    out = await runEndpoint(run, endpoint, model, new Set([endpoint.id]), undefined);
  } catch (err) {
    if (err instanceof CallerAbort)
      throw new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'the caller went away', {
        attempts: run.attempts,
        callerAborted: true,
      });
    throw err;
  }
  if (!out.ok) throw finalError(run.attempts, run.failures, run.circuitWaits, out.f);
  return out.s;
}

function newRun(call: Omit<ChatCall, 'stream'>, op: Run['op'], stream: boolean, deps: ExecuteDeps): Run {
  const keepUsage = streamUsageAsked(call.body);
  const maxRetryAfterMs = deps.upstream?.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  return {
    call,
    op,
    stream,
    keepUsage,
    deps,
    random: deps.random ?? Math.random,
    maxRetryAfterMs,
    attempts: [],
    failures: [],
    circuitWaits: [],
  };
}

/**
 * Throws GwError GW_ERR_UPSTREAM_TIMEOUT, _RATE_LIMITED, _PROTOCOL, _CIRCUIT_OPEN or _EXHAUSTED
 * (see finalError; details: attempts, upstreamStatus, upstreamMessage, retryAfterSec;
 * callerAborted when the signal aborted).
 */
export async function executeChat(call: ChatCall, deps: ExecuteDeps): Promise<ChatOutcome> {
  const t0 = performance.now();
  const run = newRun(call, 'chat', call.stream, deps);
  const s = await execute(run);
  const dialect: Dialect = s.native !== undefined ? (call.native?.dialect ?? 'openai') : 'openai';
  const { provider, upstreamModel } = s;
  const ttfbMs = s.readyAt - t0;
  // Literals, not `{ ...base, more }`: a spread plus new fields is a slow V8 path (see bench/README.md).
  if (s.stream !== undefined)
    return {
      provider,
      upstreamModel,
      attempts: run.attempts,
      dialect,
      ttfbMs,
      stream: s.stream.stream,
      usage: s.stream.usage,
    };
  const json = s.json ?? {};
  const usage = s.native !== undefined ? s.native.usage(json, undefined) : usageOf(json.usage);
  return { provider, upstreamModel, attempts: run.attempts, dialect, ttfbMs, json, usage: () => usage };
}

export async function executeEmbeddings(call: Omit<ChatCall, 'stream'>, deps: ExecuteDeps): Promise<EmbeddingsOutcome> {
  const run = newRun(call, 'embeddings', false, deps);
  const s = await execute(run);
  const json = s.json ?? {};
  const usage = usageOf(json.usage);
  return { provider: s.provider, upstreamModel: s.upstreamModel, attempts: run.attempts, json, usage: () => usage };
}
