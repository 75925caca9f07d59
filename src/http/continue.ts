// `Expect: 100-continue` answered only when gw is about to read the body: after the key, the
// route and the limits were checked. Node's own default answers `100 Continue` as soon as the
// head arrives, which invites a caller to upload a large body that a 401 or a 429 then throws
// away. A request refused first gets its final answer without a 100, as RFC 9110 §10.1.1 allows.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests whose caller waits for `100 Continue`, with the response to write it on. */
const waiting = new WeakMap<IncomingMessage, ServerResponse>();

/** The listener's 'checkContinue' handler: remembers the request, then runs the usual handler. */
export function deferContinue(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    waiting.set(req, res);
    handler(req, res);
  };
}

/** Sends `100 Continue` when the caller waits for it (once); call right before reading the body. */
export function continueBody(req: IncomingMessage): void {
  const res = waiting.get(req);
  if (res === undefined) return;
  waiting.delete(req);
  if (!res.headersSent && !res.writableEnded) res.writeContinue();
}
