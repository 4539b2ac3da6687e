import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeLobsterMessages, decodeLobsterOrderbook } from '../../src/book/lobster.codec.ts';
import { loadRunConfig, parseRunConfig } from '../../src/config/load.ts';
import { isoFromNs } from '../../src/core/nanos.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Quote } from '../../src/messages/market-data.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { aaplOrderbookRows } from '../support/lobster-rows.ts';
import { REPO_ROOT, sharedData } from '../support/shared-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'ts-lobster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = sharedData('lobster', 'AAPL_2012-06-21_34200000_37800000_message_50.csv');
const FIRST999 = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_message_10.first999.csv');
const FIRST999_BOOK = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv');

/** A tick config on the 999-message sample (with its orderbook) and `strategy`/`over` fields. */
function tickConfig(over: Record<string, unknown> = {}) {
  return parseRunConfig(
    JSON.stringify({
      name: 'tick',
      seed: 3,
      instruments: { defaults: { venue: 'NASDAQ', tickSize: '0.0001' } },
      data: { kind: 'lobster', symbol: 'AAPL', messages: FIRST999, orderbook: FIRST999_BOOK },
      strategy: { type: 'market-maker', params: { qty: 50, maxInventory: 100, requoteTicks: 100 } },
      execution: {
        commission: { bps: 0.2, minimum: 0 },
        latency: { networkMs: 0.05, ackMs: 0.1, fillMs: 0.1, jitterMs: 0.02 }
      },
      ...over
    }),
    't.yaml'
  );
}

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

/** Records every quote and the time the view showed for it. */
function quoteRecorder(): Strategy & { seen: { q: Quote; now: bigint }[] } {
  const seen: { q: Quote; now: bigint }[] = [];
  return {
    id: 'rec',
    seen,
    onBar: () => [],
    onQuote(q, view) {
      seen.push({ q, now: view.now() });
      return [];
    },
    snapshot: () => ({})
  };
}

