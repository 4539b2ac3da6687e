import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { moneyFromNumber } from '../../src/core/instrument.ts';
import { RISK_VALIDATORS } from '../../src/risk/risk-config.ts';
import { RiskEngine } from '../../src/risk/risk-engine.ts';
import { worstCaseExposure } from '../../src/risk/risk-view.ts';
import { cfg, FakeView, instruments, order } from './risk-fixtures.ts';

const instId = fc.constantFrom('X@SIM', 'Y@SIM');
const step = fc.record({
  instrumentId: instId,
  strategyId: fc.constantFrom('s1', 's2'),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  orderType: fc.constantFrom('limit' as const, 'market' as const),
  qty: fc.integer({ min: 1, max: 500 }),
  limitPx: fc.integer({ min: 9_500, max: 10_500 }),
  pos: fc.integer({ min: -3_000, max: 3_000 }),
  buy: fc.integer({ min: 0, max: 1_000 }),
  sell: fc.integer({ min: 0, max: 1_000 }),
  otherGross: fc.integer({ min: 0, max: 4_000 }),
  /** The other instrument's share of the gross notional (currency), and the account's equity. */
  otherNotional: fc.integer({ min: 0, max: 400_000 }),
  equity: fc.option(fc.integer({ min: -10_000, max: 500_000 })),
  mid: fc.option(fc.integer({ min: 19_000, max: 21_000 }).map((m2) => m2 / 2)),
  ownBid: fc.option(fc.integer({ min: 9_500, max: 10_500 })),
  ownAsk: fc.option(fc.integer({ min: 9_500, max: 10_500 })),
  state: fc.constantFrom(
    'ACTIVE' as const,
    'ACTIVE' as const,
    'ACTIVE' as const,
    'REDUCING' as const,
    'HALTED' as const
  ),
  dtMs: fc.integer({ min: 0, max: 400 })
});
const limits = fc.record({
  maxOrderQty: fc.integer({ min: 1, max: 1_000 }),
  maxNotional: fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100),
  perSymbol: fc.integer({ min: 1, max: 10_000 }),
  total: fc.integer({ min: 1, max: 20_000 }),
  priceBandBps: fc.integer({ min: 1, max: 2_000 }),
  rate: fc.integer({ min: 1, max: 20 }),
  burst: fc.integer({ min: 1, max: 10 }),
  maxLeverage: fc.integer({ min: 1, max: 40 }).map((x) => x / 4),
  order: fc.shuffledSubarray([...RISK_VALIDATORS], {
    minLength: RISK_VALIDATORS.length,
    maxLength: RISK_VALIDATORS.length
  })
});

describe('RiskEngine: a passing order never breaches a limit (fast-check)', () => {
  it('holds for random limits, views, orders and times, in any validator order', () => {
    let passed = 0;
    let leverageRejected = 0;
    fc.assert(
      fc.property(limits, fc.array(step, { minLength: 1, maxLength: 60 }), (l, steps) => {
        const engine = new RiskEngine(
          cfg({
            order: l.order,
            maxOrderQty: l.maxOrderQty,
            maxNotional: l.maxNotional,
            maxPosition: { perSymbol: l.perSymbol, total: l.total },
            maxLeverage: l.maxLeverage,
            priceBandBps: l.priceBandBps,
            throttle: { perSymbolPerSec: l.rate, burst: l.burst }
          }),
          instruments
        );
        const view = new FakeView();
        const passes: Record<string, bigint[]> = { 'X@SIM': [], 'Y@SIM': [] };
        const maxMoney = moneyFromNumber(l.maxNotional);
        for (const s of steps) {
          view.t += BigInt(s.dtMs) * 1_000_000n;
          view.state = s.state;
          Object.assign(view.of(s.instrumentId), {
            pos: s.pos,
            buy: s.buy,
            sell: s.sell,
            mid: s.mid ?? undefined,
            ownBid: s.ownBid ?? undefined,
            ownAsk: s.ownAsk ?? undefined
          });
          const before = worstCaseExposure(s.pos, s.buy, s.sell);
          view.gross = s.otherGross + before;
          // X and Y: one tick × one lot is 0.01 currency
          const mine = s.mid === null ? 0 : before * s.mid * 0.01;
          view.notional = s.otherNotional + mine;
          view.equityValue = s.equity ?? undefined;
          const cmd = order({
            instrumentId: s.instrumentId,
            strategyId: s.strategyId,
            side: s.side,
            orderType: s.orderType,
            qty: s.qty,
            limitPx: s.orderType === 'limit' ? s.limitPx : undefined
          });
          if (!engine.check(cmd, view).ok) continue;
          passes[s.instrumentId]!.push(view.t);
          passed++;
          const sign = s.side === 'buy' ? 1 : -1;
          // trading state
          expect(s.state).not.toBe('HALTED');
          if (s.state === 'REDUCING') {
            expect(Math.sign(s.pos)).toBe(-sign);
            expect(
              Math.abs(s.pos + sign * (s.side === 'buy' ? s.buy : s.sell) + sign * s.qty)
            ).toBeLessThanOrEqual(Math.abs(s.pos));
          }
          // size and exact notional
          expect(s.qty).toBeLessThanOrEqual(l.maxOrderQty);
          const px2 = s.orderType === 'limit' ? 2 * s.limitPx : 2 * s.mid!;
          expect(BigInt(px2) * BigInt(s.qty) * instruments[0]!.tickLotValue).toBeLessThanOrEqual(
            2n * maxMoney
          );
          // position: worst case after the order, per symbol and gross
          const after = worstCaseExposure(
            s.pos,
            s.buy + (s.side === 'buy' ? s.qty : 0),
            s.sell + (s.side === 'sell' ? s.qty : 0)
          );
          if (after > before) {
            expect(after).toBeLessThanOrEqual(l.perSymbol);
            expect(s.otherGross + after).toBeLessThanOrEqual(l.total);
            // leverage: gross notional with this instrument at the order's price, within maxLeverage × equity
            expect(s.equity).toBeGreaterThan(0);
            expect(s.otherNotional + after * (px2 / 2) * 0.01).toBeLessThanOrEqual(
              l.maxLeverage * s.equity! * (1 + 1e-12)
            );
          }
          if (s.orderType === 'limit') {
            // band (a mid exists, or the check rejected)
            expect(Math.abs(s.limitPx - s.mid!) * 10_000).toBeLessThanOrEqual(l.priceBandBps * s.mid!);
            // self-trade
            if (s.strategyId === 's1' && s.side === 'buy' && s.ownAsk !== null)
              expect(s.limitPx).toBeLessThan(s.ownAsk);
            if (s.strategyId === 's1' && s.side === 'sell' && s.ownBid !== null)
              expect(s.limitPx).toBeGreaterThan(s.ownBid);
          } else if (s.strategyId === 's1') {
            expect(s.side === 'buy' ? s.ownAsk : s.ownBid).toBeNull();
          }
        }
        leverageRejected += engine.stats().byValidator.maxLeverage.rejected;
        // throttle: in any window of T ns, at most burst + rate·T passes per symbol
        for (const ts of Object.values(passes)) {
          for (let a = 0; a < ts.length; a++) {
            for (let b = a; b < ts.length; b++) {
              const span = Number(ts[b]! - ts[a]!) / 1e9;
              expect(b - a + 1).toBeLessThanOrEqual(l.burst + Math.floor(l.rate * span + 1e-9));
            }
          }
        }
      }),
      { numRuns: 500 }
    );
    // not vacuous: plenty of orders got through every validator
    expect(passed).toBeGreaterThan(150);
    expect(leverageRejected).toBeGreaterThan(50);
  });
});
