// OpenAI chat messages -> Anthropic `system` + alternating user/assistant turns.
// System and developer messages become the top-level system prompt; assistant tool_calls become
// tool_use blocks; role 'tool' messages become tool_result blocks in a user turn. Consecutive
// turns of one role are merged into one (Anthropic would merge them anyway). Parts with no
// Anthropic counterpart (audio, non-PDF files) are dropped.
import { argumentsObject, isObject, objects, str, type Obj } from '../../../util/json-readers.js';
import { foldTurns } from '../../turns.js';

export interface AnthropicMessages {
  /** A string for one plain system text, text blocks otherwise; undefined when there is none. */
  readonly system: string | Obj[] | undefined;
  readonly messages: Obj[];
}

/** A text block; an OpenAI-compatible client may mark a part with Anthropic's cache_control. */
function textBlock(text: string, part?: Obj): Obj {
  const block: Obj = { type: 'text', text };
  if (part !== undefined && isObject(part.cache_control)) block.cache_control = part.cache_control;
  return block;
}

/** Text of a string or of the text (and refusal) parts; empty texts are left out (Anthropic refuses them). */
function textBlocks(content: unknown): Obj[] {
  if (typeof content === 'string') return content === '' ? [] : [textBlock(content)];
  const out: Obj[] = [];
  for (const part of objects(content)) {
    const text = part.type === 'refusal' ? str(part.refusal) : str(part.text);
    if ((part.type === 'text' || part.type === 'refusal') && text !== undefined && text !== '')
      out.push(textBlock(text, part));
  }
  return out;
}

/** `data:<media type>[;params];base64,<data>` -> its parts; undefined for other URLs. */
function dataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  if (!header.endsWith(';base64')) return undefined;
  return { mediaType: header.split(';')[0] ?? '', data: url.slice(comma + 1) };
}

function imageBlock(part: Obj): Obj | undefined {
  const ref = part.image_url;
  const url = typeof ref === 'string' ? ref : isObject(ref) ? str(ref.url) : undefined;
  if (url === undefined) return undefined;
  const inline = dataUrl(url);
  if (inline !== undefined)
    return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
  return { type: 'image', source: { type: 'url', url } };
}

/** OpenAI `file` parts carrying a base64 PDF -> an Anthropic document block. */
function documentBlock(part: Obj): Obj | undefined {
  const file = isObject(part.file) ? part.file : undefined;
  const inline = file !== undefined ? dataUrl(str(file.file_data) ?? '') : undefined;
  if (inline === undefined || inline.mediaType !== 'application/pdf') return undefined;
  return { type: 'document', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
}

function userBlocks(content: unknown): Obj[] {
  if (!Array.isArray(content)) return textBlocks(content);
  const out: Obj[] = [];
  for (const part of objects(content)) {
    let block: Obj | undefined;
    if (part.type === 'text') block = textBlocks([part])[0];
    else if (part.type === 'image_url') block = imageBlock(part);
    else if (part.type === 'file') block = documentBlock(part);
    if (block !== undefined) out.push(block);
  }
  return out;
}

function assistantBlocks(m: Obj): Obj[] {
  const out = textBlocks(m.content);
  for (const call of objects(m.tool_calls)) {
    const fn = isObject(call.function) ? call.function : {};
    out.push({
      type: 'tool_use',
      id: str(call.id) ?? '',
      name: str(fn.name) ?? '',
      input: argumentsObject(fn.arguments),
    });
  }
  return out;
}

function toolResult(m: Obj): Obj {
  const block: Obj = { type: 'tool_result', tool_use_id: str(m.tool_call_id) ?? '' };
  if (typeof m.content === 'string') block.content = m.content;
  else block.content = userBlocks(m.content).filter((b) => b.type === 'text' || b.type === 'image');
  return block;
}

/** One plain text block without extras reads better as a string. */
function compact(blocks: Obj[]): string | Obj[] {
  const only = blocks[0];
  if (blocks.length === 1 && only !== undefined && only.type === 'text' && Object.keys(only).length === 2)
    return String(only.text);
  return blocks;
}

export function toAnthropicMessages(raw: unknown): AnthropicMessages {
  const { system, turns } = foldTurns(raw, {
    system: textBlocks,
    user: userBlocks,
    assistant: assistantBlocks,
    toolResult,
  });
  return {
    system: system.length === 0 ? undefined : compact(system),
    messages: turns.map((t) => ({ role: t.role, content: compact(t.content) })),
  };
}
