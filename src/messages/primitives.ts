import { z } from 'zod';
import { MAX_DATE_NS, MIN_DATE_NS } from '../core/nanos.ts';

const NANOS_RANGE = 'nanoseconds within the range of a Date (±8.64e21)';

/**
 * Integer nanoseconds: a decimal string on the wire, a bigint inside; within the range a Date can show
 * ({@link MIN_DATE_NS}..{@link MAX_DATE_NS}), so every timestamp that decodes prints as ISO-8601.
 */
export const nanosSchema = z.codec(
  z.string().regex(/^-?\d{1,30}$/, 'integer nanoseconds as a decimal string'),
  z.bigint().min(MIN_DATE_NS, NANOS_RANGE).max(MAX_DATE_NS, NANOS_RANGE),
  {
    decode: (s) => BigInt(s),
    encode: (b) => b.toString()
  }
);

/** Exact fixed-point money (10^-8 units): a decimal integer string on the wire, a bigint inside. */
export const moneySchema = z.codec(
  z.string().regex(/^-?\d{1,40}$/, 'integer money units (1e-8) as a decimal string'),
  z.bigint(),
  {
    decode: (s) => BigInt(s),
    encode: (b) => b.toString()
  }
);

/** Price in integer ticks of the instrument's tick size (may be negative for spreads). */
export const ticksSchema = z.number().int().safe();
/** Quantity in integer lots of the instrument's lot size, never negative. */
export const lotsSchema = z.number().int().safe().nonnegative();
/** A strictly positive quantity in lots. */
export const positiveLotsSchema = z.number().int().safe().positive();
/** Sequence number (venue or internal), a non-negative safe integer. */
export const seqSchema = z.number().int().safe().nonnegative();

export const idSchema = z.string().min(1).max(128);

/** The longest symbol, and the longest venue name, an instrument id may hold (UTF-16 units; the data store's limit). */
export const SYMBOL_MAX = 32;
/**
 * The characters of a symbol, as symbols really are (`AAPL`, `BRK.B`, `BTC/USD`, `ES=F`, `^GSPC`): any but `@`
 * (which separates an instrument id's parts) and whitespace, control or invisible format characters.
 */
const SYMBOL_CHAR = String.raw`[^@\s\p{Cc}\p{Cf}]`;
const SYMBOL_RE = new RegExp(`^${SYMBOL_CHAR}+$`, 'u');
/** `SYMBOL@VENUE` of symbol characters; the parts' lengths are checked apart (a `u` regex counts code points). */
const INSTRUMENT_ID_RE = new RegExp(`^${SYMBOL_CHAR}+@${SYMBOL_CHAR}+$`, 'u');

/**
 * A symbol (or venue name) that can be one part of an instrument id: 1 to {@link SYMBOL_MAX} characters, none of
 * them `@`, whitespace or control characters. The one rule for what a symbol is.
 */
export const symbolSchema = z
  .string()
  .min(1)
  .max(SYMBOL_MAX)
  .regex(SYMBOL_RE, 'a symbol: no "@", whitespace or control characters');

/** Whether `id` is `SYMBOL@VENUE` with each part a {@link symbolSchema} (no allocation). */
function isInstrumentId(id: string): boolean {
  const at = id.indexOf('@');
  return at >= 1 && at <= SYMBOL_MAX && id.length - at - 1 <= SYMBOL_MAX && INSTRUMENT_ID_RE.test(id);
}

/** `SYMBOL@VENUE` (as `makeInstrument` builds it), each part a {@link symbolSchema}. */
export const instrumentIdSchema = z.string().refine(isInstrumentId, 'SYMBOL@VENUE');

/**
 * The longest free-text `reason` a report or an order event carries (commands carry {@link COMMAND_REASON_MAX}).
 * Text from a venue is clipped to it ({@link clipReason}) where it is decoded.
 */
export const REASON_MAX = 256;
/** The longest `reason` a command carries. */
export const COMMAND_REASON_MAX = 128;

/**
 * `text` cut to at most `max` UTF-16 units (never between the halves of a surrogate pair): the same string, not a
 * copy, when it already fits, so decoding a venue's free text costs nothing unless it is too long.
 */
export function clipReason(text: string, max: number = REASON_MAX): string {
  if (text.length <= max) return text;
  const cut = max > 0 && isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return text.slice(0, cut);
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** A report's or an order event's `reason`. */
export const reasonSchema = z.string().max(REASON_MAX);
/** A command's `reason`. */
export const commandReasonSchema = z.string().max(COMMAND_REASON_MAX);

export const sideSchema = z.enum(['buy', 'sell']);
export type Side = z.infer<typeof sideSchema>;

export const orderTypeSchema = z.enum(['market', 'limit', 'stop', 'stop_limit']);
export type OrderType = z.infer<typeof orderTypeSchema>;

export const timeInForceSchema = z.enum(['day', 'gtc', 'ioc', 'fok', 'gtd']);
export type TimeInForce = z.infer<typeof timeInForceSchema>;

export const liquiditySchema = z.enum(['maker', 'taker', 'none']);

/** Who acted, for the audit trail. */
export const actorKindSchema = z.enum(['strategy', 'trader', 'system', 'venue']);

/** Why something was done to an order, for the audit trail. */
export const whySchema = z.enum(['signal', 'risk', 'manual', 'reconciliation', 'venue', 'system']);
export type Why = z.infer<typeof whySchema>;
