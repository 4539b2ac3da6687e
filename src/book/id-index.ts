/**
 * An open-addressing hash map from a numeric id (any safe integer, stored as a double) to a
 * non-negative int32 slot. Linear probing with backward-shift deletion: no tombstones, no per-entry
 * objects, no allocation except when the table doubles.
 *
 * Replaces `Map<number, number>` on the hot path: `Map` boxes non-Smi keys and rehashes on deletes.
 */
export class IdIndex {
  #keys: Float64Array;
  #vals: Int32Array;
  #mask: number;
  #size = 0;
  /** The id of the last absent-key {@link find}, and the empty position where it would go (NaN = none). */
  #hintId = Number.NaN;
  #hintPos = 0;

  /** @param capacity expected number of entries (the table is sized to keep the load ≤ 1/2). */
  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.#keys = new Float64Array(cap).fill(Number.NaN);
    this.#vals = new Int32Array(cap);
    this.#mask = cap - 1;
  }

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.#keys.byteLength + this.#vals.byteLength;
  }

  /** The slot stored for `id`, or -1 when absent (one probe; see {@link find}). */
  get(id: number): number {
    return this.find(id);
  }

  /**
   * {@link get}, remembering where an absent `id` would go: a {@link set} of the same id with no other
   * change to the table in between then stores it without probing again (check-then-insert in one probe).
   */
  find(id: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    let i = hash(id) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === id) return this.#vals[i]!;
      if (Number.isNaN(k)) {
        // NaN = empty: remember where `id` would go
        this.#hintId = id;
        this.#hintPos = i;
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  /** True when `id` is present. */
  has(id: number): boolean {
    return this.get(id) >= 0;
  }

  /**
   * Insert `id → slot`. Returns false (and changes nothing) when `id` is already present.
   * `id` must not be NaN; `slot` must be ≥ 0.
   */
  set(id: number, slot: number): boolean {
    const size = this.#size;
    if ((size + 1) * 2 > this.#keys.length) this.#grow();
    else if (id === this.#hintId) {
      const i = this.#hintPos;
      this.#hintId = Number.NaN;
      this.#keys[i] = id;
      this.#vals[i] = slot;
      this.#size = size + 1;
      return true;
    }
    this.#hintId = Number.NaN;
    const keys = this.#keys;
    const mask = this.#mask;
    let i = hash(id) & mask;
    for (;;) {
      const k = keys[i]!;
      if (Number.isNaN(k)) {
        keys[i] = id;
        this.#vals[i] = slot;
        this.#size++;
        return true;
      }
      if (k === id) return false;
      i = (i + 1) & mask;
    }
  }

  /** Remove `id`; returns its slot, or -1 when absent. */
  delete(id: number): number {
    this.#hintId = Number.NaN;
    const keys = this.#keys;
    const vals = this.#vals;
    const mask = this.#mask;
    let i = hash(id) & mask;
    for (;;) {
      const k = keys[i]!;
      if (Number.isNaN(k)) return -1;
      if (k === id) break;
      i = (i + 1) & mask;
    }
    const slot = vals[i]!;
    // Backward-shift: pull later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = keys[j]!;
      if (Number.isNaN(k)) break;
      const home = hash(k) & mask;
      // Move k into the hole when its home is not cyclically within (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = k;
        vals[hole] = vals[j]!;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    keys[hole] = Number.NaN;
    this.#size--;
    return slot;
  }

  /** Remove every entry (keeps the capacity). */
  clear(): void {
    this.#hintId = Number.NaN;
    this.#keys.fill(Number.NaN);
    this.#size = 0;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldVals = this.#vals;
    const cap = oldKeys.length * 2;
    this.#keys = new Float64Array(cap).fill(Number.NaN);
    this.#vals = new Int32Array(cap);
    this.#mask = cap - 1;
    this.#size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (!Number.isNaN(k)) this.set(k, oldVals[i]!);
    }
  }
}

/**
 * A 32-bit mix of a safe-integer-valued double: its two 32-bit halves (the high half by an exact
 * power-of-two multiply, not a division), one multiply by the golden ratio, and an xor-shift that folds
 * the well-mixed high bits into the low bits the table mask keeps.
 */
function hash(id: number): number {
  const lo = id | 0;
  const hi = (id * 2.3283064365386963e-10) | 0; // id / 2^32, exact
  const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}
