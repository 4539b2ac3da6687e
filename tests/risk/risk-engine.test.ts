import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import type { SubmitOrder } from '../../src/messages/commands.ts';
import type { RiskValidatorName } from '../../src/risk/risk-config.ts';
import { RISK_PASS, RiskEngine, type RiskRejection } from '../../src/risk/risk-engine.ts';
import { cfg, FakeView, instruments, order } from './risk-fixtures.ts';

type Warning = [RiskValidatorName, string, number];

function setup(over: Parameters<typeof cfg>[0] = {}) {
  const warnings: Warning[] = [];
  const engine = new RiskEngine(cfg(over), instruments, (v, id, f) => void warnings.push([v, id, f]));
  return { engine, view: new FakeView(), warnings };
}

const rejected = (d: unknown): RiskRejection => {
  expect(d).toMatchObject({ ok: false });
  return d as RiskRejection;
};

describe('RiskEngine: maxOrderQty', () => {
  it('passes an order at the limit, rejects one lot above, and warns from 90 %', () => {
    const { engine, view, warnings } = setup({ order: ['maxOrderQty'], maxOrderQty: 100 });
    expect(engine.check(order({ qty: 89 }), view)).toBe(RISK_PASS);
    expect(warnings).toEqual([]);
    expect(engine.check(order({ qty: 90 }), view).ok).toBe(true);
    expect(warnings).toEqual([['maxOrderQty', 'X@SIM', 0.9]]);
    expect(engine.check(order({ qty: 100 }), view).ok).toBe(true);
    const d = rejected(engine.check(order({ qty: 101 }), view));
    expect(d).toMatchObject({ validator: 'maxOrderQty', code: ErrorCode.RISK_MAX_ORDER_QTY, value: 101 });
    expect(d.clientOrderId).toBe('o1');
  });
});

describe('RiskEngine: maxLeverage (buying power)', () => {
  // X: one tick-lot is $0.01, so 10_000 ticks ($100) × 10 lots = $1,000; the fake account's equity is $1,000,000
  it('a cash account (1×): gross worst-case notional up to equity passes, beyond it rejects; warns from 90 %', () => {
    const { engine, view, warnings } = setup({ order: ['maxLeverage'], maxLeverage: 1 });
    expect(engine.check(order({ qty: 8_999 }), view)).toBe(RISK_PASS);
    expect(warnings).toEqual([]);
    expect(engine.check(order({ qty: 10_000 }), view).ok).toBe(true);
    expect(warnings).toEqual([['maxLeverage', 'X@SIM', 1]]);
    const d = rejected(engine.check(order({ qty: 10_001 }), view));
    expect(d).toMatchObject({ validator: 'maxLeverage', code: ErrorCode.RISK_MAX_LEVERAGE, limit: 1 });
    expect(d.value).toBeCloseTo(1.0001, 12);
    expect(d.reason).toMatch(
      /gross notional 1000100\.00 would be 1\.00× equity 1000000\.00, above maxLeverage 1/
    );
  });

  it('counts the other instruments and this one’s working orders, valued at the mid; the order at its price', () => {
    const { engine, view } = setup({ order: ['maxLeverage'], maxLeverage: 2 });
    // $1.5M elsewhere; X long 2,000 with 1,000 more bid: worst case 3,000 lots at the $100 mid = $300k
    Object.assign(view.of('X@SIM'), { pos: 2_000, buy: 1_000 });
    view.notional = 1_500_000 + 300_000;
    // room for $200k more: 2,000 lots at $100, or fewer at a higher limit
    expect(engine.check(order({ qty: 2_000 }), view).ok).toBe(true);
    expect(engine.check(order({ qty: 2_001 }), view).ok).toBe(false);
    // the whole worst case is revalued at the order's price: 5,000 lots × $40 = $200k < $500k room
    expect(engine.check(order({ qty: 2_000, limitPx: 4_000 }), view).ok).toBe(true);
    // selling reduces the worst case: it passes however far over the limit the account is
    view.notional = 10_000_000;
    expect(engine.check(order({ side: 'sell', qty: 1_000 }), view).ok).toBe(true);
    expect(engine.check(order({ qty: 1 }), view).ok).toBe(false);
  });

  it('no equity, or none left, admits nothing that adds exposure; a market order needs a mid (whenNoMid)', () => {
    const { engine, view } = setup({ order: ['maxLeverage'], maxLeverage: 4 });
    view.equityValue = 0;
    expect(rejected(engine.check(order({ qty: 1 }), view)).value).toBe(Number.POSITIVE_INFINITY);
    view.equityValue = undefined;
    expect(engine.check(order({ qty: 1 }), view).ok).toBe(false);
    view.equityValue = 1_000_000;
    view.of('X@SIM').mid = undefined;
    const d = rejected(engine.check(order({ orderType: 'market', limitPx: undefined }), view));
    expect(d).toMatchObject({ validator: 'maxLeverage', code: ErrorCode.RISK_NO_REFERENCE_PRICE });
    const lenient = new RiskEngine(
      cfg({ order: ['maxLeverage'], maxLeverage: 1, whenNoMid: 'pass' }),
      instruments
    );
    expect(lenient.check(order({ orderType: 'market', limitPx: undefined }), view).ok).toBe(true);
    // off unless configured
    expect(
      new RiskEngine(cfg({ order: ['maxLeverage'] }), instruments).check(order({ qty: 1e9 }), view).ok
    ).toBe(true);
  });
});

