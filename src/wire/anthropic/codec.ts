// The Anthropic Messages wire format: requests with a top-level `system` (a string or text
// blocks) and user/assistant turns of content blocks, `message` answers, and the stream's
// events (message_start, content_block_*, message_delta, message_stop).
import { isObj, mapStrings, strLen } from '../json.js';
import type { Obj, TextMap, TextPlace, WireCodec } from '../types.js';

/** Endpoint params that have an Anthropic field (penalties, seed... have none). */
const PARAMS: ReadonlyArray<readonly [string, string]> = Object.freeze([
  ['temperature', 'temperature'],
  ['top_p', 'top_p'],
  ['max_tokens', 'max_tokens'],
  ['stop', 'stop_sequences'],
] as const);

function isText(b: unknown): b is Obj {
  return isObj(b) && b['type'] === 'text';
}

/** The text of a string or of the text blocks of an array. */
function blocksText(content: unknown, sep: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const out: string[] = [];
  for (const b of content) if (isText(b)) out.push(typeof b['text'] === 'string' ? b['text'] : '');
  return out.join(sep);
}

function hasText(content: unknown): boolean {
  return typeof content === 'string' || (Array.isArray(content) && content.some(isText));
}

function mapBlocks(content: unknown, fn: TextMap): unknown {
  if (typeof content === 'string') return fn(content);
  if (Array.isArray(content))
    for (const b of content) if (isText(b) && typeof b['text'] === 'string') b['text'] = fn(b['text']);
  return content;
}

/** A caller's content block: text, a tool call's input, a tool result's content. */
function mapRequestBlock(b: Obj, fn: TextMap): void {
  if (b['type'] === 'text' && typeof b['text'] === 'string') b['text'] = fn(b['text']);
  else if (b['type'] === 'tool_use' && b['input'] !== undefined) b['input'] = mapStrings(b['input'], fn);
  else if (b['type'] === 'tool_result' && b['content'] !== undefined) b['content'] = mapBlocks(b['content'], fn);
}

/** Text blocks joined and wrapped once, after the other blocks (tool results must stay first). */
function wrapContent(wrap: TextMap, content: unknown): unknown {
  if (typeof content === 'string') return wrap(content);
  const blocks = content as Obj[];
  const text = blocks
    .filter((b) => b['type'] === 'text')
    .map((b) => String(b['text'] ?? ''))
    .join('\n');
  return [...blocks.filter((b) => b['type'] !== 'text'), { type: 'text', text: wrap(text) }];
}

export const anthropicCodec: WireCodec = Object.freeze({
  format: 'anthropic',
  params: PARAMS,

  readMessages(body: Obj): readonly Obj[] | undefined {
    const m = body['messages'];
    return Array.isArray(m) ? (m as Obj[]) : undefined;
  },
  replaceMessages(body: Obj, messages: Obj[]): void {
    body['messages'] = messages;
  },
  readSystem(body: Obj): string | undefined {
    const system = body['system'];
    if (system === undefined || system === null) return undefined;
    const text = blocksText(system, '\n\n');
    return text === '' && typeof system !== 'string' ? undefined : text;
  },
  replaceSystem(body: Obj, text: string | undefined): void {
    if (text === undefined) delete body['system'];
    else body['system'] = text;
  },
  prependSystem(body: Obj, text: string): void {
    const given = body['system'];
    if (given === undefined || given === null || given === '') body['system'] = text;
    else if (typeof given === 'string')
      body['system'] = [
        { type: 'text', text },
        { type: 'text', text: given },
      ];
    else body['system'] = [{ type: 'text', text }, ...(given as Obj[])];
  },
  wrapUserText(message: Obj, wrap: TextMap): Obj | undefined {
    if (!hasText(message['content'])) return undefined;
    return { ...message, content: wrapContent(wrap, message['content']) };
  },
  requestText(body: Obj): string {
    const out: string[] = [];
    const system = anthropicCodec.readSystem(body);
    if (system !== undefined) out.push(system);
    for (const m of anthropicCodec.readMessages(body) ?? []) {
      if (!isObj(m)) continue;
      const content = m['content'];
      if (typeof content === 'string') {
        out.push(content);
        continue;
      }
      if (!Array.isArray(content)) continue;
      for (const b of content) {
        if (!isObj(b)) continue;
        if (b['type'] === 'text' && typeof b['text'] === 'string') out.push(b['text']);
        else if (b['type'] === 'tool_use') out.push(String(b['name'] ?? ''), JSON.stringify(b['input'] ?? {}));
        else if (b['type'] === 'tool_result') out.push(blocksText(b['content'], '\n'));
      }
    }
    if (Array.isArray(body['tools'])) out.push(JSON.stringify(body['tools']));
    return out.join('\n');
  },
  promptChars(body: Obj): number {
    let n = strLen(body['system']);
    for (const m of anthropicCodec.readMessages(body) ?? []) n += strLen((m as { content?: unknown }).content);
    return n;
  },

  answerText(json: Obj): string {
    return blocksText(json['content'], '');
  },
  answerChars(json: Obj): number {
    const blocks = json['content'];
    if (!Array.isArray(blocks)) return 0;
    let n = 0;
    for (const b of blocks) n += strLen((b as { text?: unknown } | null)?.text);
    return n;
  },
  eventText(event: Obj): string {
    const text = (event['delta'] as { text?: unknown } | undefined)?.text;
    return typeof text === 'string' ? text : '';
  },
  eventChars(event: Obj): number {
    return strLen((event['delta'] as { text?: unknown } | undefined)?.text);
  },

  mapText(obj: Obj, place: TextPlace, fn: TextMap): void {
    if (place === 'request') {
      if (obj['system'] !== undefined && obj['system'] !== null) obj['system'] = mapBlocks(obj['system'], fn);
      for (const m of anthropicCodec.readMessages(obj) ?? []) {
        if (!isObj(m)) continue;
        const content = m['content'];
        if (typeof content === 'string') m['content'] = fn(content);
        else if (Array.isArray(content)) for (const b of content) if (isObj(b)) mapRequestBlock(b, fn);
      }
      return;
    }
    if (place === 'answer') {
      mapBlocks(obj['content'], fn);
      return;
    }
    const delta = obj['delta'];
    if (isObj(delta) && typeof delta['text'] === 'string') delta['text'] = fn(delta['text']);
    const block = obj['content_block'];
    if (isText(block) && typeof block['text'] === 'string' && block['text'] !== '') block['text'] = fn(block['text']);
  },
});
