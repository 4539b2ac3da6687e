/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded by splitmix32). Every random choice in tradestate
 * draws from an injected {@link Rng} so the same seed gives the same run, byte for byte.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare: number | undefined;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next() | 0;
    this.#b = next() | 0;
    this.#c = next() | 0;
    this.#d = next() | 0;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    // the state stays in signed 32-bit form (small integers to V8, never boxed as doubles); the same bits as
    // the unsigned form, converted only on the way out
    const b = this.#b;
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    this.#c ^= this.#a;
    this.#d ^= b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  gaussian(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    let v = 0;
    let q = 0;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.#spare = v * f;
    return u * f;
  }

  /** A child generator with its own stream, derived deterministically from this one and a label. */
  fork(label: string): Rng {
    let h = this.nextU32();
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }
}

/** Rotate a 32-bit integer left by `k` (signed 32-bit result). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
