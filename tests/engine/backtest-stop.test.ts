import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/load.ts';
import { BACKTEST_OUTPUTS, runBacktest } from '../../src/engine/backtest.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { probeStrategy } from '../support/probe-strategy.ts';
import { smallConfig } from '../support/run-config.ts';
import { sharedData } from '../support/shared-data.ts';

/** The records of an events.jsonl. */
const lines = (path: string): { seq: number; ts: string; type: string; payload: Record<string, unknown> }[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

/** An earlier run's outputs in `dir`, as a completed run leaves them (its log begins with run.started). */
function earlierRun(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of BACKTEST_OUTPUTS) writeFileSync(join(dir, f), 'an earlier run\n');
  writeFileSync(
    join(dir, 'events.jsonl'),
    '{"seq":1,"ts":"0","type":"run.started","component":"engine","ids":{},"payload":{}}\n'
  );
}

describe('stopping a backtest (signal)', () => {
  it('stops after the bars it is on: the log is written and ends with run.stopped, no summary or report, and no earlier run’s left beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-stop-'));
    earlierRun(dir);
    const stop = new AbortController();
    const seen: Bar[] = [];
    // stopped from inside the run, at a known point: the 100th bar the strategy is shown
    const strategy = probeStrategy(10, (bar) => {
      seen.push(bar);
      if (seen.length === 100) stop.abort('SIGINT');
    });
    const r = await runBacktest({
      config: smallConfig(),
      configFile: 'test.yaml',
      outDir: dir,
      strategy,
      signal: stop.signal
    });
    // the group of the 100th bar (2 symbols a timestamp) is the last one
    expect(r.bars).toBe(100);
    expect(seen).toHaveLength(100);
    expect(r.stopped).toEqual({ reason: 'SIGINT', ts: seen[99]!.tsEvent });
    expect(readdirSync(dir)).toEqual(['events.jsonl']);
    const recs = lines(join(dir, 'events.jsonl'));
    expect(recs.map((x) => x.seq)).toEqual(recs.map((_, i) => i + 1));
    expect(recs[0]!.type).toBe('run.started');
    expect(recs.filter((x) => x.type === 'market.bar')).toHaveLength(100);
    expect(recs.at(-1)).toMatchObject({
      type: 'run.stopped',
      ts: String(seen[99]!.tsEvent),
      payload: { reason: 'SIGINT', bars: 100, orders: r.orders, fills: r.fills }
    });
    expect(recs.some((x) => x.type === 'run.completed')).toBe(false);
    expect(r.orders).toBeGreaterThan(0);
  });

  it('a folder no run wrote (no events.jsonl beginning with run.started) keeps its files: `--out .` loses nothing', async () => {
    for (const log of [undefined, 'notes of mine\n']) {
      const dir = mkdtempSync(join(tmpdir(), 'ts-stop-user-'));
      for (const f of BACKTEST_OUTPUTS) writeFileSync(join(dir, f), 'mine\n');
      if (log !== undefined) writeFileSync(join(dir, 'events.jsonl'), log);
      const stop = new AbortController();
      stop.abort('SIGINT');
      await runBacktest({ config: smallConfig(), configFile: 'test.yaml', outDir: dir, signal: stop.signal });
      for (const f of BACKTEST_OUTPUTS) expect(readFileSync(join(dir, f), 'utf8'), f).toBe('mine\n');
    }
  });

  it('a signal already given stops it before the first bar; a completed run replaces an earlier one’s outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-stop-early-'));
    earlierRun(dir);
    const stop = new AbortController();
    stop.abort('SIGTERM');
    const r = await runBacktest({
      config: smallConfig(),
      configFile: 'test.yaml',
      outDir: dir,
      signal: stop.signal
    });
    expect([r.bars, r.orders, r.stopped?.reason]).toEqual([0, 0, 'SIGTERM']);
    expect(readdirSync(dir)).toEqual(['events.jsonl']);
    expect(lines(join(dir, 'events.jsonl')).map((x) => x.type)).toEqual(['run.started', 'run.stopped']);
    // not stopped: everything written anew
    const done = await runBacktest({ config: smallConfig(), configFile: 'test.yaml', outDir: dir });
    expect(done.stopped).toBeUndefined();
    for (const f of ['summary.json', 'trades.csv', 'report.html', 'events.jsonl'])
      expect(readFileSync(join(dir, f), 'utf8')).not.toBe('an earlier run\n');
    expect(existsSync(join(dir, 'snapshot.json'))).toBe(false);
  });

  it('a tick (LOBSTER) backtest stops too: where it is, or before its first message when the signal came first', async () => {
    const config = parseRunConfig(
      JSON.stringify({
        name: 'tick-stop',
        instruments: { defaults: { venue: 'NASDAQ', tickSize: '0.0001' } },
        data: {
          kind: 'lobster',
          symbol: 'AAPL',
          messages: sharedData('lobster', 'AAPL_2012-06-21_34200000_37800000_message_50.csv')
        },
        strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } }
      }),
      't.yaml'
    );
    const stop = new AbortController();
    let quotes = 0;
    const strategy: Strategy = {
      id: 'q',
      onBar: () => [],
      onQuote: () => {
        if (++quotes === 10) stop.abort('SIGINT');
        return [];
      },
      snapshot: () => ({ quotes })
    };
    const r = await runBacktest({ config, configFile: 't.yaml', strategy, signal: stop.signal });
    expect(r.stopped?.reason).toBe('SIGINT');
    // the hour has 91,997 messages: it stopped on the way, and its log ends there
    expect(r.messages).toBeGreaterThan(0);
    expect(r.messages).toBeLessThan(91_997);
    const recs = (r.log as MemoryEventLog).records;
    expect(recs.at(-1)).toMatchObject({
      type: 'run.stopped',
      ts: r.stopped!.ts,
      payload: { reason: 'SIGINT' }
    });
    const early = new AbortController();
    early.abort('SIGINT');
    const none = await runBacktest({ config, configFile: 't.yaml', signal: early.signal });
    expect([none.messages, none.stopped?.reason]).toEqual([0, 'SIGINT']);
  });
});
