// The OpenAI wire format (the hub): chat-completions requests (system prompt as system or
// developer messages, content a string or parts), chat.completion answers, chat.completion.chunk
// events. Embeddings requests are read for their `input` text.
import { isObj, mapStrings, strLen } from '../json.js';
import type { Obj, TextMap, TextPlace, WireCodec } from '../types.js';

const INPUT_SEP = '\n';

function isSystem(m: Obj): boolean {
  return m['role'] === 'system' || m['role'] === 'developer';
}

/** The text of a string or of the text parts of a content array. */
export function contentText(content: unknown, out: string[]): void {
  if (typeof content === 'string') out.push(content);
  else if (Array.isArray(content)) {
    for (const p of content) if (isObj(p) && typeof p['text'] === 'string') out.push(p['text']);
  }
}

function mapContent(content: unknown, fn: TextMap): unknown {
  if (typeof content === 'string') return fn(content);
  if (Array.isArray(content)) {
    for (const p of content)
      if (isObj(p) && p['type'] === 'text' && typeof p['text'] === 'string') p['text'] = fn(p['text']);
  }
  return content;
}

/** Multi-part content: the text parts joined and wrapped as one, the rest (images...) after it. */
function wrapContent(wrap: TextMap, content: unknown): unknown {
  if (typeof content === 'string') return wrap(content);
  if (!Array.isArray(content)) return content;
  const text = content
    .filter(
      (p): p is { type: 'text'; text: string } =>
        typeof p === 'object' && p !== null && p.type === 'text' && typeof p.text === 'string',
    )
    .map((p) => p.text)
    .join('\n');
  const others = content.filter((p) => !(typeof p === 'object' && p !== null && p.type === 'text'));
  return [{ type: 'text', text: wrap(text) }, ...others];
}

function choicesOf(json: Obj): unknown[] | undefined {
  const c = json['choices'];
  return Array.isArray(c) ? c : undefined;
}

export const openaiCodec: WireCodec = Object.freeze({
  format: 'openai',
  params: undefined,

  readMessages(body: Obj): readonly Obj[] | undefined {
    const m = body['messages'];
    return Array.isArray(m) ? (m as Obj[]) : undefined;
  },
  replaceMessages(body: Obj, messages: Obj[]): void {
    body['messages'] = messages;
  },
  readSystem(body: Obj): string | undefined {
    const out: string[] = [];
    for (const m of openaiCodec.readMessages(body) ?? []) if (isObj(m) && isSystem(m)) contentText(m['content'], out);
    return out.length === 0 ? undefined : out.join('\n\n');
  },
  replaceSystem(body: Obj, text: string | undefined): void {
    const rest = (openaiCodec.readMessages(body) ?? []).filter((m) => !(isObj(m) && isSystem(m)));
    body['messages'] = text === undefined ? rest : [{ role: 'system', content: text }, ...rest];
  },
  prependSystem(body: Obj, text: string): void {
    body['messages'] = [{ role: 'system', content: text }, ...(openaiCodec.readMessages(body) ?? [])];
  },
  wrapUserText(message: Obj, wrap: TextMap): Obj {
    return { ...message, content: wrapContent(wrap, message['content']) };
  },
  requestText(body: Obj): string {
    const out: string[] = [];
    for (const m of openaiCodec.readMessages(body) ?? []) {
      if (!isObj(m)) continue;
      contentText(m['content'], out);
      if (Array.isArray(m['tool_calls'])) {
        for (const c of m['tool_calls']) {
          const fn = isObj(c) && isObj(c['function']) ? c['function'] : {};
          out.push(String(fn['name'] ?? ''), String(fn['arguments'] ?? ''));
        }
      }
    }
    if (Array.isArray(body['tools'])) out.push(JSON.stringify(body['tools']));
    // An embeddings request: its input strings.
    const input = body['input'];
    if (typeof input === 'string') out.push(input);
    else if (Array.isArray(input)) for (const s of input) if (typeof s === 'string') out.push(s);
    return out.join(INPUT_SEP);
  },
  promptChars(body: Obj): number {
    const messages = body['messages'];
    if (Array.isArray(messages)) {
      let n = 0;
      for (const m of messages) n += strLen((m as { content?: unknown }).content);
      return n;
    }
    // An embeddings request.
    const input = body['input'];
    if (typeof input === 'string') return input.length;
    if (Array.isArray(input)) {
      let n = 0;
      for (const s of input) n += strLen(s);
      return n;
    }
    return 0;
  },

  answerText(json: Obj): string {
    let text = '';
    for (const c of choicesOf(json) ?? []) {
      const content = (c as { message?: { content?: unknown } }).message?.content;
      if (typeof content === 'string') text += content;
    }
    return text;
  },
  answerChars(json: Obj): number {
    let n = 0;
    for (const c of choicesOf(json) ?? []) n += strLen((c as { message?: { content?: unknown } }).message?.content);
    return n;
  },
  eventText(event: Obj): string {
    let text = '';
    for (const c of choicesOf(event) ?? []) {
      const content = (c as { delta?: { content?: unknown } }).delta?.content;
      if (typeof content === 'string') text += content;
    }
    return text;
  },
  eventChars(event: Obj): number {
    const choices = choicesOf(event);
    if (choices === undefined) return 0;
    let n = 0;
    for (const c of choices) n += strLen((c as { delta?: { content?: unknown } }).delta?.content);
    return n;
  },

  mapText(obj: Obj, place: TextPlace, fn: TextMap): void {
    if (place === 'request') {
      for (const m of openaiCodec.readMessages(obj) ?? []) {
        if (!isObj(m)) continue;
        if (m['content'] !== undefined && m['content'] !== null) m['content'] = mapContent(m['content'], fn);
        if (!Array.isArray(m['tool_calls'])) continue;
        for (const c of m['tool_calls']) {
          const f = isObj(c) ? c['function'] : undefined;
          if (isObj(f) && typeof f['arguments'] === 'string') f['arguments'] = fn(f['arguments']);
        }
      }
      // An embeddings request: its input strings.
      if (obj['input'] !== undefined) obj['input'] = mapStrings(obj['input'], fn);
      return;
    }
    const field = place === 'answer' ? 'message' : 'delta';
    for (const c of choicesOf(obj) ?? []) {
      const msg = isObj(c) ? c[field] : undefined;
      if (isObj(msg) && typeof msg['content'] === 'string') msg['content'] = fn(msg['content']);
    }
  },
});
