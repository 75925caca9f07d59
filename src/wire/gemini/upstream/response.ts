// Gemini GenerateContentResponse -> OpenAI chat.completion, and Google's error bodies. A
// prompt the safety system blocked comes back as a 200 without candidates and with
// promptFeedback.blockReason: that is reported as a block, not as an answer.
import { randomUUID } from 'node:crypto';
import type { OpenAIObject, Parsed, UpstreamErrorInfo } from '../../../providers/types.js';
import { isObject, num, objects, str, type Obj } from '../../../util/json-readers.js';

const FILTERED: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
]);

/** OpenAI's finish_reason for a Gemini finishReason; undefined while the candidate goes on. */
export function finishReason(reason: unknown, calledTools: boolean): string | undefined {
  if (typeof reason !== 'string' || reason === '' || reason === 'FINISH_REASON_UNSPECIFIED') return undefined;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}

/** The block of a response without candidates: "the prompt was blocked (SAFETY)". */
export function promptBlock(json: Obj): string | undefined {
  const feedback = isObject(json.promptFeedback) ? json.promptFeedback : undefined;
  const reason = feedback !== undefined ? str(feedback.blockReason) : undefined;
  if (reason === undefined || objects(json.candidates).length > 0) return undefined;
  const flagged = objects(feedback?.safetyRatings)
    .filter((r) => r.blocked === true || r.probability === 'HIGH' || r.probability === 'MEDIUM')
    .map((r) => str(r.category))
    .filter((c): c is string => c !== undefined);
  const which = flagged.length > 0 ? `; flagged: ${flagged.join(', ')}` : '';
  const text = str(feedback?.blockReasonMessage);
  return `the prompt was blocked by the upstream's safety filters (${reason}${which})${text !== undefined ? `: ${text}` : ''}`;
}

/** OpenAI usage of usageMetadata; thinking tokens count as completion tokens (they are billed so). */
export function openaiUsage(meta: unknown): Obj | undefined {
  if (!isObject(meta)) return undefined;
  const prompt = num(meta.promptTokenCount) ?? 0;
  const completion = (num(meta.candidatesTokenCount) ?? 0) + (num(meta.thoughtsTokenCount) ?? 0);
  const usage: Obj = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = num(meta.cachedContentTokenCount);
  if (cached !== undefined) usage.prompt_tokens_details = { cached_tokens: cached };
  return usage;
}

/** Text and tool calls of a candidate's parts; thought parts are left out. */
export function partsOf(candidate: Obj, firstIndex = 0): { text: string; toolCalls: Obj[] } {
  const content = isObject(candidate.content) ? candidate.content : {};
  let text = '';
  const toolCalls: Obj[] = [];
  for (const p of objects(content.parts)) {
    if (p.thought === true) continue;
    if (typeof p.text === 'string') text += p.text;
    if (isObject(p.functionCall)) {
      const call = p.functionCall;
      toolCalls.push({
        index: firstIndex + toolCalls.length,
        id: str(call.id) ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        type: 'function',
        function: { name: str(call.name) ?? '', arguments: JSON.stringify(isObject(call.args) ? call.args : {}) },
      });
    }
  }
  return { text, toolCalls };
}

export function completionId(json: Obj): string {
  return `chatcmpl-${str(json.responseId) ?? randomUUID()}`;
}

export function parseChatResponse(json: unknown): Parsed<OpenAIObject> {
  if (!isObject(json)) return { ok: false, message: 'the upstream answer is not a GenerateContentResponse' };
  const blocked = promptBlock(json);
  if (blocked !== undefined) return { ok: false, blocked: true, message: blocked };
  const candidate = objects(json.candidates)[0];
  if (candidate === undefined)
    return { ok: false, message: 'the upstream answer is not a GenerateContentResponse (no candidates)' };
  const { text, toolCalls } = partsOf(candidate);
  const message: Obj = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls.map(({ index: _index, ...call }) => call);
  const out: Obj = {
    id: completionId(json),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: str(json.modelVersion) ?? '',
    choices: [
      {
        index: 0,
        message,
        finish_reason: finishReason(candidate.finishReason, toolCalls.length > 0) ?? 'stop',
      },
    ],
  };
  const usage = openaiUsage(json.usageMetadata);
  if (usage !== undefined) out.usage = usage;
  return { ok: true, value: out };
}

const MAX_MESSAGE = 500;

/** Google's error body: {"error": {"code", "message", "status"}} (as an object or a one-element array). */
export function parseError(status: number, bodyText: string): UpstreamErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim().slice(0, MAX_MESSAGE);
    return { message: text === '' ? `upstream answered HTTP ${status}` : text };
  }
  const body = Array.isArray(json) ? (json[0] as unknown) : json;
  const err = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (err !== undefined && typeof err.message === 'string')
    return { message: err.message, type: str(err.status), code: str(err.status) };
  return { message: `upstream answered HTTP ${status}` };
}
