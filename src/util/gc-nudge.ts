// A minor garbage collection every GC_EVERY_BYTES of bodies streamed through the transparent
// proxy. Each socket read is a fresh ~64 KB buffer outside the JS heap; passing one on creates
// almost no JS objects, so V8's young generation fills slowly, no scavenge runs, and the read
// buffers pile up as garbage until V8's external-memory limit (tens of MB) forces a collection:
// a 100 MB upload grew gw's RSS by 30-55 MB. One scavenge per 4 MB (well under 1 ms on a young
// generation this empty) frees them (bench/README.md). The counter is the process's, so many
// concurrent streams share one pace: at 200 MB/s, 50 scavenges a second.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const GC_EVERY_BYTES = 4 * 1024 * 1024;

type GcFn = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/** undefined: not looked up yet; null: not available (the nudge then does nothing). */
let gc: GcFn | null | undefined;

/** V8's gc(), exposed for this module only (the flag is turned off again for everything else). */
function lookUp(): GcFn | null {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as GcFn;
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    setFlagsFromString('--no-expose-gc');
    return typeof fn === 'function' ? (fn as GcFn) : null;
  } catch {
    return null;
  }
}

let passed = 0;

/** Counts `n` bytes streamed through; past GC_EVERY_BYTES since the last nudge, runs a minor GC. Returns true when it ran one. */
export function streamedBytes(n: number): boolean {
  passed += n;
  if (passed < GC_EVERY_BYTES) return false;
  passed = 0;
  gc ??= lookUp();
  if (gc === null) return false;
  gc({ type: 'minor' });
  return true;
}

/**
 * After the build worker stopped: one major collection, started incrementally (no long pause),
 * so the serving heap sheds what the last config change left behind (the table's crossing
 * from the worker, the old table) instead of holding it until allocation forces one.
 */
export function collectAfterBuild(): boolean {
  gc ??= lookUp();
  if (gc === null) return false;
  gc({ type: 'major', execution: 'async' });
  return true;
}
