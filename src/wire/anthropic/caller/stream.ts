// OpenAI chat.completion.chunk stream -> Anthropic Messages events, one translator per stream:
// message_start (+ ping), content_block_start/delta/stop for text and for each tool call
// (input_json_delta carrying the argument fragments), then at the clean end message_delta with
// stop_reason and usage, and message_stop. message_delta waits for the end because OpenAI sends
// its usage chunk after the finish_reason. A broken stream never reaches end(): the caller gets
// an `error` event instead (errors.ts) and no message_stop.
import { anthropicUsage, messageIdOf, stopReason } from './response.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface OpenBlock {
  readonly index: number;
  /** The OpenAI tool_calls index of a tool block; undefined for text. */
  readonly tool: number | undefined;
}

export interface ChunkTranslator {
  /** Anthropic event objects for one OpenAI chunk (each has its `type`). */
  chunk(chunk: Obj): Obj[];
  /** Events after a clean end. */
  end(): Obj[];
}

/**
 * `inputEstimate`: message_start's input_tokens when the first chunk carries no usage (an
 * OpenAI upstream reports it only at the end); message_delta then carries the exact count.
 */
export function createChunkTranslator(model: string, fallbackId: string, inputEstimate = 0): ChunkTranslator {
  let started = false;
  let next = 0;
  let open: OpenBlock | undefined;
  /** OpenAI tool index -> Anthropic block index. */
  const tools = new Map<number, number>();
  let stop = 'end_turn';
  let usage: unknown;

  const start = (chunk: Obj | undefined, out: Obj[]): void => {
    if (started) return;
    started = true;
    const id = messageIdOf(chunk?.['id'], fallbackId);
    const reported = isObj(chunk?.['usage']);
    const u = anthropicUsage(chunk?.['usage']);
    if (!reported) u['input_tokens'] = inputEstimate;
    out.push({
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...u, output_tokens: 0 },
      },
    });
    out.push({ type: 'ping' });
  };

  const close = (out: Obj[]): void => {
    if (open === undefined) return;
    out.push({ type: 'content_block_stop', index: open.index });
    open = undefined;
  };

  const text = (t: string, out: Obj[]): void => {
    if (open === undefined || open.tool !== undefined) {
      close(out);
      open = { index: next++, tool: undefined };
      out.push({ type: 'content_block_start', index: open.index, content_block: { type: 'text', text: '' } });
    }
    out.push({ type: 'content_block_delta', index: open.index, delta: { type: 'text_delta', text: t } });
  };

  const toolCall = (tc: Obj, out: Obj[]): void => {
    const ti = typeof tc['index'] === 'number' ? tc['index'] : 0;
    const fn = isObj(tc['function']) ? tc['function'] : {};
    let index = tools.get(ti);
    if (index === undefined) {
      close(out);
      index = next++;
      tools.set(ti, index);
      open = { index, tool: ti };
      const block = { type: 'tool_use', id: String(tc['id'] ?? ''), name: String(fn['name'] ?? ''), input: {} };
      out.push({ type: 'content_block_start', index, content_block: block });
    }
    const args = fn['arguments'];
    if (typeof args === 'string' && args !== '') {
      out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
    }
  };

  return {
    chunk(chunk: Obj): Obj[] {
      const out: Obj[] = [];
      start(chunk, out);
      if (chunk['usage'] !== undefined && chunk['usage'] !== null) usage = chunk['usage'];
      const choices = Array.isArray(chunk['choices']) ? chunk['choices'] : [];
      const choice = choices[0];
      if (!isObj(choice)) return out;
      const delta = isObj(choice['delta']) ? choice['delta'] : {};
      if (typeof delta['content'] === 'string' && delta['content'] !== '') text(delta['content'], out);
      if (typeof delta['refusal'] === 'string' && delta['refusal'] !== '') {
        text(delta['refusal'], out);
        stop = 'refusal';
      }
      if (Array.isArray(delta['tool_calls'])) for (const tc of delta['tool_calls']) if (isObj(tc)) toolCall(tc, out);
      const finish = choice['finish_reason'];
      if (finish !== undefined && finish !== null) {
        if (stop !== 'refusal') stop = stopReason(finish);
        close(out);
      }
      return out;
    },
    end(): Obj[] {
      const out: Obj[] = [];
      start(undefined, out);
      close(out);
      const u = anthropicUsage(usage);
      // input_tokens here too: an OpenAI upstream reports them only at the end.
      const final: Obj = usage === undefined ? { output_tokens: 0 } : u;
      out.push({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: final });
      out.push({ type: 'message_stop' });
      return out;
    },
  };
}
