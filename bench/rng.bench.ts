// The seeded random numbers every random choice draws from (latency jitter, synthetic data, Monte Carlo):
// ns per `int(n)` (a bootstrap draw), per `next()` and per `gaussian()`; `impl` Math.random (unseeded, V8's
// xorshift128+) as the reference for a uniform draw.
import { Rng } from '../src/core/rng.ts';
import { type Figure, nsPerOp } from './figure.ts';

const N = 2_000_000;

export async function run(emit: (f: Figure) => void): Promise<void> {
  const rng = new Rng(42);
  let sink = 0;
  const figure = (c: string, impl: string, fn: () => void) =>
    emit({ suite: 'rng', case: c, impl, value: nsPerOp(fn, N), unit: 'ns/op' });
  figure('int', 'tradestate', () => {
    sink += rng.int(5036);
  });
  figure('int', 'Math.random', () => {
    sink += Math.floor(Math.random() * 5036);
  });
  figure('next', 'tradestate', () => {
    sink += rng.next();
  });
  figure('next', 'Math.random', () => {
    sink += Math.random();
  });
  figure('gaussian', 'tradestate', () => {
    sink += rng.gaussian();
  });
  if (!Number.isFinite(sink)) throw new Error('unreachable');
}