describe('RiskEngine: maxNotional (exact)', () => {
  // X: 0.01 × 1 → one tick-lot is $0.01; 10_000 ticks ($100) × 10 lots = $1000
  it('compares ticks × lots × tick-lot value exactly: equal passes, one tick more rejects', () => {
    const { engine, view, warnings } = setup({ order: ['maxNotional'], maxNotional: 1000 });
    expect(engine.check(order({ limitPx: 10_000, qty: 10 }), view).ok).toBe(true);
    expect(warnings.map((w) => w[0])).toEqual(['maxNotional']);
    const d = rejected(engine.check(order({ limitPx: 10_001, qty: 10 }), view));
    expect(d).toMatchObject({ validator: 'maxNotional', code: ErrorCode.RISK_MAX_NOTIONAL });
    expect(d.value).toBe(100_010_000_000); // $1000.10 in 1e-8 units
  });

  it('prices a market order at the mid (half ticks exact) and follows whenNoMid without one', () => {
    const { engine, view } = setup({ order: ['maxNotional'], maxNotional: 1000.05 });
    view.of('X@SIM').mid = 10_000.5; // $100.005 × 10 = $1000.05: at the limit
    expect(engine.check(order({ orderType: 'market', limitPx: undefined, qty: 10 }), view).ok).toBe(true);
    view.of('X@SIM').mid = 10_001;
    expect(engine.check(order({ orderType: 'market', limitPx: undefined, qty: 10 }), view).ok).toBe(false);
    view.of('X@SIM').mid = undefined;
    const d = rejected(engine.check(order({ orderType: 'market', limitPx: undefined }), view));
    expect(d.code).toBe(ErrorCode.RISK_NO_REFERENCE_PRICE);
    const lenient = new RiskEngine(
      cfg({ order: ['maxNotional'], maxNotional: 1, whenNoMid: 'pass' }),
      instruments
    );
    expect(lenient.check(order({ orderType: 'market', limitPx: undefined }), view).ok).toBe(true);
  });

  it('stays exact beyond 2^53 tick-lots (bigint fallback)', () => {
    // tick 0.01 × lot 0.00001 → one tick-lot is 1e-7 USD; 1e9 ticks × 1e9 lots = 1e18 tick-lots = $1e11
    const btc = makeInstrument({
      symbol: 'BTC',
      venue: 'SIM',
      tickSize: '0.01',
      lotSize: '0.00001',
      currency: 'USD'
    });
    const engine = new RiskEngine(cfg({ order: ['maxNotional'], maxNotional: 1e11 }), [btc]);
    const view = new FakeView();
    const big = order({ instrumentId: 'BTC@SIM', limitPx: 1_000_000_000, qty: 1_000_000_000 });
    expect(engine.check(big, view).ok).toBe(true);
    expect(engine.check({ ...big, qty: 1_000_000_001 }, view).ok).toBe(false);
    expect(engine.check({ ...big, limitPx: 1_000_000_001 }, view).ok).toBe(false);
  });

  it('prices a stop order at its stop price', () => {
    const { engine, view } = setup({ order: ['maxNotional'], maxNotional: 1000 });
    const stop = order({ orderType: 'stop', limitPx: undefined, stopPx: 10_001, qty: 10 });
    expect(rejected(engine.check(stop, view)).validator).toBe('maxNotional');
    expect(engine.check({ ...stop, stopPx: 10_000 }, view).ok).toBe(true);
  });

  it('prices an order at the highest it may trade at: a marketable sell limit or buy stop at the mid', () => {
    // mid $100: 10 lots at the mid is $1000, the limit
    const { engine, view } = setup({ order: ['maxNotional'], maxNotional: 999 });
    view.of('X@SIM').mid = 10_000;
    const at = (over: Partial<SubmitOrder>) => engine.check(order({ qty: 10, ...over }), view).ok;
    // a sell limit a cent below the market trades at the market, and so does a buy stop below it: $1000
    expect(at({ side: 'sell', limitPx: 1 })).toBe(false);
    expect(at({ orderType: 'stop', limitPx: undefined, stopPx: 1 })).toBe(false);
    expect(at({ side: 'sell', orderType: 'stop_limit', stopPx: 1, limitPx: 1 })).toBe(false);
    // a buy limit never pays above its limit, and a sell stop triggers at or below its stop: priced at those
    expect(at({ limitPx: 9_990 })).toBe(true);
    expect(at({ orderType: 'stop_limit', stopPx: 1, limitPx: 9_990 })).toBe(true);
    expect(at({ side: 'sell', orderType: 'stop', limitPx: undefined, stopPx: 9_990 })).toBe(true);
    // resting beyond the market, a sell limit and a buy stop are priced at their own, higher, price
    expect(at({ side: 'sell', limitPx: 9_990 })).toBe(false);
    view.of('X@SIM').mid = 9_000;
    expect(at({ side: 'sell', limitPx: 9_990 })).toBe(true);
    expect(at({ orderType: 'stop', limitPx: undefined, stopPx: 9_990 })).toBe(true);
    // with no mid, their own price
    view.of('X@SIM').mid = undefined;
    expect(at({ side: 'sell', limitPx: 1 })).toBe(true);
  });
});

