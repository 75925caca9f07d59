// OpenAI Responses request (POST /v1/responses) -> chat-completions request (the hub). Pure.
// Every field is mapped, accepted as documented (store: gw keeps no responses), or refused with
// 400 naming it: nothing is dropped silently. The README's "OpenAI Responses API" section is the
// table of what maps and what is refused.
import { GwError } from '../../../errors.js';
import { isObject } from '../../../util/is-object.js';

type Obj = Record<string, unknown>;

function bad(message: string, param: string): GwError {
  return new GwError('GW_ERR_BAD_REQUEST', message, { param });
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Fields copied to the chat request under the same name (after a type check). */
const SAME: ReadonlyArray<readonly [string, (v: unknown) => boolean, string]> = [
  ['temperature', (v) => typeof v === 'number', 'a number'],
  ['top_p', (v) => typeof v === 'number', 'a number'],
  ['parallel_tool_calls', (v) => typeof v === 'boolean', 'a boolean'],
  ['user', (v) => typeof v === 'string', 'a string'],
  ['safety_identifier', (v) => typeof v === 'string', 'a string'],
  ['prompt_cache_key', (v) => typeof v === 'string', 'a string'],
  ['service_tier', (v) => typeof v === 'string', 'a string'],
];

/** Fields read below (or accepted with no effect on the call: store, metadata). */
const HANDLED = new Set([
  'model',
  'input',
  'instructions',
  'stream',
  'stream_options',
  'max_output_tokens',
  'tools',
  'tool_choice',
  'text',
  'reasoning',
  'store',
  'metadata',
  'truncation',
  'include',
  ...SAME.map(([name]) => name),
]);

/** Refused with the reason gw gives; anything neither here nor handled is refused as unsupported. */
const REFUSED: Readonly<Record<string, string>> = {
  previous_response_id: 'gw keeps no responses: send the whole conversation in `input`',
  conversation: 'gw keeps no conversations: send the whole conversation in `input`',
  background: 'background responses are not supported by gw',
  prompt: 'stored prompt templates are not supported by gw (use the endpoint prompt)',
  max_tool_calls: 'max_tool_calls is not supported by gw',
  top_logprobs: 'logprobs are not supported on /v1/responses by gw',
};

/** Content parts of an input message -> chat content parts. */
function contentParts(content: unknown, path: string): Obj[] {
  if (!Array.isArray(content)) throw bad(`\`${path}\` must be a string or an array of content parts`, path);
  return content.map((p: unknown, i): Obj => {
    const at = `${path}[${i}]`;
    if (!isObject(p)) throw bad(`\`${at}\` must be a content part object`, at);
    switch (p['type']) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: str(p['text']) };
      case 'refusal':
        return { type: 'text', text: str(p['refusal']) };
      case 'input_image': {
        if (typeof p['image_url'] !== 'string')
          throw bad(`\`${at}.image_url\` is required (file_id images are not supported by gw)`, `${at}.image_url`);
        const image: Obj = { url: p['image_url'] };
        if (typeof p['detail'] === 'string') image['detail'] = p['detail'];
        return { type: 'image_url', image_url: image };
      }
      case 'input_file': {
        if (typeof p['file_data'] !== 'string')
          throw bad(
            `\`${at}.file_data\` is required (file_id and file_url are not supported by gw)`,
            `${at}.file_data`,
          );
        const file: Obj = { file_data: p['file_data'] };
        if (typeof p['filename'] === 'string') file['filename'] = p['filename'];
        return { type: 'file', file };
      }
      default:
        throw bad(`\`${at}.type\` '${str(p['type'])}' is not supported by gw`, `${at}.type`);
    }
  });
}

/** One plain text part reads better (and travels further) as a string. */
function compact(parts: Obj[]): string | Obj[] {
  const only = parts[0];
  if (parts.length === 1 && only?.['type'] === 'text') return str(only['text']);
  return parts;
}

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);

