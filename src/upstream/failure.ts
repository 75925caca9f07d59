// Why one upstream attempt failed, as a value: the failure class decides retry and fallback,
// the message goes into the attempt record and the caller's error.
import type { FailureClass } from '../compile/routing-table.js';

export interface Failure {
  readonly cls: FailureClass;
  readonly message: string;
  /** HTTP status when the upstream answered. */
  readonly status?: number | undefined;
  /** From Retry-After / retry-after-ms (at most a day); the executor compares it with maxRetryAfter. */
  readonly retryAfterMs?: number | undefined;
  /** The answer was not the upstream's API (bad JSON, wrong shape). */
  readonly protocol?: boolean;
  /** The answer arrived but failed the endpoint's schema.output (ChatCall.check). */
  readonly output?: boolean;
  /** The upstream's content filter or safety system refused the prompt. */
  readonly blocked?: boolean;
}

/** Thrown inside the executor when the caller went away; never retried. */
export class CallerAbort extends Error {
  constructor() {
    super('the caller went away');
    this.name = 'CallerAbort';
  }
}

/** Thrown by an attempt's own timer; tells a timeout apart from a caller abort. */
export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

/** A body closed without its end or an error: what Node's stream readers report for it. */
export function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** A failure carried through a stream's reader (the stream broke after it was primed). */
export class FailureError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.message);
    this.name = 'FailureError';
    this.failure = failure;
  }
}

export function classOfStatus(status: number): FailureClass {
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  return '4xx';
}

/** Failure classes worth trying the same target again for. */
export function isTransient(cls: FailureClass): boolean {
  return cls !== '4xx';
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** Error codes of err and its causes (undici nests them), outermost first. */
export function codesOf(err: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 3) return out;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') out.push(e.code);
  if (e.cause !== undefined) codesOf(e.cause, out, depth + 1);
  if (Array.isArray(e.errors)) for (const x of e.errors) codesOf(x, out, depth + 1);
  return out;
}

/**
 * Maps a network-level error (undici or node:net/tls) to timeout or connect. Everything that is
 * not a timeout (refused, reset, socket closed, DNS, TLS) is a connect failure: the upstream
 * could not be reached or dropped the connection.
 */
export function classifyNetworkError(err: unknown): Failure {
  if (err instanceof AttemptTimeout) return { cls: 'timeout', message: err.message };
  const codes = codesOf(err);
  const msg = err instanceof Error && err.message !== '' ? err.message : String(err);
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return { cls: 'timeout', message: `${codes[0]}: ${msg}` };
  const code = codes[0] ?? 'network error';
  return { cls: 'connect', message: msg.includes(code) ? msg : `${code}: ${msg}` };
}

// Only a sanity bound (and one setTimeout can hold): whether gw waits that long is the
// executor's call (upstream.maxRetryAfter); the caller may still get the hint as it came.
const MAX_RETRY_AFTER_MS = 86_400_000; // 24h
const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

/** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3), or OpenAI's retry-after-ms. */
export function parseRetryAfter(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  now = Date.now(),
): number | undefined {
  const pick = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  let ms: number | undefined;
  const msHeader = pick(headers['retry-after-ms']);
  if (msHeader !== undefined && DECIMAL.test(msHeader.trim())) ms = Number(msHeader.trim());
  const raw = pick(headers['retry-after'])?.trim();
  if (ms === undefined && raw !== undefined && raw !== '') {
    if (INTEGER.test(raw)) ms = Number(raw) * 1000;
    else {
      const at = Date.parse(raw);
      if (!Number.isNaN(at)) ms = Math.max(0, at - now);
    }
  }
  return ms === undefined ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}
