import { makeInstrument } from '../../../src/core/instrument.ts';
import { InstrumentMap } from '../../../src/gateways/fix/app-messages.ts';
import type { MarketData } from '../../../src/messages/market-data.ts';
import type { AlpacaPoint } from './alpaca-server.ts';

/** US stocks of the emulated Alpaca feed (IBM is deliberately unknown: the client never subscribes it). */
export const ALPACA = new InstrumentMap('ALPACA', [
  makeInstrument({ symbol: 'AAPL', venue: 'ALPACA', tickSize: '0.01', lotSize: '1', currency: 'USD' }),
  makeInstrument({ symbol: 'AMD', venue: 'ALPACA', tickSize: '0.01', lotSize: '1', currency: 'USD' }),
  makeInstrument({ symbol: 'SPY', venue: 'ALPACA', tickSize: '0.0001', lotSize: '1', currency: 'USD' })
]);

/** A canonical item without `tsInit` (the client's receive time). */
export type Canon = Record<string, unknown>;

export interface ScriptedPoint {
  readonly point: AlpacaPoint;
  /** The canonical item the client must make of it; undefined: not canonical market data (ignored). */
  readonly expected: Canon | undefined;
}

/** RFC-3339 with nine fraction digits of an exact nanosecond instant (independent of src/core/nanos). */
export function rfc3339(ns: bigint): string {
  const head = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${head}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

const NS_PER_MIN = 60_000_000_000n;

/**
 * The documented examples verbatim (trade, quote, minute bar; realtime.md), then a correction and a
 * cancel (real-time-stock-pricing-data.md; automatic with a trades subscription, not canonical data).
 */
export const DOC_POINTS: readonly ScriptedPoint[] = [
  {
    point: {
      T: 't',
      i: 96921,
      S: 'AAPL',
      x: 'D',
      p: 126.55,
      s: 1,
      t: '2021-02-22T15:51:44.208Z',
      c: ['@', 'I'],
      z: 'C'
    },
    expected: {
      type: 'market.trade',
      instrumentId: 'AAPL@ALPACA',
      tsEvent: 1_614_009_104_208_000_000n,
      px: 12655,
      sz: 1,
      aggressor: 'none',
      tradeId: '96921'
    }
  },
  {
    point: {
      T: 'q',
      S: 'AMD',
      bx: 'U',
      bp: 87.66,
      bs: 1,
      ax: 'Q',
      ap: 87.68,
      as: 4,
      t: '2021-02-22T15:51:45.335689322Z',
      c: ['R'],
      z: 'C'
    },
    expected: {
      type: 'market.quote',
      instrumentId: 'AMD@ALPACA',
      tsEvent: 1_614_009_105_335_689_322n,
      bidPx: 8766,
      bidSz: 1,
      askPx: 8768,
      askSz: 4
    }
  },
  {
    point: {
      T: 'b',
      S: 'SPY',
      o: 388.985,
      h: 389.13,
      l: 388.975,
      c: 389.12,
      v: 49378,
      n: 461,
      vw: 389.062639,
      t: '2021-02-22T19:15:00Z'
    },
    expected: {
      type: 'market.bar',
      instrumentId: 'SPY@ALPACA',
      tsOpen: 1_614_021_300_000_000_000n,
      tsEvent: 1_614_021_360_000_000_000n,
      open: 3_889_850,
      high: 3_891_300,
      low: 3_889_750,
      close: 3_891_200,
      volume: 49378
    }
  },
  {
    point: {
      T: 'c',
      S: 'AAPL',
      x: 'M',
      oi: 52983525033527,
      op: 39.1582,
      os: 440000,
      oc: [' ', '7'],
      ci: 52983525034326,
      cp: 39.1809,
      cs: 440000,
      cc: [' ', '7'],
      z: 'B',
      t: '2023-04-06T14:25:06.542305024Z'
    },
    expected: undefined
  },
  {
    point: {
      T: 'x',
      S: 'AAPL',
      i: 465,
      x: 'D',
      p: 105.31,
      s: 300,
      a: 'C',
      z: 'C',
      t: '2023-04-06T13:15:42.83540958Z'
    },
    expected: undefined
  }
];

/** 2024-07-24T07:56:53.639713735Z, the test stream's example quote time. */
const BASE = 1_721_807_813_639_713_735n;

/**
 * `n` generated points, index k: trades and quotes of AAPL and AMD (kinds t, q, t, q, b by k mod 5; the
 * b is a SPY minute bar), an IBM trade every 50th point (never subscribed), timestamps with nine fraction
 * digits, prices from ticks (a JSON number k/100 prints as that decimal). The trade id `i` is k.
 */
export function generated(n: number, from = 0): ScriptedPoint[] {
  const out: ScriptedPoint[] = [];
  for (let k = from; k < from + n; k++) {
    const ns = BASE + BigInt(k) * 1_234_567n;
    const t = rfc3339(ns);
    const S = k % 2 === 0 ? 'AAPL' : 'AMD';
    if (k % 50 === 49) {
      out.push({
        point: { T: 't', S: 'IBM', i: k, x: 'V', p: 140.01, s: 5, t, c: ['@'], z: 'A' },
        expected: undefined
      });
      continue;
    }
    switch (k % 5) {
      case 0:
      case 2: {
        const px = 10_000 + ((k * 37) % 5000);
        const sz = 1 + (k % 300);
        out.push({
          point: { T: 't', S, i: k, x: 'V', p: px / 100, s: sz, t, c: ['@'], z: 'C' },
          expected: {
            type: 'market.trade',
            instrumentId: `${S}@ALPACA`,
            tsEvent: ns,
            px,
            sz,
            aggressor: 'none',
            tradeId: String(k)
          }
        });
        break;
      }
      case 1:
      case 3: {
        const bid = 9_000 + ((k * 13) % 4000);
        const ask = bid + 1 + (k % 3);
        const bs = 1 + (k % 5);
        const as = 2 + (k % 4);
        out.push({
          point: { T: 'q', S, bx: 'V', bp: bid / 100, bs, ax: 'V', ap: ask / 100, as, t, c: ['R'], z: 'C' },
          expected: {
            type: 'market.quote',
            instrumentId: `${S}@ALPACA`,
            tsEvent: ns,
            bidPx: bid,
            bidSz: bs,
            askPx: ask,
            askSz: as
          }
        });
        break;
      }
      default: {
        const open = (BASE / NS_PER_MIN + BigInt(k)) * NS_PER_MIN;
        const o = 3_889_850 + k;
        const v = 100 + k;
        out.push({
          point: {
            T: 'b',
            S: 'SPY',
            o: o / 10_000,
            h: (o + 150) / 10_000,
            l: (o - 10) / 10_000,
            c: (o + 135) / 10_000,
            v,
            n: 7,
            vw: 389.062639,
            t: new Date(Number(open / 1_000_000n)).toISOString().replace('.000Z', 'Z')
          },
          expected: {
            type: 'market.bar',
            instrumentId: 'SPY@ALPACA',
            tsOpen: open,
            tsEvent: open + NS_PER_MIN,
            open: o,
            high: o + 150,
            low: o - 10,
            close: o + 135,
            volume: v
          }
        });
      }
    }
  }
  return out;
}

/** A canonical item as compared: everything but `tsInit`. */
export function canon(d: MarketData): Canon {
  const { tsInit: _, ...rest } = d;
  return rest;
}
