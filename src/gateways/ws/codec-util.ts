import { ErrorCode, TradestateError } from '../../core/errors.ts';

/** A malformed or unexpected WebSocket frame. */
export function frameError(
  venue: string,
  why: string,
  context: Record<string, unknown> = {}
): TradestateError {
  return new TradestateError(ErrorCode.WS_FRAME_INVALID, `${venue}: ${why}`, { venue, ...context });
}

/** JSON.parse with a typed error. */
export function parseJson(venue: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.WS_FRAME_INVALID,
      `${venue}: frame is not JSON`,
      { venue, length: text.length },
      { cause: e }
    );
  }
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(venue: string, o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw frameError(venue, `field ${k} must be a string`, { field: k });
  return v;
}

export function int(venue: string, o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw frameError(venue, `field ${k} must be an integer`, { field: k });
  return v;
}

/** A JSON number as an exact plain decimal string (no exponent), for tick/lot conversion. */
export function numToDecimal(venue: string, v: unknown, field: string): string {
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return v;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw frameError(venue, `field ${field} must be a number`, { field });
  const s = String(v);
  if (!s.includes('e')) return s;
  return v.toFixed(20).replace(/\.?0+$/, '');
}

/** `[["price","size"], ...]` levels. */
export function levels(venue: string, v: unknown, field: string): [string, string][] {
  if (!Array.isArray(v)) throw frameError(venue, `field ${field} must be an array`, { field });
  return v.map((l) => {
    if (!Array.isArray(l) || typeof l[0] !== 'string' || typeof l[1] !== 'string') {
      throw frameError(venue, `field ${field} must hold [price, size] string pairs`, { field });
    }
    return [l[0], l[1]];
  });
}
