// The codec of each wire format.
import { anthropicCodec } from './anthropic/codec.js';
import { openaiCodec } from './openai/codec.js';
import type { WireCodec, WireFormat } from './types.js';

export { anthropicCodec, openaiCodec };
export { applyEndpoint } from './endpoint.js';
export type { Obj, RequestShaping, TextMap, TextPlace, WireCodec, WireFormat } from './types.js';

/** The codec for a format; undefined means the hub ('openai'). */
export function codecFor(format: WireFormat | undefined): WireCodec {
  return format === 'anthropic' ? anthropicCodec : openaiCodec;
}
