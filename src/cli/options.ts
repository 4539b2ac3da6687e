import { ErrorCode, TradestateError } from '../core/errors.ts';

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
