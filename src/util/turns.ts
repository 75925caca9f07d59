// Steps that cost tens of milliseconds of CPU (parsing or re-serialising a multi-megabyte request
// body) queue here and each runs in a turn of the event loop of its own. Without it, bodies that
// arrive together are parsed back to back in one turn and nothing else (a health check, a small
// request) is served until all of them are done. A turn is a setImmediate taken after the
// previous step finished, so the loop polls for I/O between any two queued steps.

/** Bodies from this size on take their parse and serialisation steps through the queue. */
export const LARGE_BODY_BYTES = 256 * 1024;

export class TurnQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `step` in its own turn, after every step queued before it; resolves with its result. */
  run<T>(step: () => T): Promise<T> {
    const result = this.#tail.then(nextTurn).then(step);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The process's queue for large-body steps. */
export const largeBodySteps = new TurnQueue();
