// ConverseStream events (cut from the body by framing.ts) -> OpenAI chat.completion.chunk
// objects. messageStart opens the reply; a contentBlockStart with toolUse gets the next OpenAI
// tool_calls index, and its input deltas (JSON text) become argument deltas at that index;
// messageStop carries the finish reason; metadata, the last event, carries usage and leaves as
// the usage-only chunk that ends the stream (the core strips it when the caller did not ask).
// Exception messages are in-band errors; reasoning deltas and unknown events are skipped.
import type { SseEvent, StreamDecoder, StreamStep, UpstreamErrorInfo } from '../types.js';
import { isObject, num, str, type Obj } from '../../util/json-readers.js';
import { completionId, finishReason, openaiUsage } from './response.js';

const NOTHING: StreamStep = Object.freeze({ chunks: [], done: false });

function protocolError(message: string): StreamStep {
  return { chunks: [], done: false, error: { message, protocol: true } };
}

function exception(ev: SseEvent, payload: Obj | undefined): StreamStep {
  const type = ev.event.slice('exception:'.length);
  const error: UpstreamErrorInfo = {
    message: `${type}: ${str(payload?.message) ?? str(payload?.Message) ?? 'no message'}`,
    type,
  };
  return { chunks: [], done: false, error };
}

export function createStreamDecoder(model?: string): StreamDecoder {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const toolIndex = new Map<number, number>(); // contentBlockIndex -> tool_calls index
  const step = (delta: Obj, finish: string | null = null): StreamStep => ({
    chunks: [
      {
        id,
        object: 'chat.completion.chunk',
        created,
        model: model ?? '',
        choices: [{ index: 0, delta, finish_reason: finish }],
      },
    ],
    done: false,
  });

  const blockStart = (e: Obj): StreamStep => {
    const start = isObject(e.start) ? e.start : {};
    if (!isObject(start.toolUse)) return NOTHING;
    const index = toolIndex.size;
    toolIndex.set(num(e.contentBlockIndex) ?? -1, index);
    const use = start.toolUse;
    const call = {
      index,
      id: str(use.toolUseId) ?? '',
      type: 'function',
      function: { name: str(use.name) ?? '', arguments: '' },
    };
    return step({ tool_calls: [call] });
  };

  const blockDelta = (e: Obj): StreamStep => {
    const delta = isObject(e.delta) ? e.delta : {};
    const text = str(delta.text);
    if (text !== undefined) return text === '' ? NOTHING : step({ content: text });
    if (isObject(delta.toolUse)) {
      const index = toolIndex.get(num(e.contentBlockIndex) ?? -1);
      const part = str(delta.toolUse.input) ?? '';
      if (index === undefined || part === '') return NOTHING;
      return step({ tool_calls: [{ index, function: { arguments: part } }] });
    }
    return NOTHING; // reasoning and citation deltas
  };

  return (ev: SseEvent): StreamStep => {
    let payload: unknown;
    try {
      payload = ev.data === '' ? {} : JSON.parse(ev.data);
    } catch {
      return protocolError('the upstream stream carried an event whose payload is not JSON');
    }
    if (!isObject(payload)) return protocolError('the upstream stream carried an event whose payload is not an object');
    if (ev.event.startsWith('exception:')) return exception(ev, payload);
    switch (ev.event) {
      case 'messageStart':
        return step({ role: 'assistant', content: '' });
      case 'contentBlockStart':
        return blockStart(payload);
      case 'contentBlockDelta':
        return blockDelta(payload);
      case 'messageStop':
        return step({}, finishReason(payload.stopReason) ?? 'stop');
      case 'metadata':
        return {
          chunks: [
            {
              id,
              object: 'chat.completion.chunk',
              created,
              model: model ?? '',
              choices: [],
              usage: openaiUsage(payload.usage),
            },
          ],
          done: true,
        };
      case 'error':
        return {
          chunks: [],
          done: false,
          error: { message: str(payload.message) ?? 'the upstream stream reported an error' },
        };
      default: // contentBlockStop, events added later
        return NOTHING;
    }
  };
}
