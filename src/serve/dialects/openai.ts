// The OpenAI dialect: `{"error": {"message", "type", "code"}}` with the status from the error
// table, which the official SDKs turn into their typed error classes (401 AuthenticationError,
// 403 PermissionDeniedError, 404 NotFoundError ...).
import type { GwError } from '../../errors.js';
import type { Dialect, ErrorAnswer } from './types.js';

function envelope(err: GwError): { error: { message: string; type: string; code: string; param: null } } {
  return { error: { message: err.message, type: err.type, code: err.code, param: null } };
}

export const openaiDialect: Dialect = {
  name: 'openai',
  error(err: GwError): ErrorAnswer {
    const headers: Record<string, string> = {};
    const retryAfter = err.details?.['retryAfterSec'];
    if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
    return { status: err.status, headers, body: envelope(err) };
  },
  // The SDKs raise an APIError when a `data:` event carries an `error` object.
  streamError(err: GwError): string {
    return `data: ${JSON.stringify(envelope(err))}\n\n`;
  },
  modelList(names: readonly string[], created: number): unknown {
    return { object: 'list', data: names.map((id) => ({ id, object: 'model', created, owned_by: 'gw' })) };
  },
};
