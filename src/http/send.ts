// Writing answers: JSON with a Content-Length, and waits that respect backpressure. Shared by
// the proxy and admin listeners; it knows nothing of the pipeline (serve/answer.ts writes a request's answers through a sink).
import type { ServerResponse } from 'node:http';

/** The part of a caller signal drained() listens to (util/pause.ts's CallerSignal fits). */
export interface AbortSource {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The Content-Type of every JSON answer gw writes. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends text that already is JSON (an upstream's answer passed through as it came). */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Resolves when the socket can take more, when it closed (then writing stops anyway), or when the request is aborted. */
export function drained(res: ServerResponse, caller?: AbortSource): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      caller?.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    if (caller?.aborted) return done();
    caller?.addEventListener('abort', done);
  });
}
