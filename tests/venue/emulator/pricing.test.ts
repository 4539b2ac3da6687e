import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../../src/core/errors.ts';
import { MONEY_ONE, makeInstrument, moneyFromDecimal } from '../../../src/core/instrument.ts';
import { emulatorConfigSchema, parseEmulatorConfig } from '../../../src/venue/emulator/emulator-config.ts';
import {
  adverse,
  chargeFill,
  commissionOf,
  commissionSchedule,
  impactTicks,
  isqrt,
  participationCap,
  slippageTicks
} from '../../../src/venue/emulator/pricing.ts';
import { inst } from './support.ts';

describe('emulator config', () => {
  it('defaults reproduce the bar venue: bar fills, zero latency, no slippage or impact, participation 1', () => {
    expect(parseEmulatorConfig({})).toEqual({
      name: 'SIM',
      fillModel: 'bar',
      dayOrders: 'utc-day',
      latency: { networkMs: 0, ackMs: 0, fillMs: 0, jitterMs: 0 },
      slippageBps: 0,
      commission: { bps: 1, minimum: 0 },
      liquidity: { maxParticipation: 1 },
      impact: { model: 'none', coefficient: 0 }
    });
    expect(emulatorConfigSchema.parse({ latency: { ackMs: 2 } }).latency).toEqual({
      networkMs: 0,
      ackMs: 2,
      fillMs: 0,
      jitterMs: 0
    });
  });

  it('bad values are TRD_ERR_CONFIG_INVALID naming the key path', () => {
    for (const [bad, path] of [
      [{ fillModel: 'l2' }, 'fillModel'],
      [{ liquidity: { maxParticipation: 0 } }, 'liquidity.maxParticipation'],
      [{ latency: { networkMs: -1 } }, 'latency.networkMs'],
      [{ impact: { model: 'sqrt', coef: 1 } }, 'impact'],
      [{ extra: 1 }, '']
    ] as const) {
      try {
        parseEmulatorConfig(bad);
        expect.unreachable();
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_CONFIG_INVALID')).toBe(true);
        expect((e as { context: { path: string } }).context.path).toBe(path);
      }
    }
  });
});

