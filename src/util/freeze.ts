// Deep freeze for the routing table. Object.freeze does not stop Map.set/Set.add, so the
// table's index Maps (few, and the ones a consumer could plausibly misuse) are also locked:
// their mutators throw. Inner small Maps/Sets are frozen objects exposed as Readonly types
// only; locking tens of thousands of them made compiling a 10k-resource table much slower.
// RegExps are left writable on purpose: a frozen global RegExp cannot update lastIndex,
// so test()/exec()/replace() on it would throw.

function refuse(): never {
  throw new TypeError('the routing table is frozen');
}

// Own, non-enumerable: deepStrictEqual against a plain Map still passes.
const LOCKED = { value: refuse, enumerable: false, writable: false, configurable: false };

/** Makes set/add/delete/clear on this one Map or Set throw. */
export function lockCollection(c: ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>): void {
  for (const m of c instanceof Map ? ['set', 'delete', 'clear'] : ['add', 'delete', 'clear']) {
    Object.defineProperty(c, m, LOCKED);
  }
}

/** Freezes `value` and everything reachable from it (objects, arrays, Map/Set contents); returns it. */
export function deepFreeze<T>(value: T): T {
  const steps = deepFreezeSteps(value);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** Objects frozen between two yields of deepFreezeSteps. */
const FREEZE_STEP = 512;

/** deepFreeze() that yields every FREEZE_STEP objects (see compileSteps). */
export function* deepFreezeSteps<T>(value: T): Generator<void, T> {
  let n = 0;
  // A Set, not a WeakSet: it lives for one call and is markedly faster on large tables.
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  // Pushes only what can be frozen: most leaves are strings and numbers.
  const push = (x: unknown): void => {
    if ((typeof x === 'object' && x !== null) || typeof x === 'function') stack.push(x);
  };
  while (stack.length > 0) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) continue;
    // A shallow-frozen object may still hold unfrozen children, so visits are tracked, not inferred.
    if (seen.has(v) || v instanceof RegExp) continue;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        push(k);
        push(x);
      }
    } else if (v instanceof Set) {
      for (const x of v) push(x);
    } else if (typeof v === 'object') {
      // Functions (compiled validators) are frozen themselves but not walked into.
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) push(o[k]);
    }
    Object.freeze(v);
    if (++n % FREEZE_STEP === 0) yield;
  }
  return value;
}
