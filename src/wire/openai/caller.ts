// The OpenAI dialect: `{"error": {"message", "type", "code"}}` with the status from the error
// table, which the official SDKs turn into their typed error classes (401 AuthenticationError,
// 403 PermissionDeniedError, 404 NotFoundError ...). The hub is OpenAI-shaped, so requests and
// answers pass through unchanged.
import { GwError } from '../../errors.js';
import { validateChatBody } from './validate.js';
import type { ChatRequest, Dialect, ErrorAnswer, StreamWriter, WireDialect } from '../dialect.js';

function envelope(err: GwError): { error: { message: string; type: string; code: string; param: null } } {
  return { error: { message: err.message, type: err.type, code: err.code, param: null } };
}

/** An OpenAI caller never sets a native body, so every outcome it gets is OpenAI-shaped. */
function onlyOpenai(from: WireDialect): void {
  if (from !== 'openai') throw new GwError('GW_ERR_INTERNAL', `an OpenAI route got a '${from}' answer`);
}

const passthrough: StreamWriter = {
  event: (chunk) => `data: ${JSON.stringify(chunk)}\n\n`,
  raw: (data) => `data: ${data}\n\n`,
  end: () => 'data: [DONE]\n\n',
};

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
  // The Anthropic SDK lists models on the same path (GET /v1/models), so the listing carries
  // Anthropic's fields too (type, display_name, created_at, has_more...): one body both SDKs read.
  modelList(names: readonly string[], created: number): unknown {
    const at = new Date(created * 1000).toISOString();
    const data = names.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'gw',
      type: 'model',
      display_name: id,
      created_at: at,
    }));
    return { object: 'list', data, has_more: false, first_id: names[0] ?? null, last_id: names.at(-1) ?? null };
  },
  chatRequest(body: Record<string, unknown>): ChatRequest {
    validateChatBody(body);
    return { body };
  },
  reply(json, from) {
    onlyOpenai(from);
    return json;
  },
  streamWriter(from) {
    onlyOpenai(from);
    return passthrough;
  },
};
