// Runs a step generator (compileSteps) on the serving thread in slices: after `sliceMs` of work
// it gives the event loop a turn (setImmediate), so requests keep being answered during a build.
import { performance } from 'node:perf_hooks';

export const SLICE_MS = 8;

export async function runSliced<T>(steps: Generator<void, T>, sliceMs = SLICE_MS): Promise<T> {
  for (;;) {
    const end = performance.now() + sliceMs;
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
      if (performance.now() >= end) break;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
