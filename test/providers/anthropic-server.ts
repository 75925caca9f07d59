// A fake Anthropic Messages API for the anthropic adapter tests: Anthropic wire answers
// (message JSON, SSE events with `event:` names, error bodies) served by the recording
// upstream of test/upstream/helpers.ts.
import type { ServerResponse } from 'node:http';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { httpProvider, type Handler, type Recorded } from '../upstream/helpers.js';

type Obj = Record<string, unknown>;

export const USAGE = Object.freeze({
  input_tokens: 21,
  output_tokens: 9,
  cache_read_input_tokens: 4,
  cache_creation_input_tokens: 2,
});

export function anthropicProvider(name: string, url: string, extra: Partial<CompiledProvider> = {}): CompiledProvider {
  return httpProvider(name, url, { type: 'anthropic', headers: { 'x-api-key': 'sk-ant-test' }, ...extra });
}

export function message(model: unknown, content: Obj[], stopReason = 'end_turn', usage: Obj = USAGE): Obj {
  return {
    id: 'msg_01Fake',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function anthropicError(status: number, type: string, text: string): Handler {
  return (_req, res) => sendJson(res, status, { type: 'error', error: { type, message: text } });
}

export function sseEvent(e: Obj): string {
  return `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** The events of a streamed text reply, cut into pieces of `size` characters. */
export function textEvents(model: unknown, text: string, size = 10, usage: Obj = USAGE): Obj[] {
  const { output_tokens: out, ...input } = usage;
  const events: Obj[] = [
    {
      type: 'message_start',
      message: { ...message(model, [], '', { ...input, output_tokens: 1 }), stop_reason: null },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
  ];
  for (let i = 0; i < text.length; i += size)
    events.push({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: text.slice(i, i + size) },
    });
  events.push({ type: 'content_block_stop', index: 0 });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: out },
  });
  events.push({ type: 'message_stop' });
  return events;
}

export function streamEvents(events: Obj[]): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(events.map(sseEvent).join(''));
  };
}

/** The text of the last user turn the upstream received (string or text blocks). */
export function lastUserText(rec: Recorded): string {
  const msgs = rec.body.messages as { role: string; content: unknown }[];
  const last = [...msgs].reverse().find((m) => m.role === 'user');
  if (typeof last?.content === 'string') return last.content;
  if (!Array.isArray(last?.content)) return '';
  return (last.content as Obj[]).map((b) => (b.type === 'text' ? String(b.text) : '')).join('');
}

/** Answers text (JSON or SSE, as the request asks). */
export function replyText(text: (rec: Recorded) => string): Handler {
  return (req, res, rec) => {
    const t = text(rec);
    if (rec.body.stream === true) streamEvents(textEvents(rec.body.model, t))(req, res, rec);
    else sendJson(res, 200, message(rec.body.model, [{ type: 'text', text: t }]));
  };
}
