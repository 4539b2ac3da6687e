import type { z } from 'zod';
import type { actorKindSchema } from '../messages/primitives.ts';

/** Who acted on an order: recorded in every audit event. */
export type ActorKind = z.infer<typeof actorKindSchema>;

/** The pre-trade risk verdict attached to an `order.submit`. */
export type RiskDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly validator: string; readonly reason: string; readonly code: string };
