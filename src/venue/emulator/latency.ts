import type { Nanos } from '../../core/nanos.ts';
import type { Rng } from '../../core/rng.ts';

/** Latency settings in milliseconds (the `latency` block of the emulator config). */
export interface LatencySettings {
  readonly networkMs: number;
  readonly ackMs: number;
  readonly fillMs: number;
  readonly jitterMs: number;
}

function nsOf(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

/**
 * Each delay = its fixed part + a uniform integer jitter in [0, jitter] nanoseconds drawn from the injected
 * {@link Rng} (no draw when the jitter is 0). Draws happen in call order, so the same seed and the same
 * sequence of calls give the same delays.
 */
export class LatencyModel {
  readonly #network: bigint;
  readonly #ack: bigint;
  readonly #fill: bigint;
  readonly #jitter: number;
  readonly #rng: Rng;

  constructor(s: LatencySettings, rng: Rng) {
    this.#network = nsOf(s.networkMs);
    this.#ack = nsOf(s.ackMs);
    this.#fill = nsOf(s.fillMs);
    this.#jitter = Number(nsOf(s.jitterMs));
    this.#rng = rng;
  }

  /** Largest jitter in nanoseconds. */
  get maxJitter(): Nanos {
    return BigInt(this.#jitter);
  }

  /** Client → venue delay of one command. */
  network(): Nanos {
    return this.#network + this.#draw();
  }

  /** Venue → client delay of one non-fill report. */
  ack(): Nanos {
    return this.#ack + this.#draw();
  }

  /** Venue → client delay of one fill report. */
  fill(): Nanos {
    return this.#fill + this.#draw();
  }

  #draw(): bigint {
    return this.#jitter === 0 ? 0n : BigInt(Math.floor(this.#rng.next() * (this.#jitter + 1)));
  }
}
