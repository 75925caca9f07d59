// OpenAI chat request -> Bedrock Converse request: POST {baseUrl}/model/{modelId}/converse, or
// /converse-stream for a stream (answered in AWS's event-stream framing, see framing.ts). The
// model id (or inference profile / ARN) travels in the path, URL-encoded; sampling fields map to
// inferenceConfig, function tools to toolConfig. Fields without a Converse counterpart (n, seed,
// logprobs, penalties, response_format) are dropped.
import type { CompiledProvider } from '../../compile/routing-table.js';
import type { HttpRequestSpec } from '../types.js';
import { isObject, num, objects, str, type Obj } from '../../util/json-readers.js';
import { toConverseMessages } from './messages.js';

/** The content type of a ConverseStream answer. */
export const EVENT_STREAM = 'application/vnd.amazon.eventstream';

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'application/json' });
const STREAM_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: EVENT_STREAM });

function tools(raw: unknown): Obj[] {
  const out: Obj[] = [];
  for (const t of objects(raw)) {
    const fn = isObject(t.function) ? t.function : undefined;
    const name = fn !== undefined ? str(fn.name) : undefined;
    if (t.type !== 'function' || fn === undefined || name === undefined) continue; // only function tools map
    const spec: Obj = {
      name,
      inputSchema: { json: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } },
    };
    const description = str(fn.description);
    if (description !== undefined && description !== '') spec.description = description;
    out.push({ toolSpec: spec });
  }
  return out;
}

/** Converse has auto, any and one named tool; 'none' leaves the choice to the model (auto). */
function toolChoice(raw: unknown): Obj | undefined {
  if (raw === 'auto') return { auto: {} };
  if (raw === 'required') return { any: {} };
  if (isObject(raw) && isObject(raw.function) && typeof raw.function.name === 'string')
    return { tool: { name: raw.function.name } };
  return undefined;
}

function stopSequences(stop: unknown): string[] {
  if (typeof stop === 'string') return stop === '' ? [] : [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string' && s !== '') : [];
}

/** The Converse body for an OpenAI chat request. */
export function toConverseRequest(body: Obj): Obj {
  const { system, messages } = toConverseMessages(body.messages);
  const out: Obj = { messages };
  if (system !== undefined) out.system = system;
  const config: Obj = {};
  const maxTokens = num(body.max_completion_tokens) ?? num(body.max_tokens);
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  const temperature = num(body.temperature);
  if (temperature !== undefined) config.temperature = temperature;
  const topP = num(body.top_p);
  if (topP !== undefined) config.topP = topP;
  const stops = stopSequences(body.stop);
  if (stops.length > 0) config.stopSequences = stops;
  if (Object.keys(config).length > 0) out.inferenceConfig = config;
  const specs = tools(body.tools);
  if (specs.length > 0) {
    const toolConfig: Obj = { tools: specs };
    const choice = toolChoice(body.tool_choice);
    if (choice !== undefined) toolConfig.toolChoice = choice;
    out.toolConfig = toolConfig;
  }
  return out;
}

export function buildChatRequest(provider: CompiledProvider, body: Obj, stream: boolean): HttpRequestSpec {
  const model = encodeURIComponent(str(body.model) ?? '');
  return {
    method: 'POST',
    path: `${provider.basePath}/model/${model}/${stream ? 'converse-stream' : 'converse'}`,
    headers: stream ? STREAM_HEADERS : JSON_HEADERS,
    body: JSON.stringify(toConverseRequest(body)),
  };
}
