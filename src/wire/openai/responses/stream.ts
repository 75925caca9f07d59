// chat.completion.chunk stream -> Responses streaming events, one translator per stream:
// response.created and response.in_progress first; a `message` item (output_item.added,
// content_part.added, output_text.delta ..., output_text.done, content_part.done,
// output_item.done) for text; a `function_call` item (output_item.added,
// function_call_arguments.delta ..., function_call_arguments.done, output_item.done) per tool
// call; at the clean end response.completed (or response.incomplete) with the whole response and
// its usage, which the hub stream carries in its last chunk. Every event has its sequence_number.
import {
  functionCallItem,
  idWord,
  messageItem,
  responseObject,
  responsesUsage,
  statusOf,
  type ResponseEcho,
} from './response.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface OpenItem {
  readonly outputIndex: number;
  readonly item: Obj;
  /** The message's text, or the call's arguments, so far. */
  text: string;
  readonly tool: boolean;
}

export interface EventTranslator {
  chunk(chunk: Obj): Obj[];
  end(): Obj[];
}

export function createEventTranslator(echo: ResponseEcho): EventTranslator {
  let seq = 0;
  let started = false;
  const done: Obj[] = [];
  let open: OpenItem | undefined;
  const calls = new Map<number, OpenItem>(); // chat tool index -> its item
  let finish: unknown = null;
  let usage: unknown;
  const messageId = `msg_${idWord(echo.id.slice(5))}`;

  const push = (out: Obj[], e: Obj): void => {
    out.push({ ...e, sequence_number: seq++ });
  };
  const start = (out: Obj[]): void => {
    if (started) return;
    started = true;
    const response = responseObject(echo, 'in_progress', [], {});
    push(out, { type: 'response.created', response });
    push(out, { type: 'response.in_progress', response });
  };
  const close = (out: Obj[]): void => {
    const o = open;
    if (o === undefined) return;
    open = undefined;
    const id = String(o.item['id']);
    let item: Obj;
    if (o.tool) {
      item = { ...o.item, arguments: o.text, status: 'completed' };
      push(out, {
        type: 'response.function_call_arguments.done',
        item_id: id,
        output_index: o.outputIndex,
        name: o.item['name'],
        arguments: o.text,
      });
    } else {
      const part = { type: 'output_text', text: o.text, annotations: [] };
      push(out, {
        type: 'response.output_text.done',
        item_id: id,
        output_index: o.outputIndex,
        content_index: 0,
        text: o.text,
        logprobs: [],
      });
      push(out, {
        type: 'response.content_part.done',
        item_id: id,
        output_index: o.outputIndex,
        content_index: 0,
        part,
      });
      item = messageItem(id, o.text, undefined, 'completed');
    }
    push(out, { type: 'response.output_item.done', output_index: o.outputIndex, item });
    done.push(item);
  };
  const text = (delta: string, out: Obj[]): void => {
    if (open === undefined || open.tool) {
      close(out);
      const item = { type: 'message', id: messageId, status: 'in_progress', role: 'assistant', content: [] };
      open = { outputIndex: done.length, item, text: '', tool: false };
      push(out, { type: 'response.output_item.added', output_index: open.outputIndex, item });
      const part = { type: 'output_text', text: '', annotations: [] };
      push(out, {
        type: 'response.content_part.added',
        item_id: messageId,
        output_index: open.outputIndex,
        content_index: 0,
        part,
      });
    }
    open.text += delta;
    push(out, {
      type: 'response.output_text.delta',
      item_id: messageId,
      output_index: open.outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
  };
  const toolCall = (tc: Obj, out: Obj[]): void => {
    const index = typeof tc['index'] === 'number' ? tc['index'] : 0;
    const fn = isObj(tc['function']) ? tc['function'] : {};
    let call = calls.get(index);
    if (call === undefined) {
      close(out);
      const item = functionCallItem(String(tc['id'] ?? ''), String(fn['name'] ?? ''), '', 'in_progress');
      call = { outputIndex: done.length, item, text: '', tool: true };
      calls.set(index, call);
      open = call;
      push(out, { type: 'response.output_item.added', output_index: call.outputIndex, item });
    }
    const args = fn['arguments'];
    if (typeof args === 'string' && args !== '' && call === open) {
      call.text += args;
      push(out, {
        type: 'response.function_call_arguments.delta',
        item_id: call.item['id'],
        output_index: call.outputIndex,
        delta: args,
      });
    }
  };

  return {
    chunk(chunk: Obj): Obj[] {
      const out: Obj[] = [];
      start(out);
      if (isObj(chunk['usage'])) usage = chunk['usage'];
      const choices = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
      const choice = choices[0];
      if (!isObj(choice)) return out;
      const delta = isObj(choice['delta']) ? choice['delta'] : {};
      if (typeof delta['content'] === 'string' && delta['content'] !== '') text(delta['content'], out);
      if (typeof delta['refusal'] === 'string' && delta['refusal'] !== '') text(delta['refusal'], out);
      if (Array.isArray(delta['tool_calls'])) for (const tc of delta['tool_calls']) if (isObj(tc)) toolCall(tc, out);
      if (choice['finish_reason'] !== undefined && choice['finish_reason'] !== null) {
        finish = choice['finish_reason'];
        close(out);
      }
      return out;
    },
    end(): Obj[] {
      const out: Obj[] = [];
      start(out);
      close(out);
      const { status, incomplete_details } = statusOf(finish);
      const response = responseObject(echo, status, done, { incomplete_details, usage: responsesUsage(usage) });
      push(out, { type: status === 'completed' ? 'response.completed' : 'response.incomplete', response });
      return out;
    },
  };
}
