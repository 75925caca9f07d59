// OpenAI chat request -> Anthropic Messages request, and the passthrough request for callers
// that already speak Anthropic. Sampling fields are mapped where Anthropic has them; fields
// without a counterpart (n, seed, logprobs, penalties...) are dropped; response_format becomes a
// forced answer tool (structured.ts).
import type { CompiledProvider } from '../../../compile/routing-table.js';
import type { HttpRequestSpec } from '../../../providers/types.js';
import { isObject, num, objects, str, type Obj } from '../../../util/json-readers.js';
import { toAnthropicMessages } from './messages.js';
import { answerChoice, answerTool } from './structured.js';

/** Sent unless the provider's own headers set another version. */
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; used when the caller sets neither max_tokens nor max_completion_tokens. */
export const DEFAULT_MAX_TOKENS = 4096;

const JSON_HEADERS = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json',
  'anthropic-version': ANTHROPIC_VERSION,
});
const SSE_HEADERS = Object.freeze({
  'content-type': 'application/json',
  accept: 'text/event-stream',
  'anthropic-version': ANTHROPIC_VERSION,
});

function spec(provider: CompiledProvider, payload: Obj, stream: boolean): HttpRequestSpec {
  return {
    method: 'POST',
    path: `${provider.basePath}/messages`,
    headers: stream ? SSE_HEADERS : JSON_HEADERS,
    body: JSON.stringify(payload),
  };
}

function tools(raw: unknown): Obj[] {
  const out: Obj[] = [];
  for (const t of objects(raw)) {
    const fn = isObject(t.function) ? t.function : undefined;
    const name = fn !== undefined ? str(fn.name) : undefined;
    if (t.type !== 'function' || fn === undefined || name === undefined) continue; // only function tools map
    const tool: Obj = {
      name,
      input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
    const description = str(fn.description);
    if (description !== undefined) tool.description = description;
    out.push(tool);
  }
  return out;
}

function toolChoice(raw: unknown, parallel: unknown): Obj | undefined {
  let choice: Obj | undefined;
  if (raw === 'auto') choice = { type: 'auto' };
  else if (raw === 'none') choice = { type: 'none' };
  else if (raw === 'required') choice = { type: 'any' };
  else if (isObject(raw) && isObject(raw.function) && typeof raw.function.name === 'string')
    choice = { type: 'tool', name: raw.function.name };
  if (parallel === false && choice?.type !== 'none')
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return choice;
}

function stopSequences(stop: unknown): string[] {
  if (typeof stop === 'string') return stop === '' ? [] : [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string' && s !== '') : [];
}

/** The Anthropic request body for an OpenAI chat request (body.model already the upstream model). */
export function toAnthropicRequest(body: Obj, stream: boolean): Obj {
  const { system, messages } = toAnthropicMessages(body.messages);
  const out: Obj = {
    model: body.model,
    max_tokens: num(body.max_completion_tokens) ?? num(body.max_tokens) ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system !== undefined) out.system = system;
  const temperature = num(body.temperature);
  // OpenAI allows 0-2, Anthropic 0-1: values above 1 are clamped to 1.
  if (temperature !== undefined) out.temperature = Math.min(Math.max(temperature, 0), 1);
  const topP = num(body.top_p);
  // top_p 1 changes nothing, and recent Claude models refuse temperature and top_p together.
  if (topP !== undefined && topP < 1) out.top_p = topP;
  const stops = stopSequences(body.stop);
  if (stops.length > 0) out.stop_sequences = stops;
  const fnTools = tools(body.tools);
  const answer = answerTool(body.response_format);
  if (answer !== undefined) {
    out.tools = [...fnTools, answer];
    out.tool_choice = answerChoice(toolChoice(body.tool_choice, body.parallel_tool_calls), fnTools.length);
  } else if (fnTools.length > 0) {
    out.tools = fnTools;
    const choice = toolChoice(body.tool_choice, body.parallel_tool_calls);
    if (choice !== undefined) out.tool_choice = choice;
  }
  const user = str(body.user);
  if (user !== undefined && user !== '') out.metadata = { user_id: user };
  if (stream) out.stream = true;
  return out;
}

export function buildChatRequest(provider: CompiledProvider, body: Obj, stream: boolean): HttpRequestSpec {
  return spec(provider, toAnthropicRequest(body, stream), stream);
}

/** Passthrough: the caller's Anthropic body as given, only the stream flag set to what gw does. */
export function buildNativeChatRequest(provider: CompiledProvider, nativeBody: Obj, stream: boolean): HttpRequestSpec {
  const payload: Obj = { ...nativeBody };
  if (stream) payload.stream = true;
  else delete payload.stream;
  return spec(provider, payload, stream);
}
