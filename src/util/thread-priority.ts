// Lowers the scheduling priority of the calling thread only. On Linux every thread is a task
// with its own id and nice value, and setpriority() on that id reaches that thread alone: the
// config build worker runs at a lower priority than the serving thread, so on a busy machine a
// large reload takes the cores the serving thread leaves, not the ones requests need. Elsewhere
// (no /proc/thread-self) it does nothing.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of the build worker: requests first, the build with what is left. */
export const BUILD_NICE = 10;

/** Returns the thread id it lowered, or undefined where that cannot be done. */
export function lowerThisThread(nice = BUILD_NICE): number | undefined {
  try {
    // "<pid>/task/<tid>": the thread's own task.
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, nice);
    return tid;
  } catch {
    return undefined; // not Linux, or not allowed: the build simply runs at normal priority
  }
}
