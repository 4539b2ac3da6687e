// Pre-trade risk check latency: the full RiskEngine.check with every validator on (trading state, max order
// qty, exact max notional, worst-case max position per symbol and gross, price band, self-trade, throttle per
// symbol and per strategy), against the ready-made RiskState view, on a varied workload: 64 instruments,
// 8 strategies, resting orders, positions near their limits, prices around (and sometimes outside) the band,
// a simulated clock moving 1 ms per order (so the throttle both admits and rejects).
//
// Each check is timed on its own with process.hrtime.bigint(). Reading the timer twice costs tens of ns, so
// an empty timed loop is measured the same way first; the reported percentiles are the raw percentiles minus
// the empty loop's median (`timer-overhead-p50`, also reported). `pretrade-mean` times a whole batch with
// two timer reads, which carries no per-call overhead.
import { makeInstrument } from '../src/core/instrument.ts';
import type { SubmitOrder } from '../src/messages/commands.ts';
import { riskEngineConfigSchema } from '../src/risk/risk-config.ts';
import { RiskEngine } from '../src/risk/risk-engine.ts';
import { RiskState } from '../src/risk/risk-state.ts';
import { orderEvent } from '../tests/support/order-fixtures.ts';
import type { Figure } from './figure.ts';

const N = 1_000_000;
const WARMUP = 200_000;
const INSTRUMENTS = 64;
const STRATEGIES = 8;
const POOL = 8192;

/** xorshift32: a fixed workload without importing the run's RNG. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function run(emit: (fig: Figure) => void): Promise<void> {
  const rand = rng(7);
  const instruments = Array.from({ length: INSTRUMENTS }, (_, i) =>
    makeInstrument({ symbol: `S${i}`, venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' })
  );
  const clock = {
    t: 1_700_000_000_000_000_000n,
    now(): bigint {
      return this.t;
    }
  };
  const view = new RiskState(instruments, clock, () => 40_000_000);
  const cfg = riskEngineConfigSchema.parse({
    maxOrderQty: 5_000,
    maxNotional: 400_000,
    maxPosition: { perSymbol: 20_000, total: 600_000 },
    maxLeverage: 4,
    priceBandBps: 300,
    throttle: { perSymbolPerSec: 50, perStrategyPerSec: 200, burst: 40 }
  });
  let warnings = 0;
  const engine = new RiskEngine(cfg, instruments, () => void warnings++);
  const mids: number[] = [];
  for (let i = 0; i < INSTRUMENTS; i++) {
    const mid = 2_000 + Math.floor(rand() * 30_000); // $20 … $320
    mids.push(mid);
    view.setMid(instruments[i]!.id, mid + (i % 2) * 0.5);
    view.setPosition(instruments[i]!.id, Math.floor((rand() - 0.5) * 30_000));
  }
  // resting orders: each strategy quotes a few instruments on both sides
  let oid = 0;
  for (let s = 0; s < STRATEGIES; s++) {
    for (let k = 0; k < 6; k++) {
      const i = Math.floor(rand() * INSTRUMENTS);
      for (const side of ['buy', 'sell'] as const) {
        const px = mids[i]! + (side === 'buy' ? -1 : 1) * (5 + Math.floor(rand() * 50));
        view.onOrderEvent(
          orderEvent({
            clientOrderId: `r${oid++}`,
            strategyId: `strat${s}`,
            instrumentId: instruments[i]!.id,
            side,
            qty: 100,
            limitPx: px,
            leavesQty: 100
          })
        );
      }
    }
  }
  const pool: SubmitOrder[] = [];
  for (let k = 0; k < POOL; k++) {
    const i = Math.floor(rand() * INSTRUMENTS);
    const market = rand() < 0.3;
    const off = Math.round((rand() - 0.5) * 2 * 0.035 * mids[i]!); // ±3.5 %: some outside the 3 % band
    pool.push({
      type: 'order.submit',
      commandId: `c${k}`,
      tsInit: 0n,
      strategyId: `strat${Math.floor(rand() * STRATEGIES)}`,
      instrumentId: instruments[i]!.id,
      clientOrderId: `o${k}`,
      side: rand() < 0.5 ? 'buy' : 'sell',
      orderType: market ? 'market' : 'limit',
      qty: 1 + Math.floor(rand() ** 3 * 6_000),
      ...(market ? {} : { limitPx: mids[i]! + off }),
      tif: 'day'
    });
  }

  // timer overhead: the same timed loop around nothing
  const base = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    base[k] = Number(t1 - t0);
  }
  base.sort();
  const overhead = percentile(base, 0.5);

  let passed = 0;
  for (let k = 0; k < WARMUP; k++) {
    clock.t += 1_000_000n;
    if (engine.check(pool[k % POOL]!, view).ok) passed++;
  }
  const lat = new Float64Array(N);
  passed = 0;
  for (let k = 0; k < N; k++) {
    clock.t += 1_000_000n;
    const cmd = pool[k % POOL]!;
    const t0 = process.hrtime.bigint();
    const d = engine.check(cmd, view);
    const t1 = process.hrtime.bigint();
    lat[k] = Number(t1 - t0);
    if (d.ok) passed++;
  }
  lat.sort();

  // batch mean: no per-call timer
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < N; k++) {
    clock.t += 1_000_000n;
    engine.check(pool[k % POOL]!, view);
  }
  const mean = Number(process.hrtime.bigint() - t0) / N;

  const fig = (c: string, value: number, unit = 'ns'): void =>
    emit({ suite: 'risk', case: c, impl: 'tradestate', value: Math.round(value * 10) / 10, unit });
  fig('pretrade-p50', Math.max(0, percentile(lat, 0.5) - overhead));
  fig('pretrade-p99', Math.max(0, percentile(lat, 0.99) - overhead));
  fig('pretrade-p999', Math.max(0, percentile(lat, 0.999) - overhead));
  fig('pretrade-mean', mean);
  fig('timer-overhead-p50', overhead);
  fig('pass-rate', (100 * passed) / N, '%');
  if (warnings === 0) throw new Error('workload raised no warnings: not exercising the warning path');
}
