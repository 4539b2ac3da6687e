import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { NS_PER_MIN, NS_PER_MS } from '../core/nanos.ts';
import { BarRollup } from '../data/bar-rollup.ts';
import { parquetTimeframe, readCsvFile } from '../data/index.ts';
import { parseTimeframe, type Timeframe } from '../data/timeframe.ts';
import { csvReadOptions, dataCalendars, instrumentsFor } from './bar-sources.ts';

/**
 * The timeframe of the bars `config.data` gives a backtest (CSV files without a configured one: the first file's;
 * a Parquet store without one: the finest it holds for every symbol).
 */
function dataTimeframe(config: RunConfig): Timeframe {
  const d = config.data;
  if (d.kind === 'csv' && d.timeframe === undefined) {
    const f = d.files[0]!;
    const inst = instrumentsFor(config).find((i) => i.symbol === f.symbol)!;
    return readCsvFile(f.path, inst, csvReadOptions(d)).timeframe;
  }
  if (d.kind === 'parquet') return parquetTimeframe(d); // data.timeframe, else the finest stored for every symbol
  return parseTimeframe(d.kind === 'csv' ? (d.timeframe ?? '1m') : d.kind === 'yahoo-csv' ? '1d' : '1m');
}

/** The bars a paper session shows its strategy, and the rollup that makes them (none: the venue's bars as they come). */
export interface LiveBars {
  readonly timeframe: Timeframe;
  readonly rollup: BarRollup | undefined;
}

/**
 * How a paper session makes its strategy's bars from the venue's (`live.bars`): by default at the backtest's
 * timeframe, calendar and session (the calendar: `live.bars.calendar` for every instrument if set, else each
 * symbol's own in a Parquet store, else round the clock for synthetic data and the NYSE otherwise). A real venue's minute bars go through a {@link BarRollup}. The local venues
 * replay the data's own bars restamped to the wall clock (a history replayed in minutes has no real minutes to
 * bucket), so there the bars pass as they come, and a timeframe other than the data's is refused. Refused too
 * (`TRD_ERR_CONFIG_INVALID`): a timeframe that is not whole minutes, or one the resampler cannot make.
 */
export function liveBars(config: RunConfig): LiveBars {
  const b = config.live.bars;
  // the data's timeframe only when needed (no live.bars.timeframe, or a local venue replaying it): finding it may
  // read the data (a CSV file, a Parquet store's folders), which a real venue's session need not have at hand
  let tf: Timeframe;
  if (b.timeframe === undefined) tf = dataTimeframe(config);
  else {
    try {
      tf = parseTimeframe(b.timeframe);
    } catch (e) {
      throw new TradestateError(
        ErrorCode.CONFIG_INVALID,
        `live.bars.timeframe: ${(e as Error).message}`,
        { timeframe: b.timeframe },
        { cause: e }
      );
    }
  }
  const refuse = (why: string): never => {
    throw new TradestateError(ErrorCode.CONFIG_INVALID, `live.bars.timeframe ${tf.label}: ${why}`, {
      timeframe: tf.label
    });
  };
  if (tf.intraday && (tf.ns < NS_PER_MIN || tf.ns % NS_PER_MIN !== 0n))
    refuse('live bars are made from minute bars, so it must be whole minutes');
  const local = config.live.venue === 'local' || config.live.venue === 'local-fix';
  if (local) {
    const data = b.timeframe === undefined ? tf : dataTimeframe(config);
    if (tf.label !== data.label)
      refuse(`the local venue replays the data's own ${data.label} bars (set data.timeframe instead)`);
    return { timeframe: tf, rollup: undefined };
  }
  try {
    const rollup = new BarRollup({
      timeframe: tf,
      calendar: b.calendar ?? (config.data.kind === 'synthetic' ? '24x7' : 'nyse'),
      ...(b.calendar === undefined ? { calendars: dataCalendars(config) } : {}),
      // the backtest's session unless said otherwise: a CSV config's data.session, else the regular one
      session: b.session ?? (config.data.kind === 'csv' ? config.data.session : 'regular'),
      graceNs: BigInt(b.graceMs) * NS_PER_MS
    });
    return { timeframe: tf, rollup };
  } catch (e) {
    return refuse((e as Error).message);
  }
}