describe('RiskEngine: maxPosition', () => {
  it('uses the worst case including working orders on the order side', () => {
    const { engine, view, warnings } = setup({ order: ['maxPosition'], maxPosition: 100 });
    Object.assign(view.of('X@SIM'), { pos: 50, buy: 30, sell: 20 });
    // buy: 50 + 30 + 20 = 100 → at the limit (and ≥ 90 % → warning)
    expect(engine.check(order({ qty: 20 }), view).ok).toBe(true);
    expect(warnings).toEqual([['maxPosition', 'X@SIM', 1]]);
    const d = rejected(engine.check(order({ qty: 21 }), view));
    expect(d).toMatchObject({ validator: 'maxPosition', code: ErrorCode.RISK_MAX_POSITION, value: 101 });
  });

  it('never blocks an order that does not add worst-case exposure', () => {
    const { engine, view } = setup({ order: ['maxPosition'], maxPosition: 100 });
    Object.assign(view.of('X@SIM'), { pos: 500, buy: 0, sell: 0 }); // already breached
    expect(engine.check(order({ side: 'sell', qty: 100 }), view).ok).toBe(true);
    expect(engine.check(order({ side: 'buy', qty: 1 }), view).ok).toBe(false);
    // buying while the short side is the worse one keeps the worst case where it is
    Object.assign(view.of('X@SIM'), { pos: 0, buy: 0, sell: 300 });
    expect(engine.check(order({ side: 'buy', qty: 300 }), view).ok).toBe(true);
    expect(engine.check(order({ side: 'buy', qty: 301 }), view).ok).toBe(false);
  });

  it('limits the gross total across symbols', () => {
    const { engine, view, warnings } = setup({
      order: ['maxPosition'],
      maxPosition: { perSymbol: 1000, total: 1000 }
    });
    view.gross = 900; // e.g. Y is 900 long
    expect(engine.check(order({ qty: 100 }), view).ok).toBe(true);
    expect(warnings.at(-1)).toEqual(['maxPosition', 'X@SIM', 1]);
    const d = rejected(engine.check(order({ qty: 101 }), view));
    expect(d.reason).toMatch(/gross/);
    expect([d.value, d.limit]).toEqual([1001, 1000]);
  });
});

