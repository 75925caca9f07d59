// A request's id: the caller's x-request-id when it is short and plain, else a new UUID. Every
// answer carries it twice, as x-request-id and as request-id (the name Anthropic's API and SDK
// use); the usage row and the access line carry it too.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A caller's x-request-id is kept when it is short and plain; anything else is replaced. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The id's headers, as a pipeline's sink takes them ([name, value, …]; a new list each call). */
export function idHeaders(id: string): string[] {
  return ['x-request-id', id, 'request-id', id];
}

/** The id on an answer written straight to `res` (a pipeline's sink carries it itself). */
export function setIdHeaders(res: ServerResponse, id: string): void {
  res.setHeader('x-request-id', id);
  res.setHeader('request-id', id);
}
