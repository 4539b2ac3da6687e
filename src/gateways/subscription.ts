import { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { idSchema, instrumentIdSchema } from '../messages/primitives.ts';

/**
 * A market-data subscription request, venue-neutral: the canonical form of FIX MarketDataRequest (V)
 * and of a WebSocket feed's subscribe/unsubscribe.
 */
export const marketDataSubscriptionSchema = z
  .object({
    type: z.literal('md.subscription'),
    action: z.enum(['subscribe', 'unsubscribe']),
    requestId: idSchema,
    instrumentIds: z.array(instrumentIdSchema).min(1),
    entries: z.array(z.enum(['bid', 'offer', 'trade'])).min(1),
    /** 0 = full book, 1 = top of book, n = n levels. */
    depth: z.number().int().min(0).max(10_000),
    /** Snapshot plus updates (true) or snapshot only (false). */
    updates: z.boolean()
  })
  .readonly();
export type MarketDataSubscription = z.infer<typeof marketDataSubscriptionSchema>;

export function subscriptionToJson(s: MarketDataSubscription): string {
  return JSON.stringify(marketDataSubscriptionSchema.encode(s));
}

export function subscriptionFromJson(text: string): MarketDataSubscription {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TradestateError(ErrorCode.MESSAGE_INVALID, 'subscription is not valid JSON', {}, { cause: e });
  }
  const r = marketDataSubscriptionSchema.safeParse(json);
  if (!r.success) {
    throw new TradestateError(
      ErrorCode.MESSAGE_INVALID,
      `invalid subscription: ${r.error.issues[0]?.message}`,
      {
        path: r.error.issues[0]?.path.join('.')
      }
    );
  }
  return r.data;
}
