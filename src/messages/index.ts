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

/** Every canonical message, discriminated by `type`. */
export const messageSchema = z.union([
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
 * offending key path and what was expected.
 */
export function decodeMessage(json: unknown): Message {
  const r = messageSchema.safeDecode(json as MessageJson);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new TradestateError(
    ErrorCode.MESSAGE_INVALID,
    `invalid message at "${path}": ${issue?.message ?? 'unknown'}`,
    {
      path,
      issues: r.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message }))
    }
  );
}

/** Encode a canonical message to its JSON-safe form (bigints become decimal strings). */
export function encodeMessage(msg: Message): MessageJson {
  return messageSchema.encode(msg);
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