describe('RiskEngine: priceBand', () => {
  it('rejects limits outside ±N bps of the mid, warns near the edge, ignores market orders', () => {
    const { engine, view, warnings } = setup({ order: ['priceBand'], priceBandBps: 100 });
    view.of('X@SIM').mid = 10_000; // band ±100 ticks
    expect(engine.check(order({ limitPx: 10_089 }), view).ok).toBe(true);
    expect(warnings).toEqual([]);
    expect(engine.check(order({ limitPx: 9_900 }), view).ok).toBe(true);
    expect(warnings).toEqual([['priceBand', 'X@SIM', 1]]);
    const d = rejected(engine.check(order({ side: 'sell', limitPx: 10_101 }), view));
    expect(d).toMatchObject({ validator: 'priceBand', code: ErrorCode.RISK_PRICE_BAND, limit: 100 });
    expect(engine.check(order({ limitPx: 9_899 }), view).ok).toBe(false);
    expect(engine.check(order({ orderType: 'market', limitPx: undefined }), view).ok).toBe(true);
  });

  it('with no mid: rejects limits by default, passes them with whenNoMid: pass', () => {
    const strict = setup({ order: ['priceBand'], priceBandBps: 100 });
    strict.view.of('X@SIM').mid = undefined;
    expect(rejected(strict.engine.check(order(), strict.view)).code).toBe(ErrorCode.RISK_NO_REFERENCE_PRICE);
    const lenient = setup({ order: ['priceBand'], priceBandBps: 100, whenNoMid: 'pass' });
    lenient.view.of('X@SIM').mid = undefined;
    expect(lenient.engine.check(order(), lenient.view).ok).toBe(true);
  });
});

describe('RiskEngine: selfTrade', () => {
  it('rejects a buy at or above its own resting sell, and a sell at or below its own resting buy', () => {
    const { engine, view } = setup({ order: ['selfTrade'] });
    Object.assign(view.of('X@SIM'), { ownAsk: 10_010, ownBid: 9_990 });
    expect(engine.check(order({ side: 'buy', limitPx: 10_009 }), view).ok).toBe(true);
    const d = rejected(engine.check(order({ side: 'buy', limitPx: 10_010 }), view));
    expect(d).toMatchObject({ validator: 'selfTrade', code: ErrorCode.RISK_SELF_TRADE, limit: 10_010 });
    expect(engine.check(order({ side: 'sell', limitPx: 9_991 }), view).ok).toBe(true);
    expect(engine.check(order({ side: 'sell', limitPx: 9_990 }), view).ok).toBe(false);
    // market orders cross whatever rests on the other side
    expect(engine.check(order({ side: 'buy', orderType: 'market', limitPx: undefined }), view).ok).toBe(
      false
    );
    // another strategy, or another instrument, is not a self-trade
    expect(engine.check(order({ strategyId: 's2', limitPx: 10_050 }), view).ok).toBe(true);
    expect(engine.check(order({ instrumentId: 'Y@SIM', limitPx: 10_050 }), view).ok).toBe(true);
  });

  it('is off with selfTrade: false', () => {
    const { engine, view } = setup({ order: ['selfTrade'], selfTrade: false });
    view.of('X@SIM').ownAsk = 9_000;
    expect(engine.check(order(), view).ok).toBe(true);
  });
});

describe('RiskEngine: throttle (token buckets on the view clock)', () => {
  it('admits a burst, then one order per refill period per symbol', () => {
    const { engine, view } = setup({ order: ['throttle'], throttle: { perSymbolPerSec: 10, burst: 3 } });
    for (let i = 0; i < 3; i++) expect(engine.check(order(), view).ok).toBe(true);
    const d = rejected(engine.check(order(), view));
    expect(d).toMatchObject({ validator: 'throttle', code: ErrorCode.RISK_THROTTLED });
    // another symbol has its own bucket
    expect(engine.check(order({ instrumentId: 'Y@SIM' }), view).ok).toBe(true);
    view.t += 99_999_999n; // just under 100 ms: not yet a whole token
    expect(engine.check(order(), view).ok).toBe(false);
    view.t += 1n;
    expect(engine.check(order(), view).ok).toBe(true);
    expect(engine.check(order(), view).ok).toBe(false);
  });

  it('limits each strategy across symbols and warns as the bucket empties', () => {
    const { engine, view, warnings } = setup({
      order: ['throttle'],
      throttle: { perStrategyPerSec: 1, burst: 10 }
    });
    for (let i = 0; i < 10; i++) {
      expect(engine.check(order({ instrumentId: i % 2 ? 'X@SIM' : 'Y@SIM' }), view).ok).toBe(true);
    }
    // the 9th and 10th orders used 90 % and 100 % of the bucket
    expect(warnings.map((w) => w[2])).toEqual([0.9, 1]);
    expect(rejected(engine.check(order(), view)).reason).toMatch(/strategy s1/);
    expect(engine.check(order({ strategyId: 's2' }), view).ok).toBe(true);
  });

  it('takes no token for an order another validator rejects', () => {
    const { engine, view } = setup({
      order: ['throttle', 'maxOrderQty'],
      maxOrderQty: 5,
      throttle: { perSymbolPerSec: 1, burst: 1 }
    });
    expect(engine.check(order({ qty: 6 }), view).ok).toBe(false);
    expect(engine.check(order({ qty: 5 }), view).ok).toBe(true);
    expect(rejected(engine.check(order({ qty: 5 }), view)).validator).toBe('throttle');
  });
});

