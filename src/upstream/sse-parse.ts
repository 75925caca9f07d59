// Incremental Server-Sent Events parser (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
// bytes arrive in arbitrary pieces, so lines, CRLF pairs and UTF-8 sequences may be split
// across chunks. Nothing is buffered beyond the current incomplete line and event.
import type { SseEvent } from '../providers/types.js';

export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  #buf = '';
  #data: string[] = [];
  #event = '';
  #id: string | undefined;
  #started = false;
  /** The previous piece ended in CR: a LF opening the next piece belongs to that line end. */
  #skipLf = false;

  /** Feeds one piece of the body; returns the events it completed. */
  push(piece: Uint8Array | string): SseEvent[] {
    let text = typeof piece === 'string' ? piece : this.#decoder.decode(piece, { stream: true });
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
    const buf = this.#buf === '' ? text : this.#buf + text;
    let pos = 0;
    let cr = -2;
    let lf = -2;
    for (;;) {
      if (cr !== -1 && cr < pos) cr = buf.indexOf('\r', pos);
      if (lf !== -1 && lf < pos) lf = buf.indexOf('\n', pos);
      if (cr === -1 && lf === -1) break;
      let next: number;
      let end: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr === buf.length - 1) {
          next = cr + 1;
          this.#skipLf = true;
        } else {
          next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.#line(buf.slice(pos, end), out);
      pos = next;
    }
    this.#buf = pos === 0 ? buf : buf.slice(pos);
    return out;
  }

  /**
   * End of body. Unlike the spec, a final event without its blank line is still dispatched:
   * some servers end with `data: [DONE]\n` and nothing after it.
   */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const rest = this.#buf + this.#decoder.decode();
    this.#buf = '';
    if (rest !== '') this.#line(rest, out);
    this.#line('', out);
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) {
        out.push({ event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n'), id: this.#id });
      }
      this.#data = [];
      this.#event = '';
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment, e.g. keep-alive pings
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
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
