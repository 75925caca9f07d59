// Anthropic Messages request -> OpenAI chat-completions request (the hub). Pure. What has no
// OpenAI counterpart is dropped (thinking, cache_control, top_k, server tools, citations), as
// the README's "Anthropic and OpenAI translation" section lists; a same-dialect target gets the
// caller's body untranslated instead (call.native).
type Obj = Record<string, unknown>;
type Part = Obj;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The text of a string or of the text blocks in an array (other blocks skipped). */
export function blocksText(content: unknown, sep = '\n'): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is Obj => isObj(b) && b['type'] === 'text')
    .map((b) => str(b['text']))
    .join(sep);
}

/** image / document source -> an OpenAI content part, or undefined when it has none. */
function sourcePart(block: Obj): Part | undefined {
  const src = isObj(block['source']) ? block['source'] : {};
  if (block['type'] === 'image') {
    if (src['type'] === 'base64')
      return { type: 'image_url', image_url: { url: `data:${str(src['media_type'])};base64,${str(src['data'])}` } };
    if (src['type'] === 'url') return { type: 'image_url', image_url: { url: str(src['url']) } };
    return undefined;
  }
  // document
  if (src['type'] === 'text') return { type: 'text', text: str(src['data']) };
  if (src['type'] === 'base64') {
    const file: Obj = { file_data: `data:${str(src['media_type'])};base64,${str(src['data'])}` };
    if (typeof block['title'] === 'string') file['filename'] = block['title'];
    return { type: 'file', file };
  }
  return undefined;
}

/** Content parts as OpenAI wants them: one text part becomes a plain string. */
function partsContent(parts: Part[]): string | Part[] {
  const only = parts[0];
  if (parts.length === 1 && only?.['type'] === 'text') return str(only['text']);
  return parts;
}

function toolResultMessage(block: Obj): Obj {
  let text = blocksText(block['content']);
  if (block['is_error'] === true) text = text === '' ? 'Error' : `Error: ${text}`;
  return { role: 'tool', tool_call_id: str(block['tool_use_id']), content: text };
}

/** One user turn: tool results first (OpenAI wants them right after the tool calls), then the rest. */
function userMessages(content: unknown): Obj[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: Obj[] = [];
  const parts: Part[] = [];
  for (const b of content as Obj[]) {
    const type = b['type'];
    if (type === 'tool_result') out.push(toolResultMessage(b));
    else if (type === 'text') parts.push({ type: 'text', text: str(b['text']) });
    else if (type === 'image' || type === 'document') {
      const p = sourcePart(b);
      if (p !== undefined) parts.push(p);
    }
  }
  if (parts.length > 0) out.push({ role: 'user', content: partsContent(parts) });
  return out;
}

function assistantMessage(content: unknown): Obj {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const calls: Obj[] = [];
  for (const b of content as Obj[]) {
    if (b['type'] === 'text') texts.push(str(b['text']));
    else if (b['type'] === 'tool_use') {
      calls.push({
        id: str(b['id']),
        type: 'function',
        function: { name: str(b['name']), arguments: JSON.stringify(b['input'] ?? {}) },
      });
    }
    // thinking / redacted_thinking: no OpenAI counterpart, dropped.
  }
  const msg: Obj = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (calls.length > 0) msg['tool_calls'] = calls;
  else if (msg['content'] === null) msg['content'] = '';
  return msg;
}

function toolsOf(tools: unknown): Obj[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  // Client tools only: server tools (web_search_..., bash_...) have a versioned type and no schema.
  const client = tools.filter((t): t is Obj => isObj(t) && (t['type'] === undefined || t['type'] === 'custom'));
  return client.map((t) => {
    const fn: Obj = {
      name: str(t['name']),
      parameters: isObj(t['input_schema']) ? t['input_schema'] : { type: 'object', properties: {} },
    };
    if (typeof t['description'] === 'string') fn['description'] = t['description'];
    return { type: 'function', function: fn };
  });
}

function toolChoiceOf(choice: unknown): unknown {
  if (!isObj(choice)) return undefined;
  switch (choice['type']) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: str(choice['name']) } };
    default:
      return undefined;
  }
}

/** The system prompt as one string: blocks joined by a blank line (cache_control dropped). */
function systemText(system: unknown): string | undefined {
  if (system === undefined || system === null) return undefined;
  const text = blocksText(system, '\n\n');
  return text === '' && typeof system !== 'string' ? undefined : text;
}

/**
 * Anthropic's JSON output format (`output_config.format`, or the beta `output_format`):
 * {type: 'json_schema', schema} -> OpenAI's response_format; undefined when there is none.
 */
function responseFormatOf(body: Obj): Obj | undefined {
  const config = isObj(body['output_config']) ? body['output_config'] : {};
  const format = isObj(config['format']) ? config['format'] : body['output_format'];
  if (!isObj(format) || format['type'] !== 'json_schema' || !isObj(format['schema'])) return undefined;
  return { type: 'json_schema', json_schema: { name: 'output', schema: format['schema'] } };
}

export function toOpenAIRequest(body: Obj): Obj {
  const messages: Obj[] = [];
  const system = systemText(body['system']);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  for (const m of body['messages'] as Obj[]) {
    if (m['role'] === 'assistant') messages.push(assistantMessage(m['content']));
    else messages.push(...userMessages(m['content']));
  }
  const out: Obj = { model: body['model'], messages };
  if (body['max_tokens'] !== undefined) out['max_tokens'] = body['max_tokens'];
  for (const name of ['temperature', 'top_p'] as const) if (typeof body[name] === 'number') out[name] = body[name];
  if (Array.isArray(body['stop_sequences']) && body['stop_sequences'].length > 0) out['stop'] = body['stop_sequences'];
  const tools = toolsOf(body['tools']);
  if (tools !== undefined && tools.length > 0) {
    out['tools'] = tools;
    const choice = toolChoiceOf(body['tool_choice']);
    if (choice !== undefined) out['tool_choice'] = choice;
    if (isObj(body['tool_choice']) && body['tool_choice']['disable_parallel_tool_use'] === true)
      out['parallel_tool_calls'] = false;
  }
  const format = responseFormatOf(body);
  if (format !== undefined) out['response_format'] = format;
  const meta = body['metadata'];
  if (isObj(meta) && typeof meta['user_id'] === 'string') out['user'] = meta['user_id'];
  if (body['stream'] === true) {
    out['stream'] = true;
    // The usage chunk carries the token counts message_delta reports.
    out['stream_options'] = { include_usage: true };
  }
  return out;
}