describe('pricing', () => {
  it('slippage rounds up to whole ticks: 10 bps of 100.00 is 10 ticks, 1 bps of 100.01 is 1 tick (0.010001 up)', () => {
    expect(slippageTicks(10_000, 10)).toBe(10);
    expect(slippageTicks(10_001, 1)).toBe(2); // 1.0001 ticks → 2
    expect(slippageTicks(10_000, 1)).toBe(1);
    expect(slippageTicks(10_000, 0)).toBe(0);
  });

  it('square-root impact: Δ = ⌈px × c/10⁴ × √(q/V)⌉ ticks, exact at perfect squares, rounded up otherwise', () => {
    const s = { model: 'sqrt' as const, coefficient: 50 };
    // 100.00 (10 000 ticks), 50 bps, q/V = 100/400 → √ = 0.5 → 10 000 × 0.005 × 0.5 = 25 ticks exactly
    expect(impactTicks(s, 10_000, 100, 400)).toBe(25);
    // q/V = 1/2: 10 000 × 0.005 × 0.70710678 = 35.355 → 36
    expect(impactTicks(s, 10_000, 100, 200)).toBe(36);
    // a configured reference volume overrides the data's
    expect(impactTicks({ ...s, referenceVolume: 10_000 }, 10_000, 100, 400)).toBe(5);
    expect(impactTicks(s, 10_000, 100, 0)).toBe(0);
  });

  it("Kyle's lambda: Δ = ⌈λ × q⌉ ticks", () => {
    expect(impactTicks({ model: 'kyle', coefficient: 0.02 }, 10_000, 150, 0)).toBe(3);
    expect(impactTicks({ model: 'kyle', coefficient: 0.02 }, 10_000, 151, 0)).toBe(4); // 3.02 → 4
    expect(impactTicks({ model: 'none', coefficient: 5 }, 10_000, 150, 0)).toBe(0);
  });

  it('adverse moves up for buys, down for sells, never below one tick', () => {
    expect(adverse(100, 3, true)).toBe(103);
    expect(adverse(100, 3, false)).toBe(97);
    expect(adverse(2, 5, false)).toBe(1);
  });

  it('commission: bps of notional rounded half-even, with a minimum', () => {
    const bps = (b: number, minimum = 0) => commissionSchedule({ bps: b, minimum });
    // 100.00 × 10 = 1000.00; 1 bps = 0.1 → 10 000 000 units
    expect(commissionOf(inst, 10_000, 10, bps(1))).toBe(MONEY_ONE / 10n);
    expect(commissionOf(inst, 10_000, 10, bps(1, 1))).toBe(MONEY_ONE);
    // 0.01 × 1 lot × 0.5 bps = 0.0000005 → 50 units exactly; 0.01 × 1 × 0.01 bps = 0.00000001 → 1 unit
    expect(commissionOf(inst, 1, 1, bps(0.5))).toBe(50n);
    expect(commissionOf(inst, 1, 1, bps(0.01))).toBe(1n);
  });

  it('commission per unit with a minimum and a cap: Interactive Brokers’ fixed US-stock schedule', () => {
    const ib = commissionSchedule({ bps: 0, perUnit: 0.005, minimum: 1, maximumBps: 100 });
    const usd = (x: string) => moneyFromDecimal(x);
    expect(commissionOf(inst, 5_000, 1_000, ib)).toBe(usd('5')); // 1,000 shares at $50: $0.005 × 1,000
    expect(commissionOf(inst, 5_000, 100, ib)).toBe(usd('1')); // $0.50 → the $1 minimum
    expect(commissionOf(inst, 50, 1_000, ib)).toBe(usd('5')); // 1,000 shares at $0.50: 1 % of $500 caps nothing
    expect(commissionOf(inst, 10, 1_000, ib)).toBe(usd('1')); // at $0.10: the cap, 1 % of $100, below the minimum
    expect(commissionOf(inst, 1, 50, ib)).toBe(usd('0.005')); // 1 % of $0.50: the cap wins over the minimum
    // fractional lots: 0.5 units a lot → $0.005 × 1.5 units, half-even to 10⁻⁸
    const half = makeInstrument({
      symbol: 'H',
      venue: 'SIM',
      tickSize: '0.01',
      lotSize: '0.5',
      currency: 'USD'
    });
    expect(commissionOf(half, 10_000, 3, commissionSchedule({ bps: 0, perUnit: 0.005, minimum: 0 }))).toBe(
      usd('0.0075')
    );
    // bps and per unit add up: 1 bps of $1,000 + $0.01 × 10
    expect(commissionOf(inst, 10_000, 10, commissionSchedule({ bps: 1, perUnit: 0.01, minimum: 0 }))).toBe(
      usd('0.2')
    );
  });

  it('the minimum and the cap are per order: a split order pays the minimum once, the cap on its whole notional', () => {
    const ib = commissionSchedule({ bps: 0, perUnit: 0.005, minimum: 1, maximumBps: 100 });
    const usd = (x: string) => moneyFromDecimal(x);
    const fees = { raw: 0n, notional: 0n, charged: 0n };
    const charge = (px: number, qty: number) => chargeFill(fees, inst, px, qty, ib);
    // 50 shares at $50, three times: the first pays the $1 minimum, the next two nothing ($0.75 raw so far)
    expect([charge(5_000, 50), charge(5_000, 50), charge(5_000, 50)]).toEqual([usd('1'), 0n, 0n]);
    // 100 more: $1.25 raw in all, so this fill pays the $0.25 above the minimum already charged
    expect(charge(5_000, 100)).toBe(usd('0.25'));
    expect(fees.charged).toBe(commissionOf(inst, 5_000, 250, ib));
    // a cheap stock at $0.001 a share: the cap (1 % of the notional so far) binds until it passes the minimum
    const tiny = commissionSchedule({ bps: 0, perUnit: 0.001, minimum: 1, maximumBps: 100 });
    const penny = { raw: 0n, notional: 0n, charged: 0n };
    const cheap = (qty: number) => chargeFill(penny, inst, 50, qty, tiny); // 100 shares at $0.50: $50
    expect([cheap(100), cheap(100), cheap(100)]).toEqual([usd('0.5'), usd('0.5'), 0n]);
  });

  it('property: however an order is split at one price, its fills add up to the one-piece commission', () => {
    const schedule = fc.record({
      bps: fc.integer({ min: 0, max: 50 }),
      perUnit: fc.constantFrom(0, 0.001, 0.005, 0.01),
      minimum: fc.constantFrom(0, 0.35, 1, 5),
      maximumBps: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined })
    });
    fc.assert(
      fc.property(
        schedule,
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 12 }),
        (s, px, parts) => {
          const c = commissionSchedule(s);
          const fees = { raw: 0n, notional: 0n, charged: 0n };
          let sum = 0n;
          for (const q of parts) {
            const fee = chargeFill(fees, inst, px, q, c);
            expect(fee).toBeGreaterThanOrEqual(0n);
            sum += fee;
          }
          const total = parts.reduce((a, b) => a + b, 0);
          // per-fill rounding of the raw fees may differ from rounding the whole by at most a unit per fill
          const whole = commissionOf(inst, px, total, c);
          const diff = sum > whole ? sum - whole : whole - sum;
          expect(diff).toBeLessThanOrEqual(BigInt(2 * parts.length));
          // without a minimum or a cap nothing is added up: each fill pays its own fee
          expect(fees.charged).toBe(s.minimum > 0 || s.maximumBps !== undefined ? sum : 0n);
        }
      )
    );
  });

  it('participation caps are exact floors; isqrt is exact', () => {
    expect(participationCap(100, 0.57)).toBe(57); // 0.57 × 100 is 56.99999… in floats
    expect(participationCap(999, 0.1)).toBe(99);
    expect(participationCap(5, 1)).toBe(5);
    expect(isqrt(10n ** 30n)).toBe(10n ** 15n);
    expect(isqrt(10n ** 30n - 1n)).toBe(10n ** 15n - 1n);
  });
});
