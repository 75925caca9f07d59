// GwError -> the Anthropic error shape `{"type":"error","error":{"type","message"},"request_id"}`
// with Anthropic's error type for the status (docs: Claude API errors), which the official SDK
// turns into its typed classes (400 BadRequestError, 401 AuthenticationError, 529 overloaded...).
import type { GwError } from '../../../errors.js';
import type { ErrorAnswer } from '../../dialect.js';

const BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Upstream statuses that mean "busy, try later": a 502 caused by them reads as overloaded. */
const OVERLOADED_UPSTREAM = new Set([503, 529]);

export function anthropicErrorType(err: GwError): string {
  const status = err.status;
  if (status === 502 && OVERLOADED_UPSTREAM.has(err.details?.['upstreamStatus'] as number)) return 'overloaded_error';
  const known = BY_STATUS[status];
  if (known !== undefined) return known;
  // Anthropic uses invalid_request_error for 4xx it does not list (405, 422, ...).
  return status < 500 ? 'invalid_request_error' : 'api_error';
}

export function anthropicErrorBody(err: GwError, requestId?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: 'error',
    error: { type: anthropicErrorType(err), message: err.message },
  };
  if (requestId !== undefined) body['request_id'] = requestId;
  return body;
}

export function anthropicError(err: GwError, requestId?: string): ErrorAnswer {
  const headers: Record<string, string> = {};
  const retryAfter = err.details?.['retryAfterSec'];
  if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return { status: err.status, headers, body: anthropicErrorBody(err, requestId) };
}

/** Mid-stream: an `error` event; the SDK raises it as an APIError, and no message_stop follows. */
export function anthropicStreamError(err: GwError): string {
  return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(err))}\n\n`;
}