function messageOf(item: Obj, at: string): Obj {
  const role = item['role'];
  if (typeof role !== 'string' || !ROLES.has(role))
    throw bad(`\`${at}.role\` must be user, assistant, system or developer`, `${at}.role`);
  const content = item['content'];
  return { role, content: typeof content === 'string' ? content : compact(contentParts(content, `${at}.content`)) };
}

/** The text of a function_call_output (a string, or input_text parts). */
function outputText(output: unknown, at: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output))
    return contentParts(output, at)
      .map((p) => {
        if (p['type'] !== 'text') throw bad(`\`${at}\` may carry text only on gw`, at);
        return str(p['text']);
      })
      .join('');
  throw bad(`\`${at}\` must be a string`, at);
}

/** `input` -> chat messages; consecutive function calls join one assistant turn. */
function messagesOf(input: unknown): Obj[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input) || input.length === 0)
    throw bad('`input` must be a string or a non-empty array of input items', 'input');
  const out: Obj[] = [];
  input.forEach((item: unknown, i) => {
    const at = `input[${i}]`;
    if (!isObject(item)) throw bad(`\`${at}\` must be an input item object`, at);
    const type = item['type'] ?? 'message';
    if (type === 'message') out.push(messageOf(item, at));
    else if (type === 'function_call') {
      if (typeof item['call_id'] !== 'string' || typeof item['name'] !== 'string')
        throw bad(`\`${at}\` needs call_id and name`, at);
      const call = {
        id: item['call_id'],
        type: 'function',
        function: { name: item['name'], arguments: str(item['arguments']) },
      };
      const last = out.at(-1);
      if (last?.['role'] === 'assistant' && Array.isArray(last['tool_calls'])) (last['tool_calls'] as Obj[]).push(call);
      else if (last?.['role'] === 'assistant' && last['tool_calls'] === undefined) last['tool_calls'] = [call];
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      if (typeof item['call_id'] !== 'string') throw bad(`\`${at}.call_id\` is required`, `${at}.call_id`);
      out.push({ role: 'tool', tool_call_id: item['call_id'], content: outputText(item['output'], `${at}.output`) });
    } else throw bad(`\`${at}.type\` '${str(type)}' is not supported by gw`, `${at}.type`);
  });
  return out;
}

function toolsOf(tools: unknown): Obj[] {
  if (!Array.isArray(tools)) throw bad('`tools` must be an array', 'tools');
  return tools.map((t: unknown, i): Obj => {
    const at = `tools[${i}]`;
    if (!isObject(t) || t['type'] !== 'function')
      throw bad(
        `\`${at}.type\` '${str(isObject(t) ? t['type'] : '')}' is not supported by gw (function tools only)`,
        `${at}.type`,
      );
    if (typeof t['name'] !== 'string' || t['name'] === '') throw bad(`\`${at}.name\` is required`, `${at}.name`);
    const fn: Obj = { name: t['name'] };
    if (typeof t['description'] === 'string') fn['description'] = t['description'];
    if (isObject(t['parameters'])) fn['parameters'] = t['parameters'];
    if (typeof t['strict'] === 'boolean') fn['strict'] = t['strict'];
    return { type: 'function', function: fn };
  });
}

function toolChoiceOf(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isObject(choice) && choice['type'] === 'function' && typeof choice['name'] === 'string')
    return { type: 'function', function: { name: choice['name'] } };
  throw bad('`tool_choice` must be auto, none, required or {type: "function", name} on gw', 'tool_choice');
}

