// Where a request's answer goes. The stages write to the context's sink, never to a socket:
// over HTTP it is the ServerResponse (HttpSink); a pipeline run without a socket (a unit test,
// an MCP tool call, serve/mcp/) hands in a MemorySink. One small object per request, set once.
import type { ServerResponse } from 'node:http';
import type { CallerSignal } from '../util/pause.js';
import { drained, JSON_CONTENT_TYPE } from '../http/send.js';

export type Headers = Readonly<Record<string, string | number | readonly string[]>>;

export interface AnswerSink {
  /** The status and headers went out: the answer can no longer become another one. */
  readonly started: boolean;
  /** The answer is complete, or was cut. */
  readonly ended: boolean;
  /** A header every answer of this request carries, whatever writes it (before the answer started); `name` in lower case. */
  setHeader(name: string, value: string): void;
  /** A whole JSON answer, already serialised (Content-Length is set). */
  json(status: number, text: string, headers?: Headers): void;
  /** Starts an answer whose body follows in write() calls. */
  head(status: number, headers: Headers): void;
  /** false: the receiver is full, wait for drained() before the next write. */
  write(chunk: string | Uint8Array): boolean;
  /** Sends what write() buffered in this tick at once (the first event of a stream). */
  flush(): void;
  /** Resolves when the receiver can take more, when it went away, or when the caller aborts. */
  drained(caller: CallerSignal): Promise<void>;
  /** The clean end of the answer, with its last piece. */
  end(last?: string): void;
  /** Cuts the answer: the receiver can tell it is not complete. */
  destroy(): void;
}

/** Where lower-case header `name` is among the names of a [name, value, …] list; -1 when absent. */
function indexOfName(list: readonly string[], name: string): number {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return i;
  return -1;
}

/** What json() sets itself: the same names given elsewhere are left out. */
const JSON_OWN: readonly string[] = ['content-type', 'content-length'];

export class HttpSink implements AnswerSink {
  readonly #res: ServerResponse;
  /**
   * Headers set before the answer started, as [name, value, …]. They go to writeHead in one
   * list with the answer's own: Node then checks each header once and builds no header map,
   * where res.setHeader checked each one as it was set and again when the answer started.
   * Names are kept lower-case (header names are case-insensitive), so each is compared as is.
   */
  readonly #preset: string[];

  /** `preset`: headers every answer of this request carries ([name, value, …], lower-case names; the list is kept). */
  constructor(res: ServerResponse, preset: string[] = []) {
    this.#res = res;
    this.#preset = preset;
  }

  get started(): boolean {
    return this.#res.headersSent;
  }

  get ended(): boolean {
    return this.#res.writableEnded;
  }

  setHeader(name: string, value: string): void {
    if (this.#res.headersSent) return;
    const at = indexOfName(this.#preset, name);
    if (at === -1) this.#preset.push(name, value);
    else this.#preset[at + 1] = value;
  }

  json(status: number, text: string, headers?: Headers): void {
    const list = this.#list(headers, JSON_OWN);
    list.push('content-type', JSON_CONTENT_TYPE, 'content-length', Buffer.byteLength(text));
    this.#res.writeHead(status, list as string[]);
    this.#res.end(text);
  }

  head(status: number, headers: Headers): void {
    this.#res.writeHead(status, this.#list(headers, []) as string[]);
  }

  /** The preset headers, then `headers` (which win over a preset one of the same name); none named in `skip` (lower-case). */
  #list(headers: Headers | undefined, skip: readonly string[]): (string | number | readonly string[])[] {
    const list: (string | number | readonly string[])[] = [];
    const own = headers === undefined ? [] : Object.keys(headers);
    const ownLower = own.map((k) => k.toLowerCase());
    const preset = this.#preset;
    for (let i = 0; i < preset.length; i += 2) {
      const name = preset[i] as string;
      if (ownLower.includes(name) || skip.includes(name)) continue;
      list.push(name, preset[i + 1] as string);
    }
    for (let i = 0; i < own.length; i++) {
      if (skip.length > 0 && skip.includes(ownLower[i] as string)) continue;
      const k = own[i] as string;
      list.push(k, (headers as Headers)[k] as string | number | readonly string[]);
    }
    return list;
  }

  write(chunk: string | Uint8Array): boolean {
    return this.#res.write(chunk);
  }

  flush(): void {
    this.#res.uncork();
  }

  drained(caller: CallerSignal): Promise<void> {
    return drained(this.#res, caller);
  }

  end(last?: string): void {
    if (last === undefined) this.#res.end();
    else this.#res.end(last);
  }

  destroy(): void {
    this.#res.destroy();
  }
}

/** Keeps the answer in memory: for pipelines run without a socket. */
export class MemorySink implements AnswerSink {
  status = 0;
  headers: Record<string, string | number | readonly string[]> = {};
  readonly chunks: (string | Uint8Array)[] = [];
  started = false;
  ended = false;
  /** Set when the answer was cut (destroy) instead of ending cleanly. */
  destroyed = false;

  readonly #preset: Record<string, string> = {};

  setHeader(name: string, value: string): void {
    if (!this.started) this.#preset[name] = value;
  }

  json(status: number, text: string, headers: Headers = {}): void {
    this.head(status, Object.assign({}, headers, { 'content-type': JSON_CONTENT_TYPE }));
    this.end(text);
  }

  head(status: number, headers: Headers): void {
    if (this.started) throw new Error('the answer already started');
    this.started = true;
    this.status = status;
    this.headers = Object.assign({}, this.#preset, headers);
  }

  write(chunk: string | Uint8Array): boolean {
    if (!this.started) this.head(200, {});
    this.chunks.push(chunk);
    return true;
  }

  flush(): void {}

  drained(): Promise<void> {
    return Promise.resolve();
  }

  end(last?: string): void {
    if (!this.started) this.head(200, {});
    if (last !== undefined && last !== '') this.chunks.push(last);
    this.ended = true;
  }

  destroy(): void {
    this.ended = true;
    this.destroyed = true;
  }

  /** The body as text. */
  text(): string {
    return this.chunks.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('');
  }

  /** The body parsed as JSON. */
  body(): unknown {
    return JSON.parse(this.text());
  }
}
