// The clock and the abort switch of one attempt. The timer runs only while gw waits on the
// upstream (connecting, headers, the next body piece), so a caller that reads slowly never
// makes a healthy upstream look stalled. undici's own headersTimeout/bodyTimeout use coarse
// (~0.5 s) timers and start after connecting, so this one is the precise bound.
import { EventEmitter } from 'node:events';
import type { CallerSignal } from '../util/pause.js';
import { AttemptTimeout, CallerAbort, classifyNetworkError, type Failure } from './failure.js';

/** undici accepts an EventEmitter as a request signal; far cheaper than an AbortController per attempt. */
class AbortEmitter extends EventEmitter {
  aborted = false;
}

export class AttemptGuard {
  readonly #emitter = new AbortEmitter();
  #ctrl: AbortController | undefined;
  #reason: unknown;
  readonly #caller: CallerSignal;
  readonly #ms: number;
  readonly #timer: NodeJS.Timeout;
  #armed = true;
  readonly #onCallerAbort = (): void => this.#abort(this.#caller.reason);

  constructor(caller: CallerSignal, timeoutMs: number) {
    this.#caller = caller;
    this.#ms = timeoutMs;
    this.#timer = setTimeout(() => {
      if (this.#armed) this.#abort(new AttemptTimeout(this.#ms));
    }, timeoutMs);
    if (caller.aborted) this.#abort(caller.reason);
    else caller.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  #abort(reason: unknown): void {
    if (this.#emitter.aborted) return;
    this.#reason = reason;
    this.#emitter.aborted = true;
    // Runs inside a timer or the caller's abort event: a throwing listener must not escape to the process.
    try {
      this.#emitter.emit('abort');
    } catch {
      // the request is being torn down either way
    }
    this.#ctrl?.abort(reason);
  }

  /** For undici requests: fires on timeout or when the caller goes away. */
  get emitter(): EventEmitter {
    return this.#emitter;
  }

  /** The same as an AbortSignal, for in-process adapters. */
  get signal(): AbortSignal {
    if (this.#ctrl === undefined) {
      this.#ctrl = new AbortController();
      if (this.#emitter.aborted) this.#ctrl.abort(this.#reason);
    }
    return this.#ctrl.signal;
  }

  /** Start (or restart) waiting on the upstream. */
  arm(): void {
    this.#armed = true;
    this.#timer.refresh();
  }

  /** The upstream delivered; gw is busy elsewhere. */
  disarm(): void {
    this.#armed = false;
  }

  /** The attempt is over: release the timer and the caller link. */
  done(): void {
    this.#armed = false;
    clearTimeout(this.#timer);
    this.#caller.removeEventListener('abort', this.#onCallerAbort);
  }

  /** The failure an error stands for; throws CallerAbort when the caller left. */
  failure(err: unknown): Failure {
    if (this.#caller.aborted) throw new CallerAbort();
    return classifyNetworkError(this.#emitter.aborted ? this.#reason : err);
  }
}