/** text.format -> response_format; undefined for plain text. */
function responseFormatOf(text: unknown): Obj | undefined {
  if (!isObject(text)) throw bad('`text` must be an object', 'text');
  for (const key of Object.keys(text))
    if (key !== 'format' && key !== 'verbosity') throw bad(`\`text.${key}\` is not supported by gw`, `text.${key}`);
  const format = text['format'];
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) throw bad('`text.format` must be an object', 'text.format');
  switch (format['type']) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      if (typeof format['name'] !== 'string' || !isObject(format['schema']))
        throw bad('`text.format` json_schema needs name and schema', 'text.format');
      const spec: Obj = { name: format['name'], schema: format['schema'] };
      if (typeof format['description'] === 'string') spec['description'] = format['description'];
      if (typeof format['strict'] === 'boolean') spec['strict'] = format['strict'];
      return { type: 'json_schema', json_schema: spec };
    }
    default:
      throw bad(`\`text.format.type\` '${str(format['type'])}' is not supported by gw`, 'text.format.type');
  }
}

export function toChatRequest(body: Obj): Obj {
  for (const key of Object.keys(body)) {
    if (body[key] === undefined || body[key] === null) continue;
    const why = REFUSED[key];
    if (why !== undefined) throw bad(`\`${key}\` is not supported: ${why}`, key);
    if (!HANDLED.has(key)) throw bad(`\`${key}\` is not supported by gw on /v1/responses`, key);
  }
  const model = body['model'];
  if (typeof model !== 'string' || model === '') throw bad('`model` must be a non-empty string', 'model');
  if (body['input'] === undefined) throw bad('`input` is required', 'input');
  const messages = messagesOf(body['input']);
  const instructions = body['instructions'];
  if (instructions !== undefined && instructions !== null) {
    if (typeof instructions !== 'string') throw bad('`instructions` must be a string', 'instructions');
    messages.unshift({ role: 'system', content: instructions });
  }
  const out: Obj = { model, messages };
  const max = body['max_output_tokens'];
  if (max !== undefined && max !== null) {
    if (!Number.isInteger(max)) throw bad('`max_output_tokens` must be an integer', 'max_output_tokens');
    out['max_tokens'] = max;
  }
  for (const [name, check, what] of SAME) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (!check(v)) throw bad(`\`${name}\` must be ${what}`, name);
    out[name] = v;
  }
  if (body['tools'] !== undefined && body['tools'] !== null) {
    const tools = toolsOf(body['tools']);
    if (tools.length > 0) out['tools'] = tools;
  }
  if (body['tool_choice'] !== undefined && body['tool_choice'] !== null)
    out['tool_choice'] = toolChoiceOf(body['tool_choice']);
  if (body['text'] !== undefined && body['text'] !== null) {
    const format = responseFormatOf(body['text']);
    if (format !== undefined) out['response_format'] = format;
    const verbosity = (body['text'] as Obj)['verbosity'];
    if (typeof verbosity === 'string') out['verbosity'] = verbosity;
  }
  const reasoning = body['reasoning'];
  if (reasoning !== undefined && reasoning !== null) {
    if (!isObject(reasoning)) throw bad('`reasoning` must be an object', 'reasoning');
    for (const key of Object.keys(reasoning)) {
      if (reasoning[key] === null || reasoning[key] === undefined) continue;
      if (key !== 'effort') throw bad(`\`reasoning.${key}\` is not supported by gw`, `reasoning.${key}`);
    }
    if (typeof reasoning['effort'] === 'string') out['reasoning_effort'] = reasoning['effort'];
  }
  const truncation = body['truncation'];
  if (truncation !== undefined && truncation !== null && truncation !== 'disabled')
    throw bad("`truncation` 'auto' is not supported by gw (only 'disabled')", 'truncation');
  const include = body['include'];
  if (Array.isArray(include) && include.length > 0)
    throw bad('`include` is not supported by gw (no extra output is kept)', 'include');
  if (body['stream'] === true) {
    out['stream'] = true;
    // response.completed carries the usage, so the hub stream must end with it.
    out['stream_options'] = { include_usage: true };
  } else if (body['stream'] !== undefined && body['stream'] !== false && body['stream'] !== null)
    throw bad('`stream` must be a boolean', 'stream');
  return out;
}
