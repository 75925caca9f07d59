// Where the log goes by default: stdout, in batched asynchronous writes (pino's SonicBoom), made
// safe for a gateway that must outlive its log. A write can fail for good reasons: a full disk
// under `gw serve >> gw.log` (ENOSPC), a terminal that went away (EIO). pino passes any failure but
// a closed pipe on as an 'error' event; unheard, it ended the process, whose exit flush then
// retried the write forever, so the gateway hung with its ports open and answered nothing. Here a
// failing log costs log lines, never requests: gw goes on serving, says so once on stderr,
// holds at most MAX_PENDING_BYTES of lines (newer ones are dropped), and writes again, held lines
// first, as soon as the output takes them.
import { writeSync } from 'node:fs';
import { pino } from 'pino';

/**
 * stdout is written in batches of at least BATCH_BYTES, and at least every FLUSH_MS: one write
 * per line (a thread-pool round trip each) costs too much under load (see bench/README.md). A
 * line may reach the log up to FLUSH_MS late; pino flushes what is left when the process exits.
 */
const BATCH_BYTES = 4096;
const FLUSH_MS = 100;
/** Lines held while the output fails; a line that would go over this is dropped. */
export const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type SonicBoom = ReturnType<typeof pino.destination>;

/** Best effort: stderr may be as broken as stdout, and nothing here may throw. */
function toStderr(message: string): void {
  try {
    writeSync(2, message);
  } catch {
    // Nowhere left to say it.
  }
}

/**
 * Reports on stdout's health through `report` (default: stderr): once when writing starts to
 * fail, once when it works again.
 */
export function stdoutLog(report: (message: string) => void = toStderr): SonicBoom {
  const out = pino.destination({
    dest: 1,
    sync: false,
    minLength: BATCH_BYTES,
    periodicFlush: FLUSH_MS,
    maxLength: MAX_PENDING_BYTES,
  });
  return guardOutput(out, report);
}

/** How each guarded output is given up (giveUpLogOutput). */
const giveUps = new Set<() => void>();

/**
 * Gives up what every guarded output still holds: its exit flush is skipped. For a process that
 * must end while a write is stuck (a log reader that stopped reading): a synchronous flush would
 * block in it.
 */
export function giveUpLogOutput(): void {
  for (const giveUp of giveUps) giveUp();
}

/** The failure handling of stdoutLog, for any asynchronous SonicBoom (tests pass one on a file). */
export function guardOutput(out: SonicBoom, report: (message: string) => void): SonicBoom {
  let failing: string | undefined;
  let dropped = 0;
  const giveUp = (): void => {
    failing ??= 'given up';
  };
  giveUps.add(giveUp);
  out.on('close', () => giveUps.delete(giveUp));
  // Heard beside pino's own listener, which stops all writing on EPIPE and otherwise passes the
  // error on, to this one. Every failed write comes here; it is retried with the next batch.
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (failing !== undefined) return;
    failing = err.code ?? err.message;
    report(
      failing === 'EPIPE'
        ? 'gw: the log output was closed (EPIPE): no more log lines are written; gw goes on serving\n'
        : `gw: the log cannot be written (${failing}): lines are held (up to ${MAX_PENDING_BYTES / 1024 / 1024} MiB, ` +
            'then dropped) until it can; gw goes on serving\n',
    );
  });
  out.on('drop', () => {
    dropped++;
  });
  out.on('write', () => {
    if (failing === undefined) return;
    report(
      `gw: the log is written again after ${failing}` +
        `${dropped === 0 ? '' : dropped === 1 ? '; 1 line was dropped' : `; ${dropped} lines were dropped`}\n`,
    );
    failing = undefined;
    dropped = 0;
  });
  // pino flushes synchronously at exit, and SonicBoom's synchronous flush retries a failing write
  // without end: with the output failing, what is held is given up instead.
  const flushSync = out.flushSync.bind(out);
  out.flushSync = (): void => {
    if (failing === undefined) flushSync();
  };
  return out;
}
