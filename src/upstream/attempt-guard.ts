// The clock and the abort switch of one attempt. The timer runs only while gw waits on the
// upstream (connecting, headers, the next body piece), so a caller that reads slowly never
// makes a healthy upstream look stalled. undici's own headersTimeout/bodyTimeout use coarse
// (~0.5 s) timers and start after connecting, so this one is the precise bound.
import { AttemptTimeout, CallerAbort, classifyNetworkError, type Failure } from './failure.js';

export class AttemptGuard {
  readonly #ctrl = new AbortController();
  readonly #caller: AbortSignal;
  readonly #ms: number;
  readonly #timer: NodeJS.Timeout;
  #armed = true;
  #unlink: () => void = () => undefined;

  constructor(caller: AbortSignal, timeoutMs: number) {
    this.#caller = caller;
    this.#ms = timeoutMs;
    this.#timer = setTimeout(() => {
      if (this.#armed) this.#ctrl.abort(new AttemptTimeout(this.#ms));
    }, timeoutMs);
    if (caller.aborted) this.#ctrl.abort(caller.reason);
    else {
      const onAbort = (): void => this.#ctrl.abort(caller.reason);
      caller.addEventListener('abort', onAbort, { once: true });
      this.#unlink = () => caller.removeEventListener('abort', onAbort);
    }
  }

  /** Aborts on timeout or when the caller goes away; give it to the request. */
  get signal(): AbortSignal {
    return this.#ctrl.signal;
  }

  get timeoutMs(): number {
    return this.#ms;
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
    this.#unlink();
  }

  /** The failure an error stands for; throws CallerAbort when the caller left. */
  failure(err: unknown): Failure {
    if (this.#caller.aborted) throw new CallerAbort();
    return classifyNetworkError(this.#ctrl.signal.aborted ? this.#ctrl.signal.reason : err);
  }
}
