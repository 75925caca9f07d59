// Deep freeze for the routing table. Maps and Sets cannot be frozen in place, so their
// mutators are shadowed on the instance with ones that throw: a frozen table stays frozen.
// RegExps are left writable on purpose: a frozen global RegExp cannot update lastIndex,
// so test()/exec()/replace() on it would throw.

function refuse(): never {
  throw new TypeError('the routing table is frozen');
}

function lockCollection(c: Map<unknown, unknown> | Set<unknown>): void {
  const mutators = c instanceof Map ? ['set', 'delete', 'clear'] : ['add', 'delete', 'clear'];
  for (const m of mutators) Object.defineProperty(c, m, { value: refuse, enumerable: false });
}

/** Freezes `value` and everything reachable from it (objects, arrays, Map/Set contents); returns it. */
export function deepFreeze<T>(value: T): T {
  const seen = new WeakSet<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) continue;
    if (seen.has(v) || v instanceof RegExp) continue;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
      lockCollection(v);
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
      lockCollection(v);
    } else if (typeof v === 'object') {
      // Functions (compiled validators) are frozen themselves but not walked into.
      for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
    }
    Object.freeze(v);
  }
  return value;
}
