import type { DataSourceConfig } from '../config/schema.ts';
import { type Instrument, ticksFromFloat } from '../core/instrument.ts';
import { NS_PER_DAY, NS_PER_MIN, nsFromIso } from '../core/nanos.ts';
import { Rng } from '../core/rng.ts';
import type { BarSource } from '../data/bar-source.ts';
import type { Bar } from '../messages/market-data.ts';

type SyntheticConfig = Extract<DataSourceConfig, { kind: 'synthetic' }>;

const MINUTES_PER_YEAR = 252 * 390;

/**
 * A seeded synthetic market: 1-minute bars for regular weekday sessions, one series per symbol, with
 * volatility clustering (GARCH(1,1) on minute returns), occasional jumps, a mild common factor between
 * symbols, and intrabar high/low from a Brownian bridge. Same config + seed → the same bars, bit for bit.
 * Bars stream in batches of one session, in (tsEvent, instrumentId) order, so memory stays flat.
 */
export async function* syntheticBars(
  cfg: SyntheticConfig,
  instruments: readonly Instrument[],
  seed: number
): BarSource {
  const rng = new Rng(seed ^ 0x5eed);
  const sorted = [...instruments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const series = sorted.map((inst, i) => ({
    inst,
    rng: rng.fork(inst.id),
    price: cfg.startPrice * (1 + 0.1 * i),
    variance: (cfg.volatility * cfg.volatility) / MINUTES_PER_YEAR,
    beta: 0.3 + 0.1 * (i % 3)
  }));
  const common = rng.fork('market');
  const longRunVar = (cfg.volatility * cfg.volatility) / MINUTES_PER_YEAR;
  const [oh, om] = cfg.sessionOpenUtc.split(':').map(Number) as [number, number];
  const [ch, cm] = cfg.sessionCloseUtc.split(':').map(Number) as [number, number];
  const minutes = ch * 60 + cm - (oh * 60 + om);
  let day = nsFromIso(`${cfg.start}T00:00:00Z`);
  let sessions = 0;
  while (sessions < cfg.sessions) {
    const weekday = new Date(Number(day / 1_000_000n)).getUTCDay();
    if (weekday !== 0 && weekday !== 6) {
      const open = day + BigInt(oh * 60 + om) * NS_PER_MIN;
      const batch: Bar[] = [];
      for (let m = 0; m < minutes; m++) {
        const tsOpen = open + BigInt(m) * NS_PER_MIN;
        const tsEvent = tsOpen + NS_PER_MIN;
        const z0 = common.gaussian();
        for (const s of series) {
          // GARCH(1,1): σ²ₜ = ω + α r²ₜ₋₁ + β σ²ₜ₋₁
          const z = s.beta * z0 + Math.sqrt(1 - s.beta * s.beta) * s.rng.gaussian();
          let r = Math.sqrt(s.variance) * z;
          if (s.rng.next() < cfg.jumpProbability) r += cfg.jumpSize * s.rng.gaussian();
          s.variance = 0.05 * longRunVar + 0.1 * r * r + 0.85 * s.variance;
          const o = s.price;
          const c = Math.max(o * Math.exp(r), 0.01);
          const spread = Math.abs(Math.log(c / o)) + Math.sqrt(s.variance) * Math.abs(s.rng.gaussian()) * 0.5;
          const hi = Math.max(o, c) * Math.exp(spread * s.rng.next() * 0.5);
          const lo = Math.min(o, c) * Math.exp(-spread * s.rng.next() * 0.5);
          s.price = c;
          const open_ = ticksFromFloat(s.inst, o);
          const close = ticksFromFloat(s.inst, c);
          batch.push({
            type: 'market.bar',
            instrumentId: s.inst.id,
            tsOpen,
            tsEvent,
            tsInit: tsEvent,
            open: open_,
            high: Math.max(ticksFromFloat(s.inst, hi), open_, close),
            low: Math.max(1, Math.min(ticksFromFloat(s.inst, lo), open_, close)),
            close,
            volume: 100 + Math.floor(s.rng.next() * 5000)
          });
        }
      }
      yield batch;
      sessions++;
    }
    day += NS_PER_DAY;
  }
}
