// The gateway's clock for time-based policies (rate-limit windows, the budget month, the usage
// row's time): Date.now() plus an offset that only tests set. A test-only hook: when the env var
// GW_TEST_CLOCK_FILE names a file, the offset in ms is read from it once at start-up and again,
// asynchronously, whenever the file changes (and at most every 250 ms as a fallback), so a test
// can move a real `gw serve` process a minute ahead without sleeping. now() itself never does
// I/O: it adds the last offset read.
import { readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

let offsetMs = 0;

/** Epoch ms: Date.now(), shifted by GW_TEST_CLOCK_FILE's offset when that test hook is set. */
export function now(): number {
  return Date.now() + offsetMs;
}

/** The offset a file's text gives: a finite number of ms; anything else keeps the current one. */
function parseOffset(text: string): number | undefined {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** Starts following `file`; nothing here keeps the process alive or throws. */
function follow(file: string): void {
  try {
    offsetMs = parseOffset(readFileSync(file, 'utf8')) ?? 0;
  } catch {
    // No file yet: no offset until one is written.
  }
  let reading = false;
  const reread = (): void => {
    if (reading) return;
    reading = true;
    readFile(file, 'utf8')
      .then((text) => {
        offsetMs = parseOffset(text) ?? offsetMs;
      })
      .catch(() => undefined)
      .finally(() => (reading = false));
  };
  const name = basename(file);
  try {
    // The folder, not the file: a test that replaces the file (rename) is still seen.
    const w = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) reread();
    });
    w.on('error', () => undefined);
  } catch {
    // No watch (folder missing, no inotify): the timer below still follows the file.
  }
  setInterval(reread, 250).unref();
}

const file = process.env['GW_TEST_CLOCK_FILE'];
if (file !== undefined && file !== '') follow(file);
