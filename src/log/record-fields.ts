/**
 * Reading fields of an event-log payload (`unknown` at the observer boundary) without trusting its shape:
 * a missing or mistyped field reads as `undefined` (or an empty record), never a throw.
 */

/** A payload as a record of unknown fields. */
export type LogPayload = Readonly<Record<string, unknown>>;

/** `v` as a record, or an empty one. */
export const asRecord = (v: unknown): LogPayload =>
  typeof v === 'object' && v !== null ? (v as LogPayload) : {};

/** `v` when it is a string. */
export const stringField = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `v` when it is a finite number. */
export const numberField = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** Components whose `<source>.error` records are errors of a session (the live runner's `raised` sources). */
const ERROR_SOURCES: ReadonlySet<string> = new Set(['gateway', 'feed', 'reconciler', 'recovery']);

/**
 * The source of an error record: `oms` for `oms.refused`, `order` for `order.refused`, the component of a
 * `<source>.error` from a known source; otherwise undefined. The metrics' `errors_total` and the dashboard's
 * error count both count exactly these records.
 */
export function errorSource(type: string): string | undefined {
  if (type === 'oms.refused') return 'oms';
  if (type === 'order.refused') return 'order';
  if (!type.endsWith('.error')) return undefined;
  const source = type.slice(0, -'.error'.length);
  return ERROR_SOURCES.has(source) ? source : undefined;
}
