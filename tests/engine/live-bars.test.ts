import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/config/schema.ts';
import { NS_PER_MIN, NS_PER_SEC, nsFromIso } from '../../src/core/nanos.ts';
import { liveBars } from '../../src/engine/live-bars.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { cleanupAfterEach } from '../support/fix-loopback.ts';
import { smallConfig } from '../support/run-config.ts';
import { until } from '../support/until.ts';
import { fixPaperSession } from './support/fix-paper.ts';
import { records } from './support/local-paper.ts';

const cleanup = cleanupAfterEach();

const withLive = (live: Record<string, unknown>, over: Record<string, unknown> = {}): RunConfig =>
  smallConfig({ live, ...over });
const yahoo = { kind: 'yahoo-csv', files: [{ symbol: 'ORCL', path: 'x.csv' }] };
const parquet = (timeframe: string) => ({ kind: 'parquet', store: 's', symbols: ['ORCL'], timeframe });

/** A flat one-minute bar of `instrumentId` opening at `tsOpen`. */
const minuteBar = (instrumentId: string, tsOpen: bigint): Bar => ({
  type: 'market.bar',
  instrumentId,
  tsOpen,
  tsEvent: tsOpen + NS_PER_MIN,
  tsInit: tsOpen + NS_PER_MIN,
  open: 100,
  high: 100,
  low: 100,
  close: 100,
  volume: 1
});

