// Values found by a short list of keys (one to five), one Map per key, for tallies kept per
// request: a metric's series by its label values, a roll-up's minute by workspace, endpoint, key
// and model. Joining the keys into one string would make a new string per lookup, which V8 then
// flattens, hashes and compares character by character with the stored one. The keys passed here
// are mostly the same string objects every time (names from the routing table), whose hash V8
// keeps, and whose comparison is a pointer's.
type Key = string | number;

interface Node<V> {
  value: V | undefined;
  next: Map<Key, Node<V>> | undefined;
}

function step<V>(map: Map<Key, Node<V>>, key: Key): Node<V> {
  let n = map.get(key);
  if (n === undefined) {
    n = { value: undefined, next: undefined };
    map.set(key, n);
  }
  return n;
}

/**
 * A tree of Maps. Every value of one tree is reached by the same number of keys; a key left
 * undefined ends the path. values() lists them in the order they were first set.
 */
export class KeyTree<V> {
  readonly #root = new Map<Key, Node<V>>();
  #values: V[] = [];

  get size(): number {
    return this.#values.length;
  }

  get(a: Key, b?: Key, c?: Key, d?: Key, e?: Key): V | undefined {
    let n = this.#root.get(a);
    if (n === undefined || b === undefined) return n?.value;
    n = n.next?.get(b);
    if (n === undefined || c === undefined) return n?.value;
    n = n.next?.get(c);
    if (n === undefined || d === undefined) return n?.value;
    n = n.next?.get(d);
    if (n === undefined || e === undefined) return n?.value;
    return n.next?.get(e)?.value;
  }

  /** Sets the value under these keys (which get() then finds); replaces one already there. */
  set(value: V, a: Key, b?: Key, c?: Key, d?: Key, e?: Key): void {
    let n = step(this.#root, a);
    if (b !== undefined) {
      n = step((n.next ??= new Map()), b);
      if (c !== undefined) {
        n = step((n.next ??= new Map()), c);
        if (d !== undefined) {
          n = step((n.next ??= new Map()), d);
          if (e !== undefined) n = step((n.next ??= new Map()), e);
        }
      }
    }
    if (n.value === undefined) this.#values.push(value);
    else this.#values[this.#values.indexOf(n.value)] = value;
    n.value = value;
  }

  /** Every value, in the order first set. */
  values(): readonly V[] {
    return this.#values;
  }

  clear(): void {
    this.#root.clear();
    this.#values = [];
  }
}
