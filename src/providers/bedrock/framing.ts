// AWS's binary event-stream framing (application/vnd.amazon.eventstream), as ConverseStream
// answers: each message is a 4-byte total length, a 4-byte headers length, a prelude CRC,
// headers, a payload and a message CRC. This file only cuts the body into whole messages; the
// AWS SDK's codec checks the CRCs and reads the headers. Each message becomes one event for the
// decoder: an `event` message is named by its :event-type, an `exception` message by
// `exception:<:exception-type>`, an `error` message `error`, with the payload as data.
import { createRequire } from 'node:module';
import type { EventStreamCodec } from '@smithy/core/event-streams';
import type { SseEvent, StreamFramer } from '../types.js';

const PRELUDE = 12; // total length, headers length, prelude CRC
const MIN_MESSAGE = 16; // prelude + message CRC

// The codec (about 15 MB of memory with its package) is loaded with the first bedrock stream:
// a gateway without bedrock never holds it. require() (the package ships CommonJS) keeps
// framing synchronous.
const require = createRequire(import.meta.url);
let codecInstance: EventStreamCodec | undefined;
function codec(): EventStreamCodec {
  if (codecInstance === undefined) {
    const { EventStreamCodec: Codec } =
      require('@smithy/core/event-streams') as typeof import('@smithy/core/event-streams');
    const { fromUtf8, toUtf8 } = require('@smithy/core/serde') as typeof import('@smithy/core/serde');
    codecInstance = new Codec(toUtf8, fromUtf8);
  }
  return codecInstance;
}
const text = new TextDecoder('utf-8');

export class EventStreamFrameTooLarge extends Error {
  constructor(limit: number) {
    super(`an upstream event-stream message is larger than ${limit} bytes (upstream.maxEventBytes)`);
    this.name = 'EventStreamFrameTooLarge';
  }
}

function header(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const h = headers[name];
  return h !== undefined && h.type === 'string' && typeof h.value === 'string' ? h.value : undefined;
}

function toEvent(frame: Uint8Array): SseEvent {
  let message;
  try {
    message = codec().decode(frame);
  } catch (err) {
    throw new Error(`the upstream sent a malformed event-stream message: ${(err as Error).message}`);
  }
  const headers = message.headers as Record<string, { type: string; value: unknown }>;
  const kind = header(headers, ':message-type');
  const data = text.decode(message.body);
  if (kind === 'exception')
    return { event: `exception:${header(headers, ':exception-type') ?? 'unknown'}`, data, id: undefined };
  if (kind === 'error') {
    const msg = header(headers, ':error-message') ?? header(headers, ':error-code') ?? 'unknown error';
    return { event: 'error', data: JSON.stringify({ message: msg }), id: undefined };
  }
  return { event: header(headers, ':event-type') ?? 'unknown', data, id: undefined };
}

/**
 * Holds at most one incomplete message, in the pieces it arrived in: they are joined once when
 * the length prelude is in and once when the whole message is, so a large message costs linear time.
 */
export class EventStreamFramer implements StreamFramer {
  readonly #max: number;
  #pieces: Uint8Array[] = [];
  #held = 0;
  /** Total length of the message being read, once its prelude arrived. */
  #need: number | undefined;

  constructor(maxEventBytes: number) {
    this.#max = maxEventBytes;
  }

  push(piece: Uint8Array): SseEvent[] {
    const out: SseEvent[] = [];
    if (piece.byteLength === 0) return out;
    this.#pieces.push(piece);
    this.#held += piece.byteLength;
    for (;;) {
      if (this.#need === undefined) {
        if (this.#held < 4) break;
        const head = this.#joined();
        const total = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, false);
        if (total < MIN_MESSAGE) throw new Error(`the upstream sent an event-stream message of ${total} bytes`);
        if (total > this.#max + PRELUDE + 4) throw new EventStreamFrameTooLarge(this.#max);
        this.#need = total;
      }
      if (this.#held < this.#need) break;
      const buf = this.#joined();
      out.push(toEvent(buf.subarray(0, this.#need)));
      const rest = buf.subarray(this.#need);
      this.#pieces = rest.byteLength > 0 ? [rest] : [];
      this.#held = rest.byteLength;
      this.#need = undefined;
    }
    return out;
  }

  end(): SseEvent[] {
    if (this.#held > 0) throw new Error('the upstream stream ended in the middle of an event-stream message');
    return [];
  }

  #joined(): Uint8Array {
    if (this.#pieces.length > 1) this.#pieces = [Buffer.concat(this.#pieces, this.#held)];
    return this.#pieces[0] as Uint8Array;
  }
}
