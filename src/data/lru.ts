/**
 * A least-recently-used cache bounded by a total weight (bytes), not a count: the store caches
 * hot partitions of bars, whose sizes differ by orders of magnitude. Entries that share memory (views of one
 * buffer) are inserted as a group ({@link setGroup}) and live and die together, so the weight stays the memory
 * the cache keeps alive.
 */
export class LruCache<K, V> {
  readonly maxWeight: number;
  readonly #weigh: (v: V) => number;
  readonly #map = new Map<K, { v: V; w: number; group?: readonly K[] }>();
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

  /** The value (now the most recent, with its whole group), or undefined. */
  get(k: K): V | undefined {
    const e = this.#map.get(k);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // re-insert: Map iteration order is insertion order, so the first key is the least recent
    for (const g of e.group ?? [k]) {
      const ge = this.#map.get(g)!;
      this.#map.delete(g);
      this.#map.set(g, ge);
    }
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
    this.#evict();
  }

  /**
   * Insert entries that share memory as one unit, all or none (none when together heavier than the bound):
   * reading one refreshes them all, and evicting or deleting one removes them all. Evicts least-recent entries to fit.
   */
  setGroup(entries: readonly (readonly [K, V])[]): void {
    for (const [k] of entries) this.delete(k);
    const ws = entries.map(([, v]) => this.#weigh(v));
    const total = ws.reduce((a, w) => a + w, 0);
    if (total > this.maxWeight) return;
    const group = entries.map(([k]) => k);
    for (const [i, [k, v]] of entries.entries()) this.#map.set(k, { v, w: ws[i]!, group });
    this.#weight += total;
    this.#evict();
  }

  /** Remove an entry (with its group). */
  delete(k: K): void {
    const e = this.#map.get(k);
    if (!e) return;
    for (const g of e.group ?? [k]) {
      const ge = this.#map.get(g);
      if (ge === undefined) continue;
      this.#map.delete(g);
      this.#weight -= ge.w;
    }
  }

  clear(): void {
    this.#map.clear();
    this.#weight = 0;
  }

  keys(): K[] {
    return [...this.#map.keys()];
  }

  #evict(): void {
    while (this.#weight > this.maxWeight) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }
}
