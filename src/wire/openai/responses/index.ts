// The OpenAI Responses dialect (POST /v1/responses): Responses bodies in, read into the hub
// (chat completions) shape, so every target type serves them through the existing translation;
// answers and streams written back as Responses objects and typed events. Errors use the OpenAI
// envelope, as on the chat route.
import { GwError } from '../../../errors.js';
import type { ChatRequest, Dialect, ReplyInfo, StreamWriter, WireDialect } from '../../dialect.js';
import { openaiDialect } from '../caller.js';
import { validateChatBody } from '../validate.js';
import { toChatRequest } from './request.js';
import { idWord, toResponse, type ResponseEcho } from './response.js';
import { createEventTranslator } from './stream.js';

type Obj = Record<string, unknown>;

const frame = (e: Obj): string => `event: ${String(e['type'])}\ndata: ${JSON.stringify(e)}\n\n`;

/** The request settings a response echoes are not kept: the response shows the API's defaults. */
const NO_REQUEST: Obj = Object.freeze({}) as Obj;

function echoOf(info: ReplyInfo, request: Obj): ResponseEcho {
  return {
    id: `resp_${idWord(info.requestId)}`,
    model: info.model,
    createdAt: Math.floor(Date.now() / 1000),
    request,
  };
}

function hubOnly(from: WireDialect): void {
  if (from !== 'openai') throw new GwError('GW_ERR_INTERNAL', `the Responses route got a '${from}' answer`);
}

export const responsesDialect: Dialect = {
  name: 'openai.responses',
  error: (err: GwError, requestId?: string) => openaiDialect.error(err, requestId),
  // An `error` event: the SDK raises it as an APIError.
  streamError(err: GwError): string {
    const e = {
      type: 'error',
      code: err.code,
      message: err.message,
      param: null,
      error: { message: err.message, type: err.type, code: err.code },
    };
    return `event: error\ndata: ${JSON.stringify(e)}\n\n`;
  },
  modelList: (names, created) => openaiDialect.modelList(names, created),
  chatRequest(body: Obj): ChatRequest {
    const hub = toChatRequest(body);
    validateChatBody(hub);
    return { body: hub };
  },
  reply(json: Obj, from: WireDialect, info: ReplyInfo): unknown {
    hubOnly(from);
    return toResponse(json, echoOf(info, NO_REQUEST));
  },
  streamWriter(from: WireDialect, info: ReplyInfo): StreamWriter {
    hubOnly(from);
    const t = createEventTranslator(echoOf(info, NO_REQUEST));
    return { event: (chunk) => t.chunk(chunk).map(frame).join(''), end: () => t.end().map(frame).join('') };
  },
};
