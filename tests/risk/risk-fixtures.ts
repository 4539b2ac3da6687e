import { type Instrument, makeInstrument } from '../../src/core/instrument.ts';
import type { Nanos } from '../../src/core/nanos.ts';
import type { SubmitOrder } from '../../src/messages/commands.ts';
import {
  type RiskEngineConfig,
  type RiskEngineConfigInput,
  riskEngineConfigSchema
} from '../../src/risk/risk-config.ts';
import type { RiskView, TradingState } from '../../src/risk/risk-view.ts';

/** X@SIM and Y@SIM: tick 0.01, lot 1, so one tick × one lot is 0.01 USD = 1_000_000 money units. */
export const instruments: Instrument[] = ['X', 'Y'].map((symbol) =>
  makeInstrument({ symbol, venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' })
);

export function cfg(over: RiskEngineConfigInput = {}): RiskEngineConfig {
  return riskEngineConfigSchema.parse(over);
}

export function order(over: Partial<SubmitOrder> = {}): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: 'c1',
    tsInit: 0n,
    strategyId: 's1',
    instrumentId: 'X@SIM',
    clientOrderId: 'o1',
    side: 'buy',
    orderType: 'limit',
    qty: 10,
    limitPx: 10_000,
    tif: 'day',
    ...over
  } as SubmitOrder;
}

interface Inst {
  pos: number;
  buy: number;
  sell: number;
  mid: number | undefined;
  ownBid: number | undefined;
  ownAsk: number | undefined;
}

/** A hand-settable view: one record per instrument id; strategies other than `s1` have no resting orders. */
export class FakeView implements RiskView {
  t: Nanos = 1_000_000_000n;
  state: TradingState = 'ACTIVE';
  gross = 0;
  notional = 0;
  equityValue: number | undefined = 1_000_000;
  readonly inst: Record<string, Inst> = {};
  calls = 0;

  of(id: string): Inst {
    this.inst[id] ??= { pos: 0, buy: 0, sell: 0, mid: 10_000, ownBid: undefined, ownAsk: undefined };
    return this.inst[id];
  }
  now(): Nanos {
    this.calls++;
    return this.t;
  }
  tradingState(): TradingState {
    this.calls++;
    return this.state;
  }
  position(id: string): number {
    return this.of(id).pos;
  }
  openBuyQty(id: string): number {
    return this.of(id).buy;
  }
  openSellQty(id: string): number {
    return this.of(id).sell;
  }
  grossExposure(): number {
    return this.gross;
  }
  grossNotional(): number {
    return this.notional;
  }
  equity(): number | undefined {
    return this.equityValue;
  }
  mid(id: string): number | undefined {
    return this.of(id).mid;
  }
  bestOwnBid(strategyId: string, id: string): number | undefined {
    return strategyId === 's1' ? this.of(id).ownBid : undefined;
  }
  bestOwnAsk(strategyId: string, id: string): number | undefined {
    return strategyId === 's1' ? this.of(id).ownAsk : undefined;
  }
}
