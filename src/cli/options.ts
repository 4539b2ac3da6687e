import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs } from '../core/nanos.ts';
import { parseTimeArg } from '../data/timeframe.ts';
import type { BacktestWindow } from '../engine/backtest.ts';
import { parseRedisUrl } from '../net/redis.client.ts';

/** A whole number from `text` within [min, max], or a usage error naming the option. */
export function intOption(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--${option} must be an integer from ${min} to ${max}, got "${text}"`
    );
  }
  return n;
}

/** Swept parameters as `fast=5 slow=50` (the last segment of each dotted path). */
export function paramsLabel(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k.split('.').at(-1)}=${v}`)
    .join(' ');
}

/**
 * `--option T` as a time (YYYY-MM-DD, ISO-8601 or integer ns; a date is the start of its day, UTC, or with
 * `as: 'end'` the end of it, i.e. the next day's start), or a usage error naming the option (a date that does
 * not exist too: 2024-02-31, and integer ns beyond the range of a date, ±8.64e21).
 */
export function timeOption(option: string, text: string, as: 'start' | 'end'): bigint {
  try {
    return parseTimeArg(text, as);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--${option} must be a date (YYYY-MM-DD), an ISO-8601 timestamp or integer ns within the range of a date (±8.64e21), got "${text}"`,
      { option, value: text },
      { cause: e }
    );
  }
}

/**
 * `--from T` / `--to T` (YYYY-MM-DD, ISO-8601 or integer ns; a date `--to` includes its day) as a backtest window
 * holding only the bounds given, or a usage error when either is not a time (or a day that does not exist) or
 * `from` is not before `to`.
 */
export function windowOption(values: { readonly from?: string; readonly to?: string }): BacktestWindow {
  const from = values.from === undefined ? undefined : timeOption('from', values.from, 'start');
  const to = values.to === undefined ? undefined : timeOption('to', values.to, 'end');
  if (from !== undefined && to !== undefined && from >= to) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--from (${isoFromNs(from)}) must be before --to (${isoFromNs(to)})`,
      { from, to }
    );
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** `--speed S`: `fast`, or a plain positive decimal (`60`, `0.5`; not `0x10`, `1e3` or ` 5`), else a usage error. */
export function speedOption(text: string | undefined): 'fast' | number {
  if (text === undefined || text === 'fast') return 'fast';
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0 && Number.isFinite(n))) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--speed must be fast or a positive decimal number (60, 0.5), got "${text}"`,
      { option: 'speed', value: text }
    );
  }
  return n;
}

/** `--redis URL` checked as a Redis URL ({@link parseRedisUrl}), or a usage error naming the option and what is wrong. */
export function redisOption(url: string): string {
  try {
    parseRedisUrl(url);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--redis: ${(e as Error).message}`,
      { option: 'redis' },
      { cause: e }
    );
  }
  return url;
}
