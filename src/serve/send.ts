// Writing answers: JSON with a Content-Length, and waits that respect backpressure.
import type { ServerResponse } from 'node:http';
import type { CallerSignal } from '../upstream/caller-signal.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends text that already is JSON (an upstream's answer passed through as it came). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Resolves when the socket can take more, when it closed (then writing stops anyway), or when the request is aborted. */
export function drained(res: ServerResponse, caller?: CallerSignal): Promise<void> {
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
