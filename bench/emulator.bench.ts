/**
 * Execution emulator benchmarks (suite `emulator`, impl `tradestate`, unit events/s):
 * - quote-events: 200,000 synthetic quotes and prints (3:1) through the quote fill model with 10 own limit
 *   orders working around the touch (a filled order is replaced by a new one, so 10 stay working);
 * - l3-events: the 91,997-message LOBSTER AAPL file (decoded once, not timed) through the L3 fill model,
 *   with 10 own limit orders kept working at the touch (re-submitted as they fill), latency on;
 * - bar-events: 200,000 bars through the bar fill model with 10 own orders working.
 * Each case runs a few rounds after a warm-up; the median round is reported.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLobsterMessages, type LobsterMessages } from '../src/book/lobster.codec.ts';
import { makeInstrument } from '../src/core/instrument.ts';
import { Rng } from '../src/core/rng.ts';
import type { SubmitOrder } from '../src/messages/commands.ts';
import type { Bar, Quote, Trade } from '../src/messages/market-data.ts';
import { parseEmulatorConfig } from '../src/venue/emulator/emulator-config.ts';
import { ExecutionEmulator } from '../src/venue/emulator/execution-emulator.venue.ts';
import type { Figure } from './figure.ts';

const inst = makeInstrument({ symbol: 'X', venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' });
const aapl = makeInstrument({
  symbol: 'AAPL',
  venue: 'NASDAQ',
  tickSize: '0.0001',
  lotSize: '1',
  currency: 'USD'
});
const T0 = 1_699_970_400_000_000_000n;
const DAY = 1_340_236_800_000_000_000n;
const N = 200_000;

function submit(id: string, instrumentId: string, side: 'buy' | 'sell', px: number, ts: bigint): SubmitOrder {
  return {
    type: 'order.submit',
    commandId: id,
    tsInit: ts,
    strategyId: 'b',
    instrumentId,
    clientOrderId: id,
    side,
    orderType: 'limit',
    qty: 100,
    limitPx: px,
    tif: 'gtc'
  };
}

function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

function quoteEvents(): (Quote | Trade)[] {
  const g = new Rng(1);
  const out: (Quote | Trade)[] = [];
  let mid = 10_000;
  for (let i = 0; i < N; i++) {
    const ts = T0 + BigInt(i) * 1_000_000n;
    mid += g.int(3) - 1;
    if (i % 4 === 3) {
      out.push({
        type: 'market.trade',
        instrumentId: inst.id,
        tsEvent: ts,
        tsInit: ts,
        px: mid + (g.int(2) === 0 ? -1 : 1),
        sz: 1 + g.int(300),
        aggressor: 'none',
        tradeId: `t${i}`
      });
    } else {
      out.push({
        type: 'market.quote',
        instrumentId: inst.id,
        tsEvent: ts,
        tsInit: ts,
        bidPx: mid - 1,
        bidSz: 100 + g.int(900),
        askPx: mid + 1,
        askSz: 100 + g.int(900)
      });
    }
  }
  return out;
}

function runQuotes(events: (Quote | Trade)[]): number {
  const v = new ExecutionEmulator(
    parseEmulatorConfig({
      fillModel: 'quote',
      latency: { networkMs: 0.1, ackMs: 0.1, fillMs: 0.1, jitterMs: 0.05 }
    }),
    new Map([[inst.id, inst]]),
    new Rng(2)
  );
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === 'market.quote') {
      v.onQuote(e);
      if (v.workingCount + v.inFlightCount < 10) {
        const buy = (n & 1) === 0;
        v.submit(
          submit(`q${++n}`, inst.id, buy ? 'buy' : 'sell', buy ? e.bidPx : e.askPx, e.tsEvent),
          e.tsEvent
        );
      }
    } else v.onTrade(e);
    if ((i & 63) === 0) v.drainDue(e.tsEvent);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return (events.length / ns) * 1e9;
}

function runL3(msgs: LobsterMessages): number {
  const v = new ExecutionEmulator(
    parseEmulatorConfig({
      fillModel: 'l3',
      latency: { networkMs: 0.05, ackMs: 0.05, fillMs: 0.05, jitterMs: 0.02 }
    }),
    new Map([[aapl.id, aapl]]),
    new Rng(3)
  );
  const book = v.l3!.book(aapl.id);
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < msgs.length; i++) {
    v.onLobster(aapl.id, msgs, i, DAY);
    if (
      (i & 15) === 0 &&
      v.workingCount + v.inFlightCount < 10 &&
      book.bids.count > 0 &&
      book.asks.count > 0
    ) {
      const ts = DAY + BigInt(msgs.timeNs[i]!);
      const buy = (n & 1) === 0;
      v.submit(
        submit(`l${++n}`, aapl.id, buy ? 'buy' : 'sell', buy ? book.bestBid() : book.bestAsk(), ts),
        ts
      );
      v.drainDue(ts);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return (msgs.length / ns) * 1e9;
}

function runBars(bars: Bar[]): number {
  const v = new ExecutionEmulator(
    parseEmulatorConfig({ liquidity: { maxParticipation: 0.1 } }),
    new Map([[inst.id, inst]]),
    new Rng(4)
  );
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (const b of bars) {
    v.onBar(b);
    while (v.workingCount + v.inFlightCount < 10) {
      const buy = (n & 1) === 0;
      v.submit(submit(`b${++n}`, inst.id, buy ? 'buy' : 'sell', buy ? b.low : b.high, b.tsEvent), b.tsEvent);
    }
    v.drain();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return (bars.length / ns) * 1e9;
}

export async function run(emit: (fig: Figure) => void): Promise<void> {
  const fig = (c: string, value: number) =>
    emit({ suite: 'emulator', case: c, impl: 'tradestate', value, unit: 'events/s' });

  const qe = quoteEvents();
  runQuotes(qe.slice(0, 20_000));
  fig('quote-events', median([runQuotes(qe), runQuotes(qe), runQuotes(qe)]));

  const here = dirname(fileURLToPath(import.meta.url));
  const file = resolve(here, '../../shared/data/lobster/AAPL_2012-06-21_34200000_37800000_message_50.csv');
  const msgs = decodeLobsterMessages(readFileSync(file));
  runL3(msgs);
  fig('l3-events', median([runL3(msgs), runL3(msgs), runL3(msgs)]));

  const g = new Rng(5);
  const bars: Bar[] = [];
  let px = 10_000;
  for (let i = 0; i < N; i++) {
    const tsOpen = T0 + BigInt(i) * 60_000_000_000n;
    px += g.int(21) - 10;
    bars.push({
      type: 'market.bar',
      instrumentId: inst.id,
      tsOpen,
      tsEvent: tsOpen + 60_000_000_000n,
      tsInit: tsOpen + 60_000_000_000n,
      open: px,
      high: px + g.int(20),
      low: px - g.int(20),
      close: px,
      volume: 100 + g.int(5000)
    });
  }
  runBars(bars.slice(0, 20_000));
  fig('bar-events', median([runBars(bars), runBars(bars), runBars(bars)]));
}