describe('live bars: the strategy gets the timeframe it was backtested on', () => {
  it('defaults to the data’s timeframe and calendar; a real venue rolls minute bars up, a local one passes its bars', () => {
    const of = (c: RunConfig) => {
      const b = liveBars(c);
      return [b.timeframe.label, b.rollup !== undefined];
    };
    expect(of(withLive({ venue: 'alpaca' }))).toEqual(['1m', true]);
    expect(of(withLive({ venue: 'alpaca' }, { data: yahoo }))).toEqual(['1d', true]);
    expect(of(withLive({ venue: 'fix' }, { data: parquet('15m') }))).toEqual(['15m', true]);
    expect(of(withLive({ venue: 'alpaca', bars: { timeframe: '5m' } }))).toEqual(['5m', true]);
    expect(of(withLive({ venue: 'local' }, { data: parquet('1h') }))).toEqual(['1h', false]);
    expect(of(withLive({ venue: 'local-fix', bars: { timeframe: '1d' } }, { data: yahoo }))).toEqual([
      '1d',
      false
    ]);
  });

  it('a Parquet store’s symbols keep their own calendar, as in their backtest; live.bars.calendar overrides it', () => {
    const store = mkdtempSync(join(tmpdir(), 'ts-live-cal-'));
    cleanup.push(() => rmSync(store, { recursive: true, force: true }));
    mkdirSync(join(store, '_meta'));
    const meta = (symbol: string, calendar: string) => ({
      symbol,
      venue: 'SIM',
      tickSize: '0.01',
      lotSize: '1',
      currency: 'USD',
      calendar
    });
    writeFileSync(
      join(store, '_meta', 'symbols.json'),
      JSON.stringify({ ORCL: meta('ORCL', 'nyse'), BTCUSD: meta('BTCUSD', '24x7') })
    );
    const data = { kind: 'parquet', store, symbols: ['BTCUSD', 'ORCL', 'XYZ'], timeframe: '5m' };
    /** 03:00–03:05 UTC on a weekday: outside the NYSE's regular session, inside a round-the-clock day. */
    const night = (c: RunConfig) => {
      const { rollup } = liveBars(c);
      const at = nsFromIso('2024-03-05T03:00:00Z');
      const out: string[] = [];
      for (const sym of ['BTCUSD', 'ORCL', 'XYZ'])
        for (let m = 0; m < 5; m++) {
          const bar = minuteBar(`${sym}@SIM`, at + BigInt(m) * NS_PER_MIN);
          for (const b of rollup!.push(bar, bar.tsEvent).bars) out.push(b.instrumentId);
        }
      return out;
    };
    // XYZ is not in the store: the default, the NYSE
    expect(night(withLive({ venue: 'alpaca' }, { data }))).toEqual(['BTCUSD@SIM']);
    expect(night(withLive({ venue: 'alpaca', bars: { calendar: '24x7' } }, { data }))).toEqual([
      'BTCUSD@SIM',
      'ORCL@SIM',
      'XYZ@SIM'
    ]);
    expect(night(withLive({ venue: 'alpaca', bars: { calendar: 'nyse' } }, { data }))).toEqual([]);
  });

  it('with live.bars.timeframe set, a real venue’s session never reads the data: a Parquet store (or CSV file) not on this machine is fine', () => {
    const gone = join(tmpdir(), 'ts-live-no-such-store');
    const data = { kind: 'parquet', store: gone, symbols: ['ORCL'] }; // no data.timeframe: the store would say
    expect(liveBars(withLive({ venue: 'alpaca', bars: { timeframe: '5m' } }, { data })).timeframe.label).toBe(
      '5m'
    );
    const csv = { kind: 'csv', files: [{ symbol: 'ORCL', path: join(gone, 'ORCL.csv') }] };
    expect(
      liveBars(withLive({ venue: 'fix', bars: { timeframe: '1h' } }, { data: csv })).timeframe.label
    ).toBe('1h');
    // without it the data's timeframe is needed, and a store that is not there says so
    expect(() => liveBars(withLive({ venue: 'alpaca' }, { data }))).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DATA_NOT_FOUND' })
    );
  });

  it('keeps the session the backtest kept: a CSV config with data.session: all gets its extended hours live too', () => {
    /** What of a 5-minute pre-market run of minute bars (08:00 New York) reaches the strategy. */
    const preMarket = (c: RunConfig): number => {
      const { rollup } = liveBars(c);
      const at = nsFromIso('2024-03-05T13:00:00Z'); // 08:00 in New York
      let n = 0;
      for (let m = 0; m < 5; m++) {
        const bar = minuteBar('ORCL@SIM', at + BigInt(m) * NS_PER_MIN);
        n += rollup!.push(bar, bar.tsEvent).bars.length;
      }
      return n;
    };
    const csv = (session?: string) => ({
      kind: 'csv',
      files: [{ symbol: 'ORCL', path: 'x.csv' }],
      timeframe: '1m',
      calendar: 'nyse',
      ...(session ? { session } : {})
    });
    expect(preMarket(withLive({ venue: 'alpaca' }, { data: csv() }))).toBe(0);
    expect(preMarket(withLive({ venue: 'alpaca' }, { data: csv('all') }))).toBe(5);
    // live.bars.session still says otherwise when set
    expect(preMarket(withLive({ venue: 'alpaca', bars: { session: 'regular' } }, { data: csv('all') }))).toBe(
      0
    );
  });

  it('refuses what it cannot make, with TRD_ERR_CONFIG_INVALID', () => {
    const refused = (c: () => RunConfig, message: RegExp) =>
      expect(() => liveBars(c())).toThrow(
        expect.objectContaining({ code: 'TRD_ERR_CONFIG_INVALID', message: expect.stringMatching(message) })
      );
    refused(() => withLive({ venue: 'alpaca', bars: { timeframe: '30s' } }), /whole minutes/);
    refused(() => withLive({ venue: 'alpaca', bars: { timeframe: 'weekly' } }), /not a timeframe/);
    refused(() => withLive({ venue: 'alpaca', bars: { timeframe: '1w' } }), /not supported/);
    refused(() => withLive({ venue: 'alpaca', bars: { timeframe: '2d' } }), /1d only/);
    refused(() => withLive({ venue: 'local', bars: { timeframe: '5m' } }), /replays the data's own 1m bars/);
  });

  it('a paper session over FIX shows a 5-minute strategy 5-minute bars made from the venue’s trades', async () => {
    const config = withLive(
      { venue: 'fix', bars: { timeframe: '5m', calendar: '24x7', graceMs: 60_000 }, shutdownGraceMs: 200 },
      {
        data: { kind: 'synthetic', symbols: ['AAPL'], start: '2024-03-05', sessions: 1 },
        instruments: { defaults: { venue: 'FIXLOCAL' } }
      }
    );
    const seen: Bar[] = [];
    const strategy: Strategy = {
      id: 'five',
      onBar: (bar) => {
        seen.push(bar);
        return [];
      },
      snapshot: () => ({})
    };
    const { venue, instruments, stop, result } = await fixPaperSession(cleanup, config, strategy);
    const T0 = nsFromIso('2024-03-05T15:00:00Z');
    const trades: { at: bigint; px: number; sz: number }[] = [];
    for (let m = 0; m <= 10; m++)
      for (const [k, sec] of [5, 25, 45].entries())
        trades.push({
          at: T0 + BigInt(m) * NS_PER_MIN + BigInt(sec) * NS_PER_SEC,
          px: 10_000 + ((m * 7 + k * 3) % 11),
          sz: 1 + k + m
        });
    for (const t of trades)
      venue.trade({
        type: 'market.trade',
        instrumentId: instruments[0]!.id,
        tsEvent: t.at,
        tsInit: t.at,
        px: t.px,
        sz: t.sz,
        aggressor: 'buy',
        tradeId: `t${t.at}`
      });
    // minute 5's first trade closes minute 4, which completes [0, 5); minute 10's closes 9, completing [5, 10)
    await until(() => seen.length === 2, 5_000, 'two 5-minute bars');
    await new Promise((r) => setTimeout(r, 300)); // and no more: [10, 15) is not over
    stop.abort();
    const r = await result;
    const want = (from: number) => {
      const ts = trades.filter(
        (t) => t.at >= T0 + BigInt(from) * NS_PER_MIN && t.at < T0 + BigInt(from + 5) * NS_PER_MIN
      );
      return [
        BigInt(from) * NS_PER_MIN,
        BigInt(from + 5) * NS_PER_MIN,
        ts[0]!.px,
        Math.max(...ts.map((t) => t.px)),
        Math.min(...ts.map((t) => t.px)),
        ts.at(-1)!.px,
        ts.reduce((a, t) => a + t.sz, 0)
      ];
    };
    expect(
      seen.map((b) => [b.tsOpen - T0, b.tsEvent - T0, b.open, b.high, b.low, b.close, b.volume])
    ).toEqual([want(0), want(5)]);
    expect(r.bars).toBe(2);
    expect(records(r, 'run.started')[0]!.payload).toMatchObject({ bars: '5m' });
    expect(records(r, 'market.bar').map((x) => x.payload['tsEvent'])).toEqual([
      T0 + 5n * NS_PER_MIN,
      T0 + 10n * NS_PER_MIN
    ]);
    expect(r.errors).toEqual([]);
  });
});
