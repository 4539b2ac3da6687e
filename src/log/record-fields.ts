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
