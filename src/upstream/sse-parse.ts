// Incremental Server-Sent Events parser (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
// bytes arrive in arbitrary pieces, so lines, CRLF pairs and UTF-8 sequences may be split
// across chunks. Nothing is buffered beyond the current incomplete line and event.
//
// Linear in the input for any line length: each piece is scanned once, and the pieces of an
// incomplete line are kept in a list and joined once when its line end arrives (re-scanning a
// growing buffer on every piece made one long line quadratic). A line or an event's data longer
// than maxEventBytes throws SseEventTooLarge.
import type { SseEvent } from '../providers/types.js';

/** Sizes are counted in decoded characters: at most the bytes they came from. */
export class SseEventTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`an upstream stream event is larger than ${limit} bytes (upstream.maxEventBytes)`);
    this.name = 'SseEventTooLarge';
    this.limit = limit;
  }
}

export class SseParser {
  /**
   * The streaming decoder, made for the first piece that may split a character (most streams
   * never need one: each holds an ICU converter, ~2 KB per open stream). ignoreBOM: the parser
   * drops the stream's own BOM itself, and the decoder may first see a later piece.
   */
  #decoder: InstanceType<typeof TextDecoder> | undefined;
  /** The last piece ended in a non-ASCII byte: the decoder may hold the start of a character. */
  #midChar = false;
  readonly #max: number;
  /** The incomplete line, in the pieces it arrived in. */
  #pending: string[] = [];
  #pendingLen = 0;
  #data: string[] = [];
  #dataLen = 0;
  #event = '';
  #id: string | undefined;
  #started = false;
  /** The previous piece ended in CR: a LF opening the next piece belongs to that line end. */
  #skipLf = false;

  constructor(maxEventBytes = Number.POSITIVE_INFINITY) {
    this.#max = maxEventBytes;
  }

  /**
   * A piece that ends in an ASCII byte, after one that did too, holds whole characters only:
   * it is decoded in one call (Buffer's UTF-8 slice, cheaper than the streaming decoder, which
   * is kept for pieces that may split a character).
   */
  #decode(piece: Uint8Array): string {
    const n = piece.length;
    if (n === 0) return '';
    const asciiEnd = (piece[n - 1] as number) < 0x80;
    if (asciiEnd && !this.#midChar) {
      return Buffer.from(piece.buffer, piece.byteOffset, n).toString('utf8');
    }
    this.#midChar = !asciiEnd;
    this.#decoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
    return this.#decoder.decode(piece, { stream: true });
  }

  /** Feeds one piece of the body; returns the events it completed. Throws SseEventTooLarge. */
  push(piece: Uint8Array | string): SseEvent[] {
    let text = typeof piece === 'string' ? piece : this.#decode(piece);
    const out: SseEvent[] = [];
    if (text === '') return out;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLf) {
      this.#skipLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    const n = text.length;
    let pos = 0;
    // Next CR / LF at or after pos; -1 once none is left in this piece (never searched again).
    let cr = -2;
    let lf = -2;
    while (pos < n) {
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      if (cr === -1 && lf === -1) break;
      let next: number;
      let end: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr === n - 1) {
          next = n;
          this.#skipLf = true;
        } else {
          next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.#line(this.#takeLine(text, pos, end), out);
      pos = next;
    }
    if (pos < n) {
      this.#pendingLen += n - pos;
      if (this.#pendingLen > this.#max) throw new SseEventTooLarge(this.#max);
      this.#pending.push(pos === 0 ? text : text.slice(pos));
    }
    return out;
  }

  /**
   * End of body. Unlike the spec, a final event without its blank line is still dispatched:
   * some servers end with `data: [DONE]\n` and nothing after it.
   */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const tail = this.#decoder?.decode() ?? '';
    const rest = this.#takeLine(tail, 0, tail.length);
    if (rest !== '') this.#line(rest, out);
    this.#line('', out);
    return out;
  }

  /** The pending pieces plus text[from, to) as one line; the pending list is emptied. */
  #takeLine(text: string, from: number, to: number): string {
    if (this.#pending.length === 0) return text.slice(from, to);
    if (this.#pendingLen + (to - from) > this.#max) throw new SseEventTooLarge(this.#max);
    if (to > from) this.#pending.push(text.slice(from, to));
    const line = this.#pending.join('');
    this.#pending = [];
    this.#pendingLen = 0;
    return line;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) {
        out.push({ event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n'), id: this.#id });
      }
      this.#data = [];
      this.#dataLen = 0;
      this.#event = '';
      return;
    }
    if (line.length > this.#max) throw new SseEventTooLarge(this.#max);
    if (line.charCodeAt(0) === 58) return; // ':' comment, e.g. keep-alive pings
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#dataLen += value.length + 1;
        if (this.#dataLen > this.#max + 1) throw new SseEventTooLarge(this.#max);
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      default: // 'retry' and unknown fields are ignored
    }
  }
}
