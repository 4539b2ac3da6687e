/**
 * Durations on the command line (`90s`, `5m`, `12h`, `5d`, `1500ms`): the one parser every command uses.
 */
import { ErrorCode, TradestateError } from './errors.ts';

/** The longest delay (ms) one Node timer takes (2^31−1, ~24.8 days): a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds per duration unit; `d` is a calendar day (24 h). */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Options of {@link parseDuration}. */
export interface ParseDurationOptions {
  /** The option named in the error message (default `--duration`). */
  readonly option?: string;
  /** Refuse a bare number (otherwise read as milliseconds). */
  readonly unitRequired?: boolean;
}

/**
 * Parse a duration into whole milliseconds: a non-negative number with a unit `ms`, `s`, `m`, `h` or `d`
 * (calendar days), e.g. `90s`, `1.5h`, `5d`; a bare number is milliseconds unless `unitRequired`.
 *
 * @throws TradestateError `TRD_ERR_CLI_USAGE` naming the option when `text` is not such a duration.
 */
export function parseDuration(text: string, opts: ParseDurationOptions = {}): number {
  const option = opts.option ?? '--duration';
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = m?.[2] as keyof typeof UNIT_MS | undefined;
  if (!m || (unit === undefined && opts.unitRequired)) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `${option} must look like 90s, 5m, 1500ms, 12h or 5d, got "${text}"`,
      { option, value: text }
    );
  }
  const ms = Math.round(Number(m[1]) * UNIT_MS[unit ?? 'ms']);
  if (!Number.isSafeInteger(ms)) {
    throw new TradestateError(ErrorCode.CLI_USAGE, `${option}: ${text} is too long`, { option, value: text });
  }
  return ms;
}

/** A duration in milliseconds written with the largest unit that divides it (`432000000` → `5d`, `90000` → `90s`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
