// OpenAI chat.completion -> Anthropic message. Pure. The first choice is the message (an
// Anthropic request never asks for more); the model is the name the caller sent.
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OpenAI finish_reason -> Anthropic stop_reason. content_filter becomes 'refusal' (Anthropic's
 * reason for a policy stop); anything unknown or missing reads as a normal end.
 */
export function stopReason(finish: unknown): string {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/**
 * OpenAI usage -> Anthropic usage. OpenAI's prompt_tokens include cached tokens; Anthropic's
 * input_tokens do not (total input = input + cache_creation + cache_read), so cached ones move
 * out. Cache writes are known only from servers that report Anthropic's own field for them.
 */
export function anthropicUsage(usage: unknown): Obj {
  const u = isObj(usage) ? usage : {};
  const details = isObj(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const cached = count(details['cached_tokens']);
  const read = cached !== undefined && cached > 0 ? cached : count(u['cache_read_input_tokens']);
  const written = count(u['cache_creation_input_tokens']);
  return {
    input_tokens: Math.max(0, (count(u['prompt_tokens']) ?? 0) - (read ?? 0) - (written ?? 0)),
    output_tokens: count(u['completion_tokens']) ?? 0,
    // Numbers, as the Messages API sends them (0 when the upstream reported none), never null.
    cache_creation_input_tokens: written ?? 0,
    cache_read_input_tokens: read ?? 0,
  };
}

/** Tool arguments are a JSON string in OpenAI and an object in Anthropic. */
export function parseArguments(args: unknown): Obj {
  if (isObj(args)) return args;
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isObj(v) ? v : { value: v };
  } catch {
    // Not JSON (a model that broke the format): kept, not lost.
    return { arguments: args };
  }
}

/**
 * An Anthropic-looking message id: an upstream `msg_…` id is kept, another one (an OpenAI
 * `chatcmpl-…`) gets the `msg_` prefix over its letters and digits, none gives `fallbackId`.
 */
export function messageIdOf(id: unknown, fallbackId: string): string {
  if (typeof id !== 'string' || id === '') return fallbackId;
  if (id.startsWith('msg_')) return id;
  let word = '';
  for (const ch of id.slice(0, 128))
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) word += ch;
  return word === '' ? fallbackId : `msg_${word.slice(0, 64)}`;
}

export function toAnthropicMessage(json: Obj, model: string, fallbackId: string): Obj {
  const choices = Array.isArray(json['choices']) ? json['choices'] : [];
  const choice: Obj = isObj(choices[0]) ? choices[0] : {};
  const msg: Obj = isObj(choice['message']) ? choice['message'] : {};
  const content: Obj[] = [];
  if (typeof msg['content'] === 'string' && msg['content'] !== '') content.push({ type: 'text', text: msg['content'] });
  if (typeof msg['refusal'] === 'string' && msg['refusal'] !== '') content.push({ type: 'text', text: msg['refusal'] });
  const calls = Array.isArray(msg['tool_calls']) ? msg['tool_calls'] : [];
  for (const c of calls) {
    if (!isObj(c)) continue;
    const fn = isObj(c['function']) ? c['function'] : {};
    content.push({
      type: 'tool_use',
      id: String(c['id'] ?? ''),
      name: String(fn['name'] ?? ''),
      input: parseArguments(fn['arguments']),
    });
  }
  const refused = typeof msg['refusal'] === 'string' && msg['refusal'] !== '';
  return {
    id: messageIdOf(json['id'], fallbackId),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: refused ? 'refusal' : stopReason(choice['finish_reason']),
    stop_sequence: null,
    usage: anthropicUsage(json['usage']),
  };
}
