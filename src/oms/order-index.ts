import type { AnyActorRef } from 'xstate';
import { LastN } from '../core/last-n.ts';

/** Who owns a working order and what it trades. */
export interface OrderOwner {
  readonly strategyId: string;
  readonly instrumentId: string;
}

interface Entry extends OrderOwner {
  /** Every client order id of the order (its root first, then cancel-replace successors). */
  readonly clientIds: string[];
  /** Venue order ids learned from its reports. */
  readonly venueIds: string[];
  /** The order's actor, once created. */
  ref?: AnyActorRef;
}

/**
 * The OMS's routing index over working orders and their actors: client order ids (including cancel-replace successors) and venue
 * order ids → the root client order id the order's actor was created with, and root → owner. Every operation is
 * O(1) (removal: O(ids of that order)); the OMS keeps one mutable index in its context instead of copying
 * records on every event, which made each event cost O(working orders) (0.5 ms a submit at 1,000 working
 * orders, 16 ms at 16,000).
 */
export class OrderIndex {
  readonly #byClient = new Map<string, string>();
  readonly #byVenue = new Map<string, string>();
  /** Root → entry, in creation order. */
  readonly #orders = new Map<string, Entry>();
  /** Client order ids of the most recently closed orders, for telling late answers from strays. */
  readonly #closed: LastN;

  /** `closedCap`: how many client order ids of closed orders to remember. */
  constructor(closedCap = 8_192) {
    this.#closed = new LastN(closedCap);
  }

  /** Working orders. */
  get size(): number {
    return this.#orders.size;
  }

  /** True when `clientOrderId` names a working order (a root or a successor). */
  hasClientId(clientOrderId: string): boolean {
    return this.#byClient.has(clientOrderId);
  }

  /** Add a new working order under its root client order id. */
  add(root: string, owner: OrderOwner): void {
    this.#orders.set(root, { ...owner, clientIds: [root], venueIds: [] });
    this.#byClient.set(root, root);
  }

  /** The actor of the order `root`. */
  attach(root: string, ref: AnyActorRef): void {
    const e = this.#orders.get(root);
    if (e !== undefined) e.ref = ref;
  }

  /**
   * Stop the actors of all working orders (their owner stopped or failed) and forget them, remembering their client
   * ids as recently closed (as {@link remove} does), so late answers to them are not taken for strays.
   */
  stopAll(): void {
    const refs = [...this.#orders.values()];
    this.#orders.clear();
    this.#byClient.clear();
    this.#byVenue.clear();
    for (const e of refs) for (const id of e.clientIds) this.#closed.add(id);
    // XState's own stop event: the actor cancels its timers, unregisters its systemId and completes
    for (const e of refs) e.ref?.send({ type: 'xstate.stop' });
  }

  /** A cancel-replace successor id of the order `root`. */
  alias(clientOrderId: string, root: string): void {
    const e = this.#orders.get(root);
    if (e === undefined || this.#byClient.has(clientOrderId)) return;
    e.clientIds.push(clientOrderId);
    this.#byClient.set(clientOrderId, root);
  }

  /** A venue order id of the order `root` (learned from a report); known ids are left as they are. */
  venue(venueOrderId: string, root: string): void {
    const e = this.#orders.get(root);
    if (e === undefined || this.#byVenue.has(venueOrderId)) return;
    e.venueIds.push(venueOrderId);
    this.#byVenue.set(venueOrderId, root);
  }

  /** The root of the order a client order id names. */
  rootOfClient(clientOrderId: string): string | undefined {
    return this.#byClient.get(clientOrderId);
  }

  /** The root of the order a venue order id names. */
  rootOfVenue(venueOrderId: string): string | undefined {
    return this.#byVenue.get(venueOrderId);
  }

  /** The owner of the order `root`. */
  owner(root: string): OrderOwner | undefined {
    return this.#orders.get(root);
  }

  /** True when `clientOrderId` named one of the most recently closed orders (see the constructor). */
  recentlyClosed(clientOrderId: string): boolean {
    return this.#closed.has(clientOrderId);
  }

  /** Forget the order `root` and all its ids (remembering its client ids as recently closed). */
  remove(root: string): void {
    const e = this.#orders.get(root);
    if (e === undefined) return;
    for (const id of e.clientIds) {
      this.#byClient.delete(id);
      this.#closed.add(id);
    }
    for (const id of e.venueIds) this.#byVenue.delete(id);
    this.#orders.delete(root);
  }

  /** Roots of the working orders of `strategyId` / on `instrumentId` (either may be omitted), in creation order. */
  matching(strategyId: string | undefined, instrumentId: string | undefined): string[] {
    const out: string[] = [];
    for (const [root, o] of this.#orders) {
      if (
        (strategyId === undefined || o.strategyId === strategyId) &&
        (instrumentId === undefined || o.instrumentId === instrumentId)
      )
        out.push(root);
    }
    return out;
  }

  /** A JSON-safe copy: client and venue ids → root, and owners by root. */
  toJSON(): {
    ids: Record<string, string>;
    venueIds: Record<string, string>;
    orders: Record<string, OrderOwner>;
  } {
    const orders: Record<string, OrderOwner> = {};
    for (const [root, o] of this.#orders)
      orders[root] = { strategyId: o.strategyId, instrumentId: o.instrumentId };
    return { ids: Object.fromEntries(this.#byClient), venueIds: Object.fromEntries(this.#byVenue), orders };
  }
}