describe('tick backtests on LOBSTER data (L3 emulator, quotes to strategies)', () => {
  it('starts from the orderbook file: the first quote is the top of its first row; quotes are in time order and strictly two-sided', async () => {
    const s = quoteRecorder();
    const r = await runBacktest({ config: tickConfig(), configFile: 't.yaml', strategy: s });
    const ob = decodeLobsterOrderbook(readFileSync(FIRST999_BOOK));
    const first = s.seen[0]!.q;
    // row 0 is the book after message 0: ask price, ask size, bid price, bid size
    expect([first.askPx, first.askSz, first.bidPx, first.bidSz]).toEqual([
      ob.data[0],
      ob.data[1],
      ob.data[2],
      ob.data[3]
    ]);
    expect(r.messages).toBe(999);
    expect(r.quotes).toBe(s.seen.length);
    expect(s.seen.length).toBeGreaterThan(100);
    for (let i = 0; i < s.seen.length; i++) {
      const { q, now } = s.seen[i]!;
      expect(now).toBe(q.tsEvent);
      expect(q.bidPx).toBeLessThan(q.askPx);
      if (i > 0) expect(q.tsEvent >= s.seen[i - 1]!.q.tsEvent).toBe(true);
    }
    // 2012-06-21 is EDT: LOBSTER's 34,200 s after New York midnight is 13:30 UTC
    expect(first.tsEvent / 1_000_000_000n).toBe(BigInt(Date.UTC(2012, 5, 21, 13, 30, 0) / 1000));
    // every quote is in the log, as the strategy saw it
    expect(records(r.log).filter((x) => x.type === 'market.quote')).toHaveLength(s.seen.length);
    // the benchmark holds AAPL from the first quote's mid to the last's, sampled with the equity curve
    const last = s.seen[s.seen.length - 1]!.q;
    const mid = (q: typeof first) => (q.bidPx + q.askPx) / 2;
    expect(r.benchmark!.symbols).toEqual(['AAPL@NASDAQ']);
    expect(r.benchmarkEquity!.map((p) => p.ts)).toEqual(r.equity.map((p) => p.ts));
    expect(r.benchmark!.metrics.totalReturn).toBeCloseTo(mid(last) / mid(first) - 1, 12);
    expect(r.benchmark!.metrics.ratioBasis).toBe('intraday');
  });

  it('shows every execution to onTrade as a print (aggressor opposite the resting order), in file order', async () => {
    const msgs = decodeLobsterMessages(readFileSync(FIRST999));
    const execs: { px: number; sz: number; aggressor: string }[] = [];
    for (let i = 0; i < msgs.length; i++)
      if (msgs.type[i] === 4 || msgs.type[i] === 5)
        execs.push({
          px: msgs.price[i]!,
          sz: msgs.size[i]!,
          aggressor: msgs.direction[i] === 1 ? 'sell' : 'buy'
        });
    const trades: { px: number; sz: number; aggressor: string }[] = [];
    const s: Strategy = {
      id: 'prints',
      onBar: () => [],
      onQuote: () => [],
      onTrade: (t) => {
        trades.push({ px: t.px, sz: t.sz, aggressor: t.aggressor });
        return [];
      },
      snapshot: () => ({})
    };
    const r = await runBacktest({ config: tickConfig(), configFile: 't.yaml', strategy: s });
    expect(execs.length).toBeGreaterThan(20);
    expect(trades).toEqual(execs);
    expect(records(r.log).filter((x) => x.type === 'market.trade')).toHaveLength(execs.length);
  });

  it('the same config and seed give a byte-identical event log; another seed moves the latency jitter', async () => {
    const runTo = async (name: string, seed?: number) => {
      const outDir = join(dir, name);
      await runBacktest({
        config: tickConfig(),
        configFile: 't.yaml',
        outDir,
        ...(seed !== undefined ? { seed } : {})
      });
      return readFileSync(join(outDir, 'events.jsonl'));
    };
    const a = await runTo('a');
    const b = await runTo('b');
    const c = await runTo('c', 4);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('the market maker on the real hour (91,997 messages): trades passively, stays inside its inventory, nothing refused', async () => {
    const path = join(REPO_ROOT, 'config', 'lobster-aapl.yaml');
    const config = loadRunConfig(path);
    const r = await runBacktest({ config, configFile: path });
    const recs = records(r.log);
    expect(r.messages).toBe(91_997);
    expect(r.fills).toBeGreaterThan(100);
    expect(r.rejected).toBe(0);
    expect(recs.filter((x) => x.type === 'oms.refused' || x.type === 'order.refused')).toEqual([]);
    const fills = recs.filter(
      (x) => x.type === 'exec.report' && (x.payload as { execType: string }).execType === 'fill'
    );
    const maker = fills.filter((x) => (x.payload as { liquidity: string }).liquidity === 'maker');
    // mostly passive; a re-price the market moved through while on the wire can take liquidity
    expect(maker.length / fills.length).toBeGreaterThan(0.6);
    const maxInventory = 300;
    for (const x of recs.filter((y) => y.type === 'portfolio.position_changed'))
      expect(Math.abs((x.payload as { qty: number }).qty)).toBeLessThanOrEqual(maxInventory);
    // it re-priced with cancel-replace, and some answers crossed a fill: logged as late, not as errors
    expect(recs.some((x) => x.type === 'order.replaced')).toBe(true);
    expect(recs.some((x) => x.type === 'oms.late_report')).toBe(true);
    expect(r.equity.length).toBeGreaterThan(3000); // sampled every second of the hour
    // and the curve ends at the last message (2012-06-21 is EDT: New York midnight is 04:00 UTC)
    const msgs = decodeLobsterMessages(readFileSync(HOUR));
    const midnight = BigInt(Date.UTC(2012, 5, 21, 4, 0, 0)) * 1_000_000n;
    expect(r.equity.at(-1)!.ts).toBe(midnight + BigInt(msgs.timeNs[msgs.length - 1]!));
  });

  it('refuses what a tick run cannot honour, with TRD_ERR_CONFIG_INVALID; a file it cannot read is TRD_ERR_DATA_NOT_FOUND', async () => {
    const wrongTick = tickConfig({
      instruments: { defaults: { venue: 'NASDAQ' }, overrides: { AAPL: { tickSize: '0.01' } } }
    });
    await expect(runBacktest({ config: wrongTick, configFile: 't.yaml' })).rejects.toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringContaining('tickSize must be 0.0001')
    });
    await expect(
      runBacktest({ config: tickConfig(), configFile: 't.yaml', snapshotAt: 1n })
    ).rejects.toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringContaining('no snapshot')
    });
    for (const data of [
      { messages: join(dir, 'AAPL_2012-06-21_1_2_message_5.csv') },
      { messages: FIRST999, orderbook: join(dir, 'AAPL_2012-06-21_1_2_orderbook_5.csv') }
    ]) {
      const missing = tickConfig({ data: { kind: 'lobster', symbol: 'AAPL', ...data } });
      await expect(runBacktest({ config: missing, configFile: 't.yaml' })).rejects.toMatchObject({
        code: 'TRD_ERR_DATA_NOT_FOUND',
        message: expect.stringContaining(`cannot read LOBSTER file ${join(dir, 'AAPL_2012-06-21_1_2_')}`)
      });
    }
    const noDate = tickConfig({ data: { kind: 'lobster', symbol: 'AAPL', messages: join(dir, 'aapl.csv') } });
    await expect(runBacktest({ config: noDate, configFile: 't.yaml' })).rejects.toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: expect.stringContaining('data.date is required')
    });
  });

  it('a window trades only the messages inside it; the ones before build the book, so its quotes are the full run’s', async () => {
    const msgs = decodeLobsterMessages(readFileSync(FIRST999));
    const midnight = BigInt(Date.UTC(2012, 5, 21, 4, 0, 0)) * 1_000_000n;
    const at = (i: number) => midnight + BigInt(msgs.timeNs[i]!);
    const from = at(300);
    const to = at(700);
    const inside = Array.from({ length: msgs.length }, (_, i) => at(i)).filter((t) => t >= from && t < to);
    const key = (q: Quote) => [q.tsEvent, q.bidPx, q.bidSz, q.askPx, q.askSz];

    const full = quoteRecorder();
    await runBacktest({ config: tickConfig(), configFile: 't.yaml', strategy: full });
    const part = quoteRecorder();
    const r = await runBacktest({
      config: tickConfig(),
      configFile: 't.yaml',
      strategy: part,
      window: { from, to }
    });
    expect(r.messages).toBe(inside.length);
    const fullIn = full.seen.map((x) => x.q).filter((q) => q.tsEvent >= from && q.tsEvent < to);
    const got = part.seen.map((x) => x.q);
    // the strategy's first quote is the book as the window opens; after it, exactly the full run's quotes
    expect(got[0]!.tsEvent).toBe(inside[0]);
    expect(got.slice(got.length - fullIn.length).map(key)).toEqual(fullIn.map(key));
    if (got.length === fullIn.length + 1) {
      // the first message in the window did not move the top: the full run's last quote before it, re-shown
      const before = full.seen
        .map((x) => x.q)
        .filter((q) => q.tsEvent < from)
        .at(-1)!;
      expect(key(got[0]!).slice(1)).toEqual(key(before).slice(1));
    } else expect(got.length).toBe(fullIn.length);
    expect(part.seen.every(({ q, now }) => now === q.tsEvent && now >= from && now < to)).toBe(true);
    expect(r.equity[0]!.ts).toBe(inside[0]);
    expect(r.equity.at(-1)!.ts).toBe(inside.at(-1));
  });

  it('a trading window sends nothing before it opens or after it closes, and the run id names it', async () => {
    const msgs = decodeLobsterMessages(readFileSync(FIRST999));
    const midnight = BigInt(Date.UTC(2012, 5, 21, 4, 0, 0)) * 1_000_000n;
    const from = midnight + BigInt(msgs.timeNs[200]!);
    const to = midnight + BigInt(msgs.timeNs[800]!);
    const full = await runBacktest({ config: tickConfig(), configFile: 't.yaml' });
    const r = await runBacktest({ config: tickConfig(), configFile: 't.yaml', window: { from, to } });
    const submits = records(r.log).filter((x) => x.type === 'order.submit');
    expect(submits.length).toBeGreaterThan(0);
    expect(submits.every((x) => x.ts >= from && x.ts < to)).toBe(true);
    expect(records(full.log).some((x) => x.type === 'order.submit' && x.ts < from)).toBe(true);
    expect(r.runId).not.toBe(full.runId);
    const compact = (t: bigint) =>
      isoFromNs(t)
        .replace(/\.?0*Z$/, 'Z')
        .replace(/[-:]/g, '');
    expect(r.runId).toContain(`-w${compact(from)}..${compact(to)}-`);
  });

  it('view.book shows the market’s book: at every quote its 10 levels are the orderbook file’s row, and the quotes are the file’s top changes', async () => {
    type Lv = { px: number; qty: number };
    const seen: {
      q: Quote;
      top: number[];
      bids: readonly Lv[];
      asks: readonly Lv[];
      imb: number;
      other: unknown;
    }[] = [];
    const s: Strategy = {
      id: 'depth',
      onBar: () => [],
      onQuote(q, view) {
        const b = view.book(q.instrumentId)!;
        seen.push({
          q,
          top: [b.bestBid(), b.bestBidQty(), b.bestAsk(), b.bestAskQty()],
          bids: b.levels('buy', 10),
          asks: b.levels('sell', 10),
          imb: b.imbalance(3),
          other: view.book('MSFT@NASDAQ')
        });
        return [];
      },
      snapshot: () => ({})
    };
    const r = await runBacktest({ config: tickConfig(), configFile: 't.yaml', strategy: s });
    const msgs = decodeLobsterMessages(readFileSync(FIRST999));
    const ob = aaplOrderbookRows();
    const top = (row: number) => ob.top(row).join();
    // a quote goes out after each message that changed the top (the first message always shows it)
    const changes: number[] = [];
    for (let j = 0; j < ob.rows; j++) if (j === 0 || top(j) !== top(j - 1)) changes.push(j);
    expect(seen.length).toBe(changes.length);
    expect(seen.length).toBe(r.quotes);
    const dayStart = seen[0]!.q.tsEvent - BigInt(msgs.timeNs[0]!);
    for (let k = 0; k < seen.length; k++) {
      const x = seen[k]!;
      const j = changes[k]!;
      const where = `quote ${k} (after message ${j})`;
      expect(x.q.tsEvent, where).toBe(dayStart + BigInt(msgs.timeNs[j]!));
      // the quote (the emulated venue's top) is the file's top, and so is the book's
      expect([x.q.bidPx, x.q.bidSz, x.q.askPx, x.q.askSz], where).toEqual(ob.top(j));
      expect(x.top, where).toEqual(ob.top(j));
      // every level of the row
      expect(x.bids, where).toEqual(ob.side(j, 'buy'));
      expect(x.asks, where).toEqual(ob.side(j, 'sell'));
      const d3 = (lv: readonly Lv[]) => lv.slice(0, 3).reduce((a, l) => a + l.qty, 0);
      expect(x.imb, where).toBeCloseTo((d3(x.bids) - d3(x.asks)) / (d3(x.bids) + d3(x.asks)), 12);
    }
    expect(seen.length).toBeGreaterThan(400);
    expect(seen.every((x) => x.other === undefined)).toBe(true); // no book for an instrument not replayed
  });

  it('without an orderbook file the book starts empty and the run still completes uncrossed', async () => {
    const s = quoteRecorder();
    const config = tickConfig({ data: { kind: 'lobster', symbol: 'AAPL', messages: HOUR } });
    const r = await runBacktest({ config, configFile: 't.yaml', strategy: s });
    expect(r.messages).toBe(91_997);
    expect(s.seen.length).toBeGreaterThan(10_000);
    expect(s.seen.every(({ q }) => q.bidPx < q.askPx)).toBe(true);
  });
});
