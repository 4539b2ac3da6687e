/**
 * The last `max` distinct keys added, for "have we seen this recently?" (ids of finished orders, of orphans
 * handled). Adding is O(1) also when full: the keys sit in a ring, so forgetting the oldest is one slot
 * overwrite. (Deleting the first entries of a Set while iterating it is not O(1): V8 walks the deleted entries
 * until it rehashes.) A key added again keeps its first place. `max` 0 remembers nothing.
 */
export class LastN {
  readonly #items = new Set<string>();
  readonly #ring: string[] = [];
  /** The oldest key's slot, once the ring is full. */
  #head = 0;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  has(k: string): boolean {
    return this.#items.has(k);
  }

  add(k: string): void {
    const items = this.#items;
    if (items.has(k) || this.#max === 0) return;
    items.add(k);
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
}
