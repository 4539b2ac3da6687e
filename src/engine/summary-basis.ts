import type { SummaryOptions } from '../analytics/summary.ts';
import { analyticsOf, type RunConfig } from '../config/schema.ts';
import { NS_PER_DAY, NS_PER_MIN } from '../core/nanos.ts';
import { symbolCalendars, syntheticSessionMinutes } from './bar-sources.ts';

/**
 * How a run's returns annualise, from its data's calendar: 365 days a year of 24-hour sessions when any instrument
 * trades round the clock (a Parquet symbol or CSV data on the 24x7 calendar: the equity moves on weekends too, so a year holds
 * 365 daily returns), else 252 sessions, each the synthetic data's configured session or the 6.5-hour US equity day
 * (the session length annualises the intraday returns of a run shorter than two days); and the configured risk-free
 * rate (`analytics.riskFree`, default 0).
 */
export function summaryOptionsFor(config: RunConfig): SummaryOptions {
  return { riskFree: analyticsOf(config).riskFree, ...annualisation(config) };
}

function annualisation(config: RunConfig): SummaryOptions {
  const data = config.data;
  if ([...symbolCalendars(config).values()].includes('24x7'))
    return { periodsPerYear: 365, sessionNs: NS_PER_DAY };
  if (data.kind === 'synthetic') {
    return { periodsPerYear: 252, sessionNs: BigInt(syntheticSessionMinutes(data)) * NS_PER_MIN };
  }
  return { periodsPerYear: 252 };
}
