import { makeInstrument } from '../../../src/core/instrument.ts';
import type { Nanos } from '../../../src/core/nanos.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../../src/messages/commands.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import type { Bar, Quote, Trade } from '../../../src/messages/market-data.ts';
import {
  type EmulatorConfigInput,
  parseEmulatorConfig
} from '../../../src/venue/emulator/emulator-config.ts';
import { ExecutionEmulator } from '../../../src/venue/emulator/execution-emulator.venue.ts';
import type { L3Event } from '../../../src/venue/emulator/l3-event.ts';

export const inst = makeInstrument({
  symbol: 'X',
  venue: 'SIM',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
export const MS = 1_000_000n;
export const MIN = 60_000n * MS;
/** 2023-11-14T22:13:20Z: the day's 14:30 UTC is used as the session's morning. */
export const DAY0 = 1_699_920_000_000_000_000n;
export const T0 = DAY0 + 14n * 3_600_000n * MS;

export function emulator(cfg: EmulatorConfigInput = {}, seed = 1): ExecutionEmulator {
  return new ExecutionEmulator(parseEmulatorConfig(cfg), new Map([[inst.id, inst]]), new Rng(seed));
}

export function bar(i: number, o: number, h: number, l: number, c: number, volume = 1000): Bar {
  const tsOpen = T0 + BigInt(i) * MIN;
  return {
    type: 'market.bar',
    instrumentId: inst.id,
    tsOpen,
    tsEvent: tsOpen + MIN,
    tsInit: tsOpen + MIN,
    open: o,
    high: h,
    low: l,
    close: c,
    volume
  };
}

export function quote(ts: Nanos, bidPx: number, bidSz: number, askPx: number, askSz: number): Quote {
  return { type: 'market.quote', instrumentId: inst.id, tsEvent: ts, tsInit: ts, bidPx, bidSz, askPx, askSz };
}

export function trade(ts: Nanos, px: number, sz: number, aggressor: 'buy' | 'sell' | 'none' = 'none'): Trade {
  return {
    type: 'market.trade',
    instrumentId: inst.id,
    tsEvent: ts,
    tsInit: ts,
    px,
    sz,
    aggressor,
    tradeId: `t${ts}`
  };
}

export function l3(
  ts: Nanos,
  action: L3Event['action'],
  orderId: number,
  side: 'buy' | 'sell',
  px: number,
  sz: number
): L3Event {
  return { instrumentId: inst.id, ts, action, side, px, sz, orderId };
}

export function order(over: Partial<SubmitOrder> = {}): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: 'c',
    tsInit: T0,
    strategyId: 's',
    instrumentId: inst.id,
    clientOrderId: 'o1',
    side: 'buy',
    orderType: 'market',
    qty: 10,
    tif: 'gtc',
    ...over
  } as SubmitOrder;
}

export function cancel(clientOrderId: string, over: Partial<CancelOrder> = {}): CancelOrder {
  return {
    type: 'order.cancel',
    commandId: `${clientOrderId}:cancel`,
    tsInit: T0,
    strategyId: 's',
    instrumentId: inst.id,
    clientOrderId,
    ...over
  };
}

export function replace(
  clientOrderId: string,
  newClientOrderId: string,
  over: Partial<ReplaceOrder> = {}
): ReplaceOrder {
  return {
    type: 'order.replace',
    commandId: `${clientOrderId}:replace`,
    tsInit: T0,
    strategyId: 's',
    instrumentId: inst.id,
    clientOrderId,
    newClientOrderId,
    ...over
  };
}

/** Compact view of reports for assertions. */
export function brief(rs: readonly ExecutionReport[]): [string, string, number, number, number][] {
  return rs.map((r) => [r.clientOrderId, r.execType, r.lastPx, r.lastQty, r.leavesQty]);
}

export function fills(rs: readonly ExecutionReport[]): ExecutionReport[] {
  return rs.filter((r) => r.execType === 'fill');
}
