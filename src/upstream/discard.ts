// Letting go of an upstream answer's body before its end. undici reports such a destroy as an
// 'error' event (request aborted) a tick later, when the reader that was listening may have
// taken its listeners off; unheard, that event would end the process.
import type { Dispatcher } from 'undici';

const ignore = (): void => undefined;

/** Stops reading `body` and frees its connection (which is closed, not drained). */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  if (!body.destroyed) body.on('error', ignore).destroy();
}
