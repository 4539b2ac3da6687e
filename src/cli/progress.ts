/**
 * A terminal progress bar that appears only when the output is a TTY and the job has run longer than
 * `delayMs` (so short runs and piped output stay clean).
 */
export class ProgressBar {
  readonly #out: NodeJS.WriteStream;
  readonly #label: string;
  readonly #start = performance.now();
  readonly #delayMs: number;
  #shown = false;
  #lastDraw = 0;

  constructor(out: NodeJS.WriteStream, label: string, delayMs = 1000) {
    this.#out = out;
    this.#label = label;
    this.#delayMs = delayMs;
  }

  update(done: number, total: number | undefined): void {
    if (!this.#out.isTTY) return;
    const t = performance.now();
    if (t - this.#start < this.#delayMs || t - this.#lastDraw < 100) return;
    this.#lastDraw = t;
    this.#shown = true;
    const width = 30;
    const frac = total ? Math.min(1, done / total) : 0;
    const bar = total
      ? `${'█'.repeat(Math.round(frac * width)).padEnd(width, '░')} ${(frac * 100).toFixed(0).padStart(3)}%`
      : '';
    const rate = done / ((t - this.#start) / 1000);
    this.#out.write(
      `\r${this.#label} ${bar} ${done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} (${Math.round(rate).toLocaleString('en-US')}/s)`
    );
  }

  done(): void {
    if (this.#shown) this.#out.write('\n');
  }
}
