// For tests that nothing escapes to the process: what reaches 'uncaughtException' or
// 'unhandledRejection' while a piece of work runs (gw has no handler of its own for either, so
// in `gw serve` each would end the process), and a few turns of the event loop for late events.

/** Errors that reach process 'uncaughtException' or 'unhandledRejection' while `run` runs. */
export async function escapedDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const note = (err: unknown): void => void seen.push(err);
  process.on('uncaughtException', note);
  process.on('unhandledRejection', note);
  try {
    await run();
  } finally {
    process.off('uncaughtException', note);
    process.off('unhandledRejection', note);
  }
  return seen;
}

/** `n` turns of the event loop (setImmediate): events emitted a tick or an I/O turn late have come by then. */
export async function turns(n = 4): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}
