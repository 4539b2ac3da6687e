import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import type { Strategy, StrategyAction, StrategyView } from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';

const A = 'AAA@SIM';

/** Enters long with a bracket `bps` wide on each side at its first AAA bar; then waits. */
function bracketOnce(bps: number, exitsOn?: 'fill'): Strategy & { readonly events: OrderEvent[] } {
  let sent = false;
  const events: OrderEvent[] = [];
  return {
    id: 'br',
    events,
    onBar(bar: Bar, _view: StrategyView): readonly StrategyAction[] {
      if (sent || bar.instrumentId !== A) return [];
      sent = true;
      const d = Math.round((bar.close * bps) / 10_000);
      return [
        {
          kind: 'bracket',
          entry: { instrumentId: A, side: 'buy', qty: 10, orderType: 'market', tif: 'day' },
          stopLossPx: bar.close - d,
          takeProfitPx: bar.close + d,
          reason: 'enter',
          ...(exitsOn ? { exitsOn } : {})
        }
      ];
    },
    onOrderEvent(e: OrderEvent): readonly StrategyAction[] {
      events.push(e);
      return [];
    },
    snapshot: () => ({ sent })
  };
}

async function run(bps: number, maxParticipation?: number, exitsOn?: 'fill') {
  const strategy = bracketOnce(bps, exitsOn);
  const config =
    maxParticipation === undefined
      ? smallConfig()
      : smallConfig({
          execution: { commission: { bps: 1 }, slippage: { bps: 2 }, liquidity: { maxParticipation } }
        });
  const r = await runBacktest({ config, configFile: 't.yaml', strategy });
  return { strategy, r, recs: (r.log as MemoryEventLog).records as LogRecord[] };
}

describe('bracket orders in a bar backtest (execution emulator with native OCO)', () => {
  it('the entry fills, both exits go out in one OCO group, one fills and the venue cancels the other', async () => {
    const { strategy, r, recs } = await run(50);
    const submits = recs
      .filter((x) => x.type === 'order.submit')
      .map((x) => x.payload as Record<string, unknown>);
    expect(submits.map((c) => [c.clientOrderId, c.orderType, c.side, c.qty, c.ocoGroup, c.ocoMode])).toEqual([
      ['br-1', 'market', 'buy', 10, undefined, undefined],
      ['br-2', 'stop', 'sell', 10, 'br-1', 'reduce'],
      ['br-3', 'limit', 'sell', 10, 'br-1', 'reduce']
    ]);
    const done = strategy.events.filter((e) => e.type === 'order.filled' && e.to === 'FILLED');
    expect(done.map((e) => e.clientOrderId).slice(0, 1)).toEqual(['br-1']);
    expect(done).toHaveLength(2); // the entry and exactly one exit
    const winner = done[1]!.clientOrderId;
    const loser = winner === 'br-2' ? 'br-3' : 'br-2';
    const canceled = strategy.events.filter((e) => e.type === 'order.canceled');
    expect(canceled.map((e) => [e.clientOrderId, e.reason])).toEqual([[loser, `OCO: ${winner} filled`]]);
    // the venue canceled it: the strategy asked for nothing, and nothing was refused
    expect(recs.filter((x) => x.type === 'order.cancel' || x.type === 'order.refused')).toEqual([]);
    expect(r.portfolio.position(A)?.qty ?? 0).toBe(0);
    // the exit filled at or beyond its price (a stop may gap through)
    const exit = done[1]!;
    const px = exit.notionalTicks / exit.filledQty;
    const entryPx = done[0]!.notionalTicks / 10;
    if (winner === 'br-3') expect(px).toBeGreaterThan(entryPx);
    else expect(px).toBeLessThan(entryPx);
  });

  it('exits filling in parts shrink each other (restated by the venue), so together they sell exactly the 10 bought', async () => {
    const { strategy, r, recs } = await run(50, 0.0004);
    const exits = strategy.events.filter((e) => e.clientOrderId !== 'br-1');
    const restated = exits.filter((e) => e.type === 'order.restated');
    expect(restated.length).toBeGreaterThan(0);
    for (const e of restated) {
      expect([e.actor, e.from, e.to]).toEqual(['venue', e.from, e.from]);
      expect(e.reason).toMatch(/^OUO: br-[23] filled \d+$/);
    }
    // the exits never sell more than was bought, and each restated exit covers exactly what is still held
    let sold = 0;
    for (const e of exits) {
      sold += e.type === 'order.filled' ? (e.lastQty ?? 0) : 0;
      expect(sold).toBeLessThanOrEqual(10);
      if (e.type === 'order.restated') expect(sold + e.leavesQty).toBe(10);
    }
    expect(sold).toBe(10 - (r.portfolio.position(A)?.qty ?? 0));
    expect(sold).toBeGreaterThan(0);
    expect(recs.filter((x) => x.type === 'order.refused')).toEqual([]);
  });

  it("exitsOn 'fill': an entry filling in parts is protected from its first fill, a pair of exits per fill", async () => {
    const { strategy, recs } = await run(50, 0.0004, 'fill');
    const entryFills = strategy.events.filter((e) => e.clientOrderId === 'br-1' && e.type === 'order.filled');
    expect(entryFills.length).toBeGreaterThan(1); // it filled in parts
    const exits = recs
      .filter((x) => x.type === 'order.submit')
      .map((x) => x.payload as { clientOrderId: string; qty: number; ocoGroup?: string; orderType: string })
      .slice(1);
    // a stop-loss and a take-profit for each fill, for that fill's lots, in a group of their own
    let before = 0;
    expect(exits.length).toBe(2 * entryFills.length);
    entryFills.forEach((f, i) => {
      const group = i === 0 ? 'br-1' : `br-1+${before}`;
      expect(exits.slice(2 * i, 2 * i + 2).map((x) => [x.orderType, x.qty, x.ocoGroup])).toEqual([
        ['stop', f.lastQty, group],
        ['limit', f.lastQty, group]
      ]);
      before += f.lastQty ?? 0;
    });
    // the exits never sell more than the entry has bought
    let bought = 0;
    let sold = 0;
    for (const e of strategy.events) {
      if (e.type === 'order.filled') {
        if (e.clientOrderId === 'br-1') bought += e.lastQty ?? 0;
        else sold += e.lastQty ?? 0;
      }
      expect(sold).toBeLessThanOrEqual(bought);
    }
    expect(bought).toBe(10);
    expect(recs.filter((x) => x.type === 'order.refused' || x.type === 'order.replace')).toEqual([]);
  });

  it('the same config and seed give the same log, byte for byte', async () => {
    const a = await run(50);
    const b = await run(50);
    expect(JSON.stringify(a.recs, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(
      JSON.stringify(b.recs, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
    );
  });
});
