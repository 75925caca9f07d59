// OpenAI SSE: `data: {chunk}` events, then `data: [DONE]`. Some compatible servers report
// failures in-band as `data: {"error": ...}` or `event: error`.
import type { OpenAIObject, SseEvent, StreamDecoder, StreamStep } from '../../../providers/types.js';
import { parseError } from './chat.js';

const DONE: StreamStep = Object.freeze({ chunks: [], done: true });
const NOTHING: StreamStep = Object.freeze({ chunks: [], done: false });

export function createStreamDecoder(): StreamDecoder {
  return (ev: SseEvent): StreamStep => {
    const data = ev.data;
    if (data === '[DONE]') return DONE;
    if (data === '') return NOTHING;
    if (ev.event === 'error') return { chunks: [], done: false, error: parseError(500, data) };
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return {
        chunks: [],
        done: false,
        error: { message: 'the upstream stream carried an event that is not JSON', protocol: true },
      };
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return {
        chunks: [],
        done: false,
        error: { message: 'the upstream stream carried an event that is not a chunk object', protocol: true },
      };
    }
    const obj = json as OpenAIObject;
    if (obj.error !== undefined && obj.error !== null) return { chunks: [], done: false, error: parseError(500, data) };
    // A data text over several lines is valid JSON but not one `data:` line: it is re-serialised.
    return { chunks: [obj], done: false, raw: data.includes('\n') ? undefined : data };
  };
}
