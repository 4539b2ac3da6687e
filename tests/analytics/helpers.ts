import type { EquityPoint } from '../../src/analytics/types.ts';
import { NS_PER_DAY, NS_PER_MIN, nsFromIso } from '../../src/core/nanos.ts';

/** 2024-01-01T21:00:00Z, a daily close. */
export const T0 = nsFromIso('2024-01-01T21:00:00Z');

/** Daily closes on consecutive UTC days starting at T0 (or at the given day offsets). */
export function daily(values: readonly number[], dayOffsets?: readonly number[]): EquityPoint[] {
  return values.map((equity, i) => ({ ts: T0 + BigInt(dayOffsets?.[i] ?? i) * NS_PER_DAY, equity }));
}

/** A point `day` days and `minute` minutes after T0. */
export function at(day: number, minute: number, equity: number): EquityPoint {
  return { ts: T0 + BigInt(day) * NS_PER_DAY + BigInt(minute) * NS_PER_MIN, equity };
}

/** An equity curve of daily closes compounding the given returns from `start`. */
export function fromReturns(returns: readonly number[], start = 1000): EquityPoint[] {
  const values = [start];
  for (const r of returns) values.push(values[values.length - 1]! * (1 + r));
  return daily(values);
}
