// The caller's side of a request going away: set when the client disconnects before the answer
// is complete, or when gw itself ends the request (its deadline passed, or the drain at shutdown
// is over): then the reason is the GwError the caller is told, and the upstream request is
// aborted all the same. It has the shape the executor listens on (CallerSignal) but is a plain object:
// a real AbortSignal is costly to create on Node 20 (bench/README.md) and most requests never need one.
// Code that does want an AbortSignal (fetch, undici) asks for `signal`, made on first use.
import type { CallerSignal } from '../util/pause.js';

export class CallerLink implements CallerSignal {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] | undefined;
  #ctrl: AbortController | undefined;

  /** An AbortSignal that aborts with this link (already aborted when the caller left). */
  get signal(): AbortSignal {
    if (this.#ctrl === undefined) {
      this.#ctrl = new AbortController();
      if (this.aborted) this.#ctrl.abort(this.reason);
    }
    return this.#ctrl.signal;
  }

  /** Listeners run once, on abort; `once` is implied. */
  addEventListener(_type: 'abort', listener: () => void): void {
    const list = (this.#listeners ??= []);
    if (!list.includes(listener)) list.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners?.indexOf(listener) ?? -1;
    if (i !== -1) this.#listeners?.splice(i, 1);
  }

  /** The caller went away (reason: an AbortError, as AbortController.abort() gives), or gw ends the request (reason: a GwError). */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    for (const l of listeners) l();
    this.#ctrl?.abort(this.reason);
  }
}