describe('RiskEngine: tradingState', () => {
  it('HALTED rejects everything, even reducing orders', () => {
    const { engine, view } = setup({ order: ['tradingState'] });
    view.state = 'HALTED';
    view.of('X@SIM').pos = 100;
    const d = rejected(engine.check(order({ side: 'sell', qty: 10 }), view));
    expect(d).toMatchObject({ validator: 'tradingState', code: ErrorCode.RISK_TRADING_HALTED });
  });

  it('REDUCING admits only orders that reduce the absolute position without crossing zero', () => {
    const { engine, view } = setup({ order: ['tradingState'] });
    view.state = 'REDUCING';
    Object.assign(view.of('X@SIM'), { pos: 100, sell: 30 });
    expect(engine.check(order({ side: 'sell', qty: 70 }), view).ok).toBe(true);
    expect(rejected(engine.check(order({ side: 'sell', qty: 71 }), view)).code).toBe(
      ErrorCode.RISK_TRADING_REDUCING
    );
    expect(engine.check(order({ side: 'buy', qty: 1 }), view).ok).toBe(false);
    Object.assign(view.of('X@SIM'), { pos: -50, buy: 0, sell: 0 });
    expect(engine.check(order({ side: 'buy', qty: 50 }), view).ok).toBe(true);
    expect(engine.check(order({ side: 'sell', qty: 1 }), view).ok).toBe(false);
    Object.assign(view.of('X@SIM'), { pos: 0 });
    expect(engine.check(order({ side: 'buy', qty: 1 }), view).ok).toBe(false);
  });
});

describe('RiskEngine: composition', () => {
  const failsBoth = () => {
    const v = new FakeView();
    v.of('X@SIM').pos = 95;
    return v;
  };

  it('evaluates in the configured order and stops at the first failure', () => {
    const a = new RiskEngine(
      cfg({ order: ['maxOrderQty', 'maxPosition'], maxOrderQty: 5, maxPosition: 100 }),
      instruments
    );
    const b = new RiskEngine(
      cfg({ order: ['maxPosition', 'maxOrderQty'], maxOrderQty: 5, maxPosition: 100 }),
      instruments
    );
    expect(rejected(a.check(order({ qty: 10 }), failsBoth())).validator).toBe('maxOrderQty');
    expect(rejected(b.check(order({ qty: 10 }), failsBoth())).validator).toBe('maxPosition');
    // the validator after the failure never ran
    expect(a.stats().byValidator.maxPosition).toEqual({ passed: 0, rejected: 0 });
    expect(b.stats().byValidator.maxOrderQty).toEqual({ passed: 0, rejected: 0 });
  });

  it('does not read the view for a validator that is not configured', () => {
    const engine = new RiskEngine(cfg({ order: ['maxOrderQty'] }), instruments);
    const view = new FakeView();
    view.state = 'HALTED';
    expect(engine.check(order(), view).ok).toBe(true);
    expect(view.calls).toBe(0);
  });

  it('rejects an unknown instrument before any validator', () => {
    const { engine, view } = setup();
    const d = rejected(engine.check(order({ instrumentId: 'Z@SIM' }), view));
    expect(d).toMatchObject({ validator: 'instrument', code: ErrorCode.RISK_UNKNOWN_INSTRUMENT });
    expect(engine.instrumentIndex('Y@SIM')).toBe(1);
    expect(engine.instrumentIndex('Z@SIM')).toBe(-1);
  });

  it('counts every decision per validator', () => {
    const { engine, view } = setup({ maxOrderQty: 5 });
    engine.check(order({ qty: 1 }), view);
    engine.check(order({ qty: 6 }), view);
    const s = engine.stats();
    expect([s.checks, s.passed, s.rejected]).toEqual([2, 1, 1]);
    expect(s.byValidator.maxOrderQty).toEqual({ passed: 1, rejected: 1 });
    expect(s.byValidator.tradingState).toEqual({ passed: 2, rejected: 0 });
    expect(s.byValidator.throttle).toEqual({ passed: 1, rejected: 0 });
  });

  it('raises warnings only for orders that pass', () => {
    const { engine, view, warnings } = setup({
      order: ['maxOrderQty', 'priceBand'],
      maxOrderQty: 10,
      priceBandBps: 1
    });
    expect(engine.check(order({ qty: 10, limitPx: 20_000 }), view).ok).toBe(false);
    expect(warnings).toEqual([]);
    expect(engine.stats().warnings).toBe(0);
  });
});
