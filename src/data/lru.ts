/**
 * A least-recently-used cache bounded by a total weight (bytes), not a count: the store caches
 * hot partitions of bars, whose sizes differ by orders of magnitude.
 */
export class LruCache<K, V> {
  readonly maxWeight: number;
  readonly #weigh: (v: V) => number;
  readonly #map = new Map<K, { v: V; w: number }>();
  #weight = 0;
  hits = 0;
  misses = 0;

  constructor(maxWeight: number, weigh: (v: V) => number) {
    this.maxWeight = maxWeight;
    this.#weigh = weigh;
  }

  get weight(): number {
    return this.#weight;
  }

  get size(): number {
    return this.#map.size;
  }

  get(k: K): V | undefined {
    const e = this.#map.get(k);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // re-insert: Map iteration order is insertion order, so the first key is the least recent
    this.#map.delete(k);
    this.#map.set(k, e);
    return e.v;
  }

  has(k: K): boolean {
    return this.#map.has(k);
  }

  /** Insert; an entry heavier than the whole bound is not cached. Evicts least-recent entries to fit. */
  set(k: K, v: V): void {
    this.delete(k);
    const w = this.#weigh(v);
    if (w > this.maxWeight) return;
    this.#map.set(k, { v, w });
    this.#weight += w;
    while (this.#weight > this.maxWeight) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(k: K): void {
    const e = this.#map.get(k);
    if (e) {
      this.#map.delete(k);
      this.#weight -= e.w;
    }
  }

  clear(): void {
    this.#map.clear();
    this.#weight = 0;
  }

  keys(): K[] {
    return [...this.#map.keys()];
  }
}
