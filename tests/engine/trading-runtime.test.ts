import { describe, expect, it } from 'vitest';
import { instrumentsFor } from '../../src/engine/bar-sources.ts';
import { TradingRuntime } from '../../src/engine/trading-runtime.ts';
import { MemoryEventLog } from '../../src/log/event-log.ts';
import type { SubmitOrder } from '../../src/messages/commands.ts';
import type { ExecutionReport } from '../../src/messages/execution-report.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import type { OrderVenue } from '../../src/venue/venue.ts';
import { smallConfig } from '../support/run-config.ts';

const T0 = 1_709_562_660_000_000_000n;

/** Buys 2 lots at the market on its first bar. */
const buyTwo: Strategy = {
  id: 'b',
  onBar: (bar, view) =>
    view.openOrders().length > 0 || view.position(bar.instrumentId) !== 0
      ? []
      : [
          {
            instrumentId: bar.instrumentId,
            side: 'buy',
            qty: 2,
            orderType: 'market',
            tif: 'day',
            reason: 'x'
          }
        ],
  snapshot: () => ({})
};

describe('TradingRuntime', () => {
  it('a fill heard twice is refused and logged, but is no error toward the kill switch (a status query resends it)', () => {
    // the kill switch halts at the first error
    const config = smallConfig({ killSwitch: { errors: { max: 0, windowMs: 60_000 } } });
    const instruments = instrumentsFor(config);
    const clock = new SimulatedClock(T0);
    const sent: SubmitOrder[] = [];
    const venue: OrderVenue = {
      name: 'SIM',
      submit: (cmd) => void sent.push(cmd),
      cancel: () => {},
      replace: () => {},
      query: () => {},
      drain: () => []
    };
    const log = new MemoryEventLog();
    const rt = new TradingRuntime({
      config,
      instruments,
      clock,
      venue,
      strategy: buyTwo,
      log,
      start: T0
    });
    const inst = instruments[0]!;
    const bar: Bar = {
      type: 'market.bar',
      instrumentId: inst.id,
      tsOpen: T0 - 60_000_000_000n,
      tsEvent: T0,
      tsInit: T0,
      open: 10_000,
      high: 10_000,
      low: 10_000,
      close: 10_000,
      volume: 100
    };
    rt.mark(bar);
    rt.publish(bar);
    const cmd = sent[0]!;
    const report = (execType: 'accepted' | 'fill', execId: string): ExecutionReport => ({
      type: 'exec.report',
      execType,
      venue: 'SIM',
      instrumentId: inst.id,
      clientOrderId: cmd.clientOrderId,
      venueOrderId: 'v1',
      execId,
      side: cmd.side,
      lastQty: execType === 'fill' ? 1 : 0,
      lastPx: execType === 'fill' ? 10_000 : 0,
      cumQty: execType === 'fill' ? 1 : 0,
      leavesQty: execType === 'fill' ? 1 : 2,
      commission: 0n,
      liquidity: execType === 'fill' ? 'taker' : 'none',
      tsEvent: T0 + 1n,
      tsInit: T0 + 1n
    });
    rt.deliver(report('accepted', 'e1'));
    rt.deliver(report('fill', 'e2'));
    rt.deliver(report('fill', 'e2')); // a status query's answer: the latest report again (1 of 2 filled)
    const types = log.records.map((r) => r.type);
    expect(log.records.find((r) => r.type === 'order.refused')?.payload).toMatchObject({
      code: 'TRD_ERR_DUPLICATE_FILL'
    });
    expect(types).not.toContain('killswitch.tripped');
    expect(rt.portfolio.positions().find((p) => p.instrumentId === inst.id)?.qty).toBe(1);
    rt.stop();
  });
});
