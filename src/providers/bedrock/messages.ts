// OpenAI chat messages -> Bedrock Converse `system` + `messages`. System and developer messages
// become system text blocks; assistant tool_calls become toolUse blocks; role 'tool' messages
// become toolResult blocks in a user turn; consecutive turns of one role are merged (Converse
// requires alternating roles). Images and PDFs travel as base64 bytes (Converse takes no URLs):
// parts Converse cannot carry (remote image URLs, audio, other files) are dropped.
import { argumentsObject, isObject, objects, str, type Obj } from '../../util/json-readers.js';
import { foldTurns } from '../../wire/turns.js';

export interface ConverseMessages {
  readonly system: Obj[] | undefined;
  readonly messages: Obj[];
}

const IMAGE_FORMATS: ReadonlyMap<string, string> = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['image/jpg', 'jpeg'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
]);

/** Text of a string or of the text (and refusal) parts; empty texts are left out (Converse refuses them). */
function textBlocks(content: unknown): Obj[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const out: Obj[] = [];
  for (const part of objects(content)) {
    const text = part.type === 'refusal' ? str(part.refusal) : str(part.text);
    if ((part.type === 'text' || part.type === 'refusal') && text !== undefined && text !== '') out.push({ text });
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
  const inline = url !== undefined ? dataUrl(url) : undefined;
  const format = inline !== undefined ? IMAGE_FORMATS.get(inline.mediaType) : undefined;
  if (inline === undefined || format === undefined) return undefined;
  return { image: { format, source: { bytes: inline.data } } };
}

function documentBlock(part: Obj, n: number): Obj | undefined {
  const file = isObject(part.file) ? part.file : undefined;
  const inline = file !== undefined ? dataUrl(str(file.file_data) ?? '') : undefined;
  if (inline === undefined || inline.mediaType !== 'application/pdf') return undefined;
  // Converse requires a document name: letters, digits, spaces, hyphens, parentheses, brackets.
  const name = (str(file?.filename) ?? `document ${n}`).replace(/\.pdf$/i, '').replace(/[^A-Za-z0-9 ()[\]-]/g, ' ');
  return {
    document: { format: 'pdf', name: name.trim() === '' ? `document ${n}` : name, source: { bytes: inline.data } },
  };
}

function userBlocks(content: unknown): Obj[] {
  if (!Array.isArray(content)) return textBlocks(content);
  const out: Obj[] = [];
  for (const part of objects(content)) {
    let block: Obj | undefined;
    if (part.type === 'text') block = textBlocks([part])[0];
    else if (part.type === 'image_url') block = imageBlock(part);
    else if (part.type === 'file') block = documentBlock(part, out.length + 1);
    if (block !== undefined) out.push(block);
  }
  return out;
}

function assistantBlocks(m: Obj): Obj[] {
  const out = textBlocks(m.content);
  for (const call of objects(m.tool_calls)) {
    const fn = isObject(call.function) ? call.function : {};
    out.push({
      toolUse: { toolUseId: str(call.id) ?? '', name: str(fn.name) ?? '', input: argumentsObject(fn.arguments) },
    });
  }
  return out;
}

function toolResult(m: Obj): Obj {
  const content =
    typeof m.content === 'string' ? [{ text: m.content === '' ? ' ' : m.content }] : textBlocks(m.content);
  return {
    toolResult: { toolUseId: str(m.tool_call_id) ?? '', content: content.length > 0 ? content : [{ text: ' ' }] },
  };
}

export function toConverseMessages(raw: unknown): ConverseMessages {
  const { system, turns } = foldTurns(raw, {
    system: textBlocks,
    user: userBlocks,
    assistant: assistantBlocks,
    toolResult,
  });
  return { system: system.length === 0 ? undefined : system, messages: turns };
}
