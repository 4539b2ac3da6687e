import { config as rxConfig } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TradestateError } from '../../src/core/errors.ts';
import { nsFromIso } from '../../src/core/nanos.ts';
import { parseTimeframe } from '../../src/data/timeframe.ts';
import { type LiveConnection, runLive } from '../../src/engine/live-runner.ts';
import type { ExecutionReport } from '../../src/messages/execution-report.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { smallConfig } from '../support/run-config.ts';
import { until } from '../support/until.ts';
import { drivenConnection } from './support/driven-connection.ts';

/*
 * The runner delivers venue reports on a microtask. A report that arrives as the session ends (its drain queued
 * just before the log closes) must be dropped, not appended to the closed log from that microtask, where the throw
 * would be uncaught and kill the process. Real sockets cannot place a report inside that microtask on purpose, so
 * the connection here is a test double whose report stream the test drives; the local-venue sessions in
 * live-runner.test.ts cover the wiring end to end.
 */

const origQueue = globalThis.queueMicrotask;
afterEach(() => {
  globalThis.queueMicrotask = origQueue;
});

/** Microtasks run as usual; what one throws is kept instead of escaping. */
function catchMicrotaskThrows(): unknown[] {
  const escaped: unknown[] = [];
  globalThis.queueMicrotask = (cb) =>
    origQueue(() => {
      try {
        cb();
      } catch (e) {
        escaped.push(e);
      }
    });
  return escaped;
}

const report = {
  type: 'exec.report',
  clientOrderId: 'x-1',
  venueOrderId: 'v-1',
  tsEvent: nsFromIso('2024-03-05T15:00:00Z')
} as unknown as ExecutionReport;

const session = (connection: LiveConnection) => {
  const stop = new AbortController();
  stop.abort();
  return runLive({
    config: smallConfig({ data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 1 } }),
    configFile: 't.yaml',
    clock: new LiveClock(),
    connection,
    signal: stop.signal,
    bars: { timeframe: parseTimeframe('1m'), rollup: undefined },
    strategy: { id: 's', onBar: () => [], snapshot: () => ({}) }
  });
};

describe('runLive: a report that arrives as the session ends', () => {
  it('on the success path it is dropped, not appended to the closed log', async () => {
    const escaped = catchMicrotaskThrows();
    let cashCalls = 0;
    const d = drivenConnection({
      cash: async () => {
        // the venue's answer to the end-of-session cash query comes with a report in the same tick
        if (++cashCalls > 1) origQueue(() => d.reports.next(report));
        return 0n;
      }
    });
    const r = await session(d.connection);
    expect(r.stoppedBy).toBe('signal');
    await new Promise((res) => setTimeout(res, 20));
    expect(escaped).toEqual([]);
  });

  it('on the failure path too: the session rejects with its own error and nothing else escapes', async () => {
    const escaped = catchMicrotaskThrows();
    let cashCalls = 0;
    const d = drivenConnection({
      cash: async () => {
        if (++cashCalls === 1) return 0n;
        origQueue(() => d.reports.next(report));
        return 1 as unknown as bigint; // a malformed answer fails the session
      }
    });
    await expect(session(d.connection)).rejects.toThrow(TypeError);
    await new Promise((res) => setTimeout(res, 20));
    expect(escaped).toEqual([]);
  });
});

describe('runLive: a failure inside a stream callback', () => {
  afterEach(() => {
    rxConfig.onUnhandledError = null;
  });

  it("fails the session: it rejects with the callback's error, and nothing escapes unhandled", async () => {
    const unhandled: unknown[] = [];
    rxConfig.onUnhandledError = (e) => unhandled.push(e);
    const d = drivenConnection();
    const clock = new LiveClock();
    const running = runLive({
      config: smallConfig({
        data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 1 }
      }),
      configFile: 't.yaml',
      clock,
      connection: d.connection,
      bars: { timeframe: parseTimeframe('1m'), rollup: undefined },
      strategy: { id: 's', onBar: () => [], snapshot: () => ({}) },
      // fails inside the market-data callback, as an append a full disk refuses would
      onBar: () => {
        throw new TradestateError(ErrorCode.LOG_WRITE_FAILED, 'disk full', {});
      }
    });
    await until(() => d.md.observed, 5000, 'the session listening to market data');
    const now = clock.now();
    const bar = {
      type: 'market.bar',
      instrumentId: 'AAA@SIM',
      tsOpen: now - 60_000_000_000n,
      tsEvent: now,
      tsInit: now,
      open: 1,
      high: 1,
      low: 1,
      close: 1,
      volume: 1
    } as Bar;
    d.md.next(bar);
    // no stop signal: the failure alone ends the session
    await expect(running).rejects.toMatchObject({ code: 'TRD_ERR_LOG_WRITE_FAILED' });
    expect(unhandled).toEqual([]);
  });
});
