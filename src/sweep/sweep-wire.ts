/**
 * JSON for sweep jobs and results on the wire (Redis): exact round trips of what plain JSON cannot hold —
 * bigints (nanosecond windows) become `{"$bigint":"…"}` and non-finite numbers (a Sharpe ratio of a run
 * without trades) `{"$number":"NaN"}`. An object of the caller's that would read as one of these tags (its only
 * key `$bigint`, `$number` or `$object`) is sent escaped, as `{"$object":[[key, value]]}`. Everything else is
 * plain JSON.
 */

const TAGS: ReadonlySet<string> = new Set(['$bigint', '$number', '$object']);

/** True for a plain object whose only key is one of the wire's tags. */
function looksTagged(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && TAGS.has(keys[0]!);
}

/** `value` as wire JSON. */
export function toWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    // an array of entries: the replacer then walks the value inside without meeting this object again
    if (looksTagged(v)) return { $object: Object.entries(v) };
    return v;
  });
}

const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY
};

/** Parse wire JSON (throws `SyntaxError` on text that is not JSON). */
export function fromWire(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length !== 1) return v;
    const o = v as Record<string, unknown>;
    if (typeof o['$bigint'] === 'string' && /^-?\d+$/.test(o['$bigint'])) return BigInt(o['$bigint']);
    if (typeof o['$number'] === 'string' && o['$number'] in NON_FINITE) return NON_FINITE[o['$number']];
    const entries = o['$object'];
    if (
      Array.isArray(entries) &&
      entries.length === 1 &&
      Array.isArray(entries[0]) &&
      entries[0].length === 2 &&
      TAGS.has(entries[0][0])
    )
      return { [entries[0][0]]: entries[0][1] };
    return v;
  });
}
