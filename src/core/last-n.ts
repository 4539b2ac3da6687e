/**
 * The values of the last `max` distinct keys set, for "what did we send as number N, recently?". Setting is
 * O(1) also when full: the keys sit in a ring, so forgetting the oldest is one slot overwrite. (Deleting the
 * first entries of a Map or Set while iterating it is not O(1): V8 walks the deleted entries until it
 * rehashes.) A key set again takes the new value and keeps its first place. `max` 0 remembers nothing.
 */
export class LastNMap<K, V> {
  readonly #items = new Map<K, V>();
  readonly #ring: K[] = [];
  /** The oldest key's slot, once the ring is full. */
  #head = 0;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  has(k: K): boolean {
    return this.#items.has(k);
  }

  get(k: K): V | undefined {
    return this.#items.get(k);
  }

  set(k: K, v: V): void {
    const items = this.#items;
    if (items.has(k)) {
      items.set(k, v);
      return;
    }
    if (this.#max === 0) return;
    items.set(k, v);
    const ring = this.#ring;
    if (ring.length < this.#max) {
      ring.push(k);
      return;
    }
    const head = this.#head;
    items.delete(ring[head]!);
    ring[head] = k;
    this.#head = head + 1 === ring.length ? 0 : head + 1;
  }

  /** Forget every key. */
  clear(): void {
    this.#items.clear();
    this.#ring.length = 0;
    this.#head = 0;
  }
}

/**
 * The last `max` distinct keys added, for "have we seen this recently?" (ids of finished orders, of orphans
 * handled): a {@link LastNMap} of keys only. A key added again keeps its first place. `max` 0 remembers nothing.
 */
export class LastN {
  readonly #keys: LastNMap<string, true>;

  constructor(max: number) {
    this.#keys = new LastNMap(max);
  }

  has(k: string): boolean {
    return this.#keys.has(k);
  }

  add(k: string): void {
    this.#keys.set(k, true);
  }
}
