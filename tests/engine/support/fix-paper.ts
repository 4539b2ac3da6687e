import type { RunConfig } from '../../../src/config/schema.ts';
import type { Instrument } from '../../../src/core/instrument.ts';
import { instrumentsFor } from '../../../src/engine/bar-sources.ts';
import { type LiveRunResult, runLive } from '../../../src/engine/live-runner.ts';
import type { Strategy } from '../../../src/strategies/strategy.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import { FixLocalVenue } from '../../../src/venue/fix-local/fix-local.venue.ts';
import { dict } from '../../gateways/fix-support.ts';
import { loopbackFixClient } from '../../support/fix-loopback.ts';
import { until } from '../../support/until.ts';

/** One paper session over FIX: the built-in venue, and the live runner on the client side of the session. */
export interface FixPaper {
  readonly venue: FixLocalVenue;
  readonly instruments: readonly Instrument[];
  /** Ends the session (the result then resolves). */
  readonly stop: AbortController;
  readonly result: Promise<LiveRunResult>;
}

/**
 * Start `strategy` on `config` (its instruments on venue FIXLOCAL) against a {@link FixLocalVenue} on
 * loopback, with FIX market data on the same session at `depth`; resolves once the session has subscribed.
 * The venue and the connection close with `cleanup`.
 */
export async function fixPaperSession(
  cleanup: (() => Promise<void> | void)[],
  config: RunConfig,
  strategy: Strategy,
  depth?: number
): Promise<FixPaper> {
  const instruments = instrumentsFor(config);
  const clock = new LiveClock();
  const venue = new FixLocalVenue({ instruments, clock, dictionary: dict, seed: 5 });
  await venue.start();
  cleanup.push(() => venue.stop());
  const conn = loopbackFixClient(cleanup, venue.port, instruments, {
    senderCompId: venue.targetCompId,
    targetCompId: venue.senderCompId,
    clock,
    ...(depth === undefined ? {} : { depth })
  });
  const stop = new AbortController();
  const result = runLive({
    config,
    configFile: 'test.yaml',
    clock,
    signal: stop.signal,
    strategy,
    connection: {
      name: 'fix',
      execution: conn.execution,
      marketData: conn.marketData,
      preflight: () => conn.preflight(),
      close: () => conn.close()
    }
  });
  cleanup.push(async () => {
    stop.abort();
    await result.catch(() => undefined);
  });
  await until(() => venue.marketData.stats.requests === 1, 5_000, 'the session to subscribe');
  return { venue, instruments, stop, result };
}
