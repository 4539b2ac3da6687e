import { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { cancelOrderSchema, replaceOrderSchema, submitOrderSchema } from './commands.ts';
import { executionReportSchema } from './execution-report.ts';
import { barSchema, bookDeltaSchema, quoteSchema, tradeSchema } from './market-data.ts';
import { orderEventSchema, orderRefusedSchema } from './order-events.ts';

export * from './commands.ts';
export * from './execution-report.ts';
export * from './market-data.ts';
export * from './order-events.ts';
export * from './primitives.ts';

/** Every canonical message, discriminated by `type` (so a bad message's issues name its own fields). */
export const messageSchema = z.discriminatedUnion('type', [
  barSchema,
  quoteSchema,
  tradeSchema,
  bookDeltaSchema,
  submitOrderSchema,
  cancelOrderSchema,
  replaceOrderSchema,
  executionReportSchema,
  orderEventSchema,
  orderRefusedSchema
]);
export type Message = z.infer<typeof messageSchema>;
/** The JSON (wire) form of a message: bigints as decimal strings. */
export type MessageJson = z.input<typeof messageSchema>;

/**
 * Decode a JSON value into a canonical message. Throws `TRD_ERR_MESSAGE_INVALID` naming the
 * offending key path and what was expected (context: `path`, and up to five `issues`).
 */
export function decodeMessage(json: unknown): Message {
  const r = messageSchema.safeDecode(json as MessageJson);
  if (r.success) return r.data;
  throw invalid('invalid message', r.error, json);
}

/**
 * Encode a canonical message to its JSON-safe form (bigints become decimal strings). Throws
 * `TRD_ERR_MESSAGE_INVALID` naming the offending key path, as {@link decodeMessage} does, when the message breaks
 * its schema (a field out of range, a reason too long): such a message has no wire form.
 */
export function encodeMessage(msg: Message): MessageJson {
  const r = messageSchema.safeEncode(msg);
  if (r.success) return r.data;
  throw invalid('message cannot be encoded', r.error, msg);
}

/** The `TRD_ERR_MESSAGE_INVALID` for a message `error` refused: its first issue's key path, and five issues. */
function invalid(what: string, error: z.ZodError, msg: unknown): TradestateError {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const type = typeof msg === 'object' && msg !== null ? (msg as { type?: unknown }).type : undefined;
  return new TradestateError(
    ErrorCode.MESSAGE_INVALID,
    `${what} at "${path}": ${issue?.message ?? 'unknown'}`,
    {
      ...(typeof type === 'string' ? { type: type.slice(0, 64) } : {}),
      path,
      issues: error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message }))
    }
  );
}

/** Canonical message → JSON text. */
export function messageToJson(msg: Message): string {
  return JSON.stringify(encodeMessage(msg));
}

/** JSON text → canonical message; malformed JSON is `TRD_ERR_MESSAGE_INVALID` too. */
export function messageFromJson(text: string): Message {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.MESSAGE_INVALID,
      'message is not valid JSON',
      { length: text.length },
      { cause: e }
    );
  }
  return decodeMessage(json);
}
