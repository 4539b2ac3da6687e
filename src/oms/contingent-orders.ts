import type { OcoMode } from '../messages/commands.ts';
import { ORDER_FINAL_STATES, type OrderEvent, REPLACE_REFUSALS } from '../messages/order-events.ts';
import type { Side, TimeInForce } from '../messages/primitives.ts';
import type {
  BracketIntent,
  CancelIntent,
  OrderIntent,
  ReplaceIntent,
  StrategyAction
} from '../strategies/strategy.ts';
import { ORDER_DONE_STATES, type WorkingOrder, type WorkingOrders } from './working-orders.ts';

/**
 * A bracket whose entry can still fill: its exits go out when the entry is done (and for each late fill of an
 * entry canceled or expired, until it closes).
 */
export interface PendingBracket {
  readonly instrumentId: string;
  /** The exits' side (the entry's opposite). */
  readonly exitSide: Side;
  readonly stopLossPx: number | undefined;
  readonly takeProfitPx: number | undefined;
  readonly exitTif: TimeInForce;
  /** The exits' OCO group: the entry's first client order id. */
  readonly group: string;
  readonly ocoMode: OcoMode;
  readonly reason: string;
  /** When the exits go out: once the entry is done, or at each fill (a pair of its own for each). */
  readonly exitsOn: 'done' | 'fill';
  /** Lots of the entry given to exits so far (`exitsOn: 'fill'`). */
  readonly released: number;
}

/** An order's OCO group and what a fill of it does to the rest of the group. */
export interface OcoMembership {
  readonly ocoGroup: string;
  readonly ocoMode: OcoMode;
}

/** A reduce-group reduction sent as a replace and not yet answered. */
export interface SentReduction {
  /** The lots it takes off. */
  readonly lots: number;
  /** It is the second try, after the venue refused the first: refused again, the order is canceled. */
  readonly retry: boolean;
  /** The order's quantity it was computed from (lowered by each venue restatement since). */
  readonly basis?: number;
  /** The order's quantity the replace asks for (its size as sent, or for a price-only replace the size then). */
  readonly target?: number;
  /**
   * Lots the venue restated the order down by while it was in flight. A replace's quantity is absolute on FIX
   * (OrderQty, even on a price-only replace), so if it takes it may undo them: what the replaced order has beyond
   * `target − restated` (at most `restated`) is owed again.
   */
  readonly restated?: number;
  /** The strategy's own replace (`lots` 0), followed only for restatements: a refusal of it owes nothing. */
  readonly own?: boolean;
}

/**
 * A strategy's contingent orders: brackets waiting on their entry (by the entry's current client order id), the
 * OCO group of each order that has one and can still fill (by client order id), the lots owed off each reduce-group
 * member whose size could not change when a sibling filled, and the reductions sent and not yet answered (both by
 * client order id). All follow cancel-replaces.
 */
export interface Contingencies {
  readonly brackets: Readonly<Record<string, PendingBracket>>;
  readonly oco: Readonly<Record<string, OcoMembership>>;
  /** Lots to take off each order once it can be replaced (acknowledged, nothing in flight). */
  readonly owed: Readonly<Record<string, number>>;
  /**
   * Reductions in flight, by the client order id they replace: until the venue answers, the order cannot be
   * reduced again (later fills are owed), and if it refuses, the lots are owed again.
   */
  readonly reducing: Readonly<Record<string, SentReduction>>;
}

export const NO_CONTINGENCIES: Contingencies = { brackets: {}, oco: {}, owed: {}, reducing: {} };

/** Whether an order in `status` can have its size changed now: acknowledged, with no cancel or replace in flight. */
export const changeable = (status: string | undefined): boolean =>
  status === 'ACKNOWLEDGED' || status === 'PARTIAL_FILL';

/** What an order event (or a catch-up) calls for, and the contingencies that follow. */
export interface ContingentStep {
  readonly next: Contingencies;
  readonly actions: readonly (OrderIntent | CancelIntent | ReplaceIntent)[];
}

/**
 * Why a bracket cannot be sent, or undefined when it can: it needs an exit, and the take-profit must be on the
 * profitable side of the stop-loss and of the entry's limit price (above them for a buy entry, below for a sell);
 * the stop-loss must be on the losing side of the entry's limit.
 */
export function bracketProblem(b: BracketIntent): string | undefined {
  const { stopLossPx: sl, takeProfitPx: tp, entry } = b;
  if (sl === undefined && tp === undefined) return 'a bracket needs a stopLossPx or a takeProfitPx';
  const up = entry.side === 'buy' ? 1 : -1;
  const word = entry.side === 'buy' ? 'above' : 'below';
  if (sl !== undefined && tp !== undefined && (tp - sl) * up <= 0)
    return `takeProfitPx ${tp} must be ${word} stopLossPx ${sl} for a ${entry.side} entry`;
  const limit = entry.limitPx;
  if (limit !== undefined && tp !== undefined && (tp - limit) * up <= 0)
    return `takeProfitPx ${tp} must be ${word} the entry's limitPx ${limit}`;
  if (limit !== undefined && sl !== undefined && (limit - sl) * up <= 0)
    return `stopLossPx ${sl} must be ${entry.side === 'buy' ? 'below' : 'above'} the entry's limitPx ${limit}`;
  return undefined;
}

/** Register bracket `b`, whose entry was sent as `entryId`. */
export function openBracket(c: Contingencies, entryId: string, b: BracketIntent): Contingencies {
  const pending: PendingBracket = {
    instrumentId: b.entry.instrumentId,
    exitSide: b.entry.side === 'buy' ? 'sell' : 'buy',
    stopLossPx: b.stopLossPx,
    takeProfitPx: b.takeProfitPx,
    exitTif: b.exitTif ?? 'gtc',
    group: entryId,
    ocoMode: b.ocoMode ?? 'reduce',
    reason: b.reason,
    exitsOn: b.exitsOn ?? 'done',
    released: 0
  };
  return { ...c, brackets: { ...c.brackets, [entryId]: pending } };
}

/** Note that order `clientOrderId` was sent in OCO group `group`, with mode `mode`. */
export function joinOco(
  c: Contingencies,
  clientOrderId: string,
  group: string,
  mode: OcoMode
): Contingencies {
  return { ...c, oco: { ...c.oco, [clientOrderId]: { ocoGroup: group, ocoMode: mode } } };
}

/** The OCO group an order intent joins and its mode (`cancel` unless it says), or undefined when it joins none. */
export function intentOco(i: OrderIntent): OcoMembership | undefined {
  return i.ocoGroup === undefined ? undefined : { ocoGroup: i.ocoGroup, ocoMode: i.ocoMode ?? 'cancel' };
}

/** Order `clientOrderId`'s OCO group and mode, or an empty object: spread it into a view of the order. */
export function ocoOf(c: Contingencies, clientOrderId: string): OcoMembership | Record<string, never> {
  return c.oco[clientOrderId] ?? {};
}

/** A copy of `r` without `drop` and, when `add` is given, with `add[0]` set to `add[1]`. */
function rekey<T>(
  r: Readonly<Record<string, T>>,
  drop: string,
  add?: readonly [string, T]
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k in r) if (k !== drop) out[k] = r[k]!;
  if (add) out[add[0]] = add[1];
  return out;
}

/**
 * The exits of a bracket whose entry filled `qty` more lots, the stop-loss first (so it wins a bar that reaches
 * both), in their own OCO group: the bracket's (the entry's first client order id) for its first exits, and
 * `<group>+<lots released before>` for each later pair (`exitsOn: 'fill'`), which protects only its own lots.
 */
function exitsOf(b: PendingBracket, qty: number): OrderIntent[] {
  const base = {
    instrumentId: b.instrumentId,
    side: b.exitSide,
    qty,
    tif: b.exitTif,
    ocoGroup: b.released === 0 ? b.group : `${b.group}+${b.released}`,
    ocoMode: b.ocoMode
  };
  const out: OrderIntent[] = [];
  if (b.stopLossPx !== undefined)
    out.push({
      ...base,
      orderType: 'stop',
      stopPx: b.stopLossPx,
      reason: `stop-loss of ${b.group}: ${b.reason}`
    });
  if (b.takeProfitPx !== undefined)
    out.push({
      ...base,
      orderType: 'limit',
      limitPx: b.takeProfitPx,
      reason: `take-profit of ${b.group}: ${b.reason}`
    });
  return out;
}

/**
 * Whether an order in `status` can never fill again (FILLED, REJECTED, CLOSED): a canceled or expired one can, by a
 * late fill, until it closes.
 */
const cannotFill = (status: string): boolean => ORDER_FINAL_STATES.has(status);

/** Why an order is reduced: the reason of the replace (followed by the lots) and of the cancel. */
interface Why {
  readonly reduce: string;
  readonly cancel: string;
}

/** A reduction because of something in the order's OCO group. */
const ouo = (cause: string): Why => ({ reduce: `OUO: ${cause}`, cancel: `OCO: ${cause}` });

/**
 * Why order `id`'s debt is paid: its group's fills, or for an order outside any group (which owes only that) a
 * venue restatement a replace undid.
 */
function debtWhy(oco: Contingencies['oco'], id: string): Why {
  if (oco[id] !== undefined) return ouo('group filled');
  const why = 'restated: the venue’s restatement, undone by a replace, taken off again';
  return { reduce: why, cancel: why };
}

/**
 * Reduce order `id` (`filled` lots filled, `leaves` left) by `by` lots, for `why`: a replace by one that much
 * smaller (a size decrease keeps its queue place), noted in `reducing` as in flight (`retry`: a second try), or a
 * cancel when that leaves nothing.
 */
function reduction(
  reducing: Contingencies['reducing'],
  id: string,
  filled: number,
  leaves: number,
  by: number,
  why: Why,
  retry = false
): { readonly action: CancelIntent | ReplaceIntent; readonly reducing: Contingencies['reducing'] } {
  const left = leaves - by;
  return left > 0
    ? {
        action: { kind: 'replace', clientOrderId: id, qty: filled + left, reason: `${why.reduce} ${by}` },
        reducing: { ...reducing, [id]: { lots: by, retry, basis: filled + leaves, target: filled + left } }
      }
    : { action: { kind: 'cancel', clientOrderId: id, reason: why.cancel }, reducing };
}

/**
 * Follow one of the strategy's order events: a bracket's entry that is done releases its exits (new orders, in
 * the bracket's OCO group) for what it filled, and a canceled or expired one for each late fill after it (a pair
 * of their own, as `exitsOn: 'fill'` gives); a bracket, like an OCO membership, is dropped once its order can never
 * fill again (filled, rejected, or closed: past the late-fill grace). A replaced order keeps its bracket, group
 * and what it owes under its new id. Where the venue does not honour OCO groups (`venueOco` false), a fill of `q`
 * lots of a group member (a late one too) acts on its siblings that are still working (`open`): in a
 * `cancel` group those not already being canceled are canceled; in a `reduce` group each is replaced by one `q`
 * smaller, or canceled when that leaves nothing. A reduce sibling whose size cannot change now (not yet
 * acknowledged, a cancel or replace in flight, or a reduction of it not yet answered) owes the `q` lots instead,
 * and is reduced by all it owes as soon as an event shows it acknowledged with nothing in flight (canceled then if
 * that leaves nothing; canceled at once, unless already being canceled, if it owes all it has left); if it is done
 * first, the debt goes with it. A reduction the venue refuses (`order.replace_rejected`, say because the order
 * filled past the new size meanwhile) is owed again and sent once more from the order's size then; refused a
 * second time, the order is canceled: an exit larger than the position it closes would open a new one.
 */
export function contingentActions(
  c: Contingencies,
  e: OrderEvent,
  open: WorkingOrders,
  venueOco: boolean,
  /** Replaying an event the strategy missed ({@link catchUpContingencies}): it pays no debt. */
  replay = false
): ContingentStep {
  const id = e.clientOrderId;
  const orig = e.origClientOrderId;
  let { brackets, oco, owed, reducing } = c;
  const actions: (OrderIntent | CancelIntent | ReplaceIntent)[] = [];
  const reduce = (k: string, filled: number, leaves: number, by: number, why: Why, retry = false) => {
    const r = reduction(reducing, k, filled, leaves, by, why, retry);
    reducing = r.reducing;
    actions.push(r.action);
  };
  if (e.type === 'order.replaced' && orig !== undefined) {
    if (brackets[orig] !== undefined) brackets = rekey(brackets, orig, [id, brackets[orig]!]);
    if (oco[orig] !== undefined) oco = rekey(oco, orig, [id, oco[orig]!]);
    if (owed[orig] !== undefined) owed = rekey(owed, orig, [id, owed[orig]!]);
    const took = reducing[orig];
    if (took !== undefined) {
      reducing = rekey(reducing, orig); // the replace took: what it undid of the venue's restatements is owed
      const undone = undoneRestatement(took, e.qty);
      if (undone > 0) owed = { ...owed, [id]: (owed[id] ?? 0) + undone };
    }
  }
  // the venue restated an order while a replace of ours is in flight: that replace would undo it
  const flying = reducing[id];
  if (e.type === 'order.restated' && flying?.basis !== undefined && e.qty < flying.basis) {
    const by = flying.basis - e.qty;
    reducing = { ...reducing, [id]: { ...flying, basis: e.qty, restated: (flying.restated ?? 0) + by } };
  }
  const done = ORDER_DONE_STATES.has(e.to);
  // done, but a canceled or expired order may still fill late (`late`) until it closes: its bracket and OCO group
  // are kept till then
  const final = cannotFill(e.to);
  const sent = reducing[id];
  let retry = false;
  if (sent !== undefined && (done || REPLACE_REFUSALS.has(e.type))) {
    reducing = rekey(reducing, id);
    // (the strategy's own replace refused leaves the order as it was: nothing is owed)
    if (!done && !sent.own && !sent.retry) {
      owed = { ...owed, [id]: (owed[id] ?? 0) + sent.lots };
      retry = true;
    } else if (!done && !sent.own && e.to !== 'PENDING_CANCEL') {
      if (owed[id] !== undefined) owed = rekey(owed, id);
      actions.push({ kind: 'cancel', clientOrderId: id, reason: 'OCO: reduction refused twice' });
    }
  }
  const debt = owed[id];
  if (debt !== undefined && (done || (!replay && changeable(e.to) && reducing[id] === undefined))) {
    owed = rekey(owed, id);
    if (!done && debt !== 0) reduce(id, e.filledQty, e.leavesQty, debt, debtWhy(oco, id), retry);
  }
  const bracket = brackets[id];
  // exits for what the entry filled since the last release: once it is done, or (`exitsOn: 'fill'`) at each fill
  // (a replay of missed events leaves those to the catch-up's end, which knows what the entry has filled by now)
  if (bracket !== undefined && (done || (bracket.exitsOn === 'fill' && !replay))) {
    const more = e.filledQty - bracket.released;
    brackets = final
      ? rekey(brackets, id)
      : more > 0
        ? { ...brackets, [id]: { ...bracket, released: e.filledQty } }
        : brackets;
    if (more > 0) actions.push(...exitsOf(bracket, more));
  }
  const member = oco[id];
  const fill = e.type === 'order.filled' ? (e.lastQty ?? 0) : 0;
  if (member !== undefined) {
    if (!venueOco && fill > 0) {
      for (const k in oco) {
        if (k === id || oco[k]!.ocoGroup !== member.ocoGroup) continue;
        const o = open[k];
        if (o === undefined) continue;
        if (member.ocoMode === 'cancel') {
          if (o.status !== 'PENDING_CANCEL')
            actions.push({ kind: 'cancel', clientOrderId: k, reason: `OCO: ${id} filled` });
        } else if (changeable(o.status) && reducing[k] === undefined)
          reduce(k, o.filled, Math.abs(o.leaves), fill, ouo(`${id} filled`));
        else if (
          o.status !== 'PENDING_CANCEL' &&
          (owed[k] ?? 0) + (reducing[k]?.lots ?? 0) + fill >= Math.abs(o.leaves)
        ) {
          // all it has left is owed or being taken off: cancel it now (a cancel is sent unacknowledged, or held
          // behind a replace)
          if (owed[k] !== undefined) owed = rekey(owed, k);
          if (reducing[k] !== undefined) reducing = rekey(reducing, k);
          actions.push({ kind: 'cancel', clientOrderId: k, reason: `OCO: ${id} filled` });
        } else owed = { ...owed, [k]: (owed[k] ?? 0) + fill };
      }
    }
    if (final) oco = rekey(oco, id);
  }
  return brackets === c.brackets &&
    oco === c.oco &&
    owed === c.owed &&
    reducing === c.reducing &&
    actions.length === 0
    ? { next: c, actions }
    : { next: { brackets, oco, owed, reducing }, actions };
}

/**
 * The order refused a cancel or replace of order `clientOrderId` itself (it never reached the venue; e.g. a size
 * not above what has filled): a replace of ours is not in flight any more (a reduction's lots are owed again, paid
 * at the order's next event that shows it can change; the strategy's own just ends).
 */
export function requestRefused(c: Contingencies, clientOrderId: string): Contingencies {
  const sent = c.reducing[clientOrderId];
  if (sent === undefined) return c;
  const reducing = rekey(c.reducing, clientOrderId);
  if (sent.own || sent.lots === 0) return { ...c, reducing };
  return { ...c, reducing, owed: { ...c.owed, [clientOrderId]: (c.owed[clientOrderId] ?? 0) + sent.lots } };
}

/**
 * Note the strategy's own replace of order `clientOrderId` (its quantity `basis` when sent; `qty` its new size,
 * absent for a price-only replace), unless it is one of our reductions: a venue restatement while it is in flight
 * is owed again if the replace takes and undoes it.
 */
export function ownReplace(
  c: Contingencies,
  clientOrderId: string,
  basis: number,
  qty: number = basis
): Contingencies {
  const known = c.reducing[clientOrderId];
  if (known !== undefined && !known.own) return c;
  return {
    ...c,
    reducing: { ...c.reducing, [clientOrderId]: { lots: 0, retry: false, basis, target: qty, own: true } }
  };
}

/**
 * Lots of the venue's restatements, made while replace `sent` was in flight, that the replace undid when it took,
 * leaving the order at `qty`: beyond the size asked for less the restatements, and at most those (all of them
 * when the size asked for is not known).
 */
function undoneRestatement(sent: SentReduction, qty: number): number {
  const r = sent.restated ?? 0;
  if (r === 0 || sent.target === undefined) return r;
  return Math.min(r, Math.max(0, qty - (sent.target - r)));
}

/** `c` without the reductions among `actions` noted as in flight: they were not sent (discarded while halted). */
export function unsent(c: Contingencies, actions: readonly StrategyAction[]): Contingencies {
  let { reducing } = c;
  for (const a of actions)
    if (a.kind === 'replace' && reducing[a.clientOrderId] !== undefined)
      reducing = rekey(reducing, a.clientOrderId);
  return reducing === c.reducing ? c : { ...c, reducing };
}

/**
 * Bring contingencies `c`, as a restarted strategy's actor last held them, up to date with the order events it
 * missed (the one it failed on, and those sent while it was down), in order; `open` is its working orders after
 * them. Each event does what it would have done live (a bracket's entry that ended releases its exits, a fill
 * cancels its cancel-group siblings), except that reduce-group siblings are reduced once, by all the missed fills
 * of the others, from their size now (each missed fill counted from one size would reduce them too little);
 * those that cannot change now keep it owed. An order a missed event replaced is acted on under the id it has now,
 * once; one that is no longer working is left alone.
 */
export function catchUpContingencies(
  c: Contingencies,
  missed: readonly OrderEvent[],
  open: WorkingOrders,
  venueOco: boolean
): ContingentStep {
  // the orders the missed events replaced, each by its replacement; `current` follows the chain to the id now
  const replacedBy = new Map<string, string>();
  for (const e of missed)
    if (e.type === 'order.replaced' && e.origClientOrderId !== undefined)
      replacedBy.set(e.origClientOrderId, e.clientOrderId);
  const current = (id: string): string => {
    let k = id;
    for (let n = replacedBy.get(k); n !== undefined; n = replacedBy.get(k)) k = n;
    return k;
  };
  // a reduction in flight of an order a missed event replaced took (the strategy sends none while another replace
  // is in flight): the size the order has now already has it off, but a restatement that crossed it is still owed
  let start = c;
  for (const k of replacedBy.keys()) {
    const r = start.reducing[k];
    if (r !== undefined) start = { ...start, reducing: { ...start.reducing, [k]: { ...r, lots: 0 } } };
  }
  // while replaying, no order can change size (what happened to it next is already in `open`) and no debt is paid:
  // reductions add up, to be paid once below; an order canceled here is being canceled for the rest of the replay.
  // An order replaced since is seen, until the event that replaced it, as what it is now.
  const frozen: Record<string, WorkingOrder> = {};
  for (const k in open) {
    const { status, ...o } = open[k]!;
    frozen[k] = changeable(status) ? o : { ...o, status };
  }
  for (const k of replacedBy.keys()) if (frozen[current(k)] !== undefined) frozen[k] ??= frozen[current(k)]!;
  let next = start;
  const actions: (OrderIntent | CancelIntent | ReplaceIntent)[] = [];
  const canceled = new Set<string>();
  for (const e of missed) {
    const r = contingentActions(next, e, frozen, venueOco, true);
    next = r.next;
    for (const a of r.actions) {
      if (a.kind !== 'cancel') {
        actions.push(a); // a bracket's exits (a replay pays no debt, so it sends no replace)
        continue;
      }
      const k = current(a.clientOrderId);
      for (const id of [a.clientOrderId, k])
        if (frozen[id] !== undefined) frozen[id] = { ...frozen[id]!, status: 'PENDING_CANCEL' };
      // ended since, or being canceled already
      if (open[k] === undefined || canceled.has(k) || open[k].status === 'PENDING_CANCEL') continue;
      canceled.add(k);
      actions.push(k === a.clientOrderId ? a : { ...a, clientOrderId: k });
    }
  }
  // exits given at each fill: exits for what the entry has filled by now beyond what went to exits
  for (const entryId in next.brackets) {
    const b = next.brackets[entryId]!;
    const more = (open[entryId]?.filled ?? b.released) - b.released;
    if (b.exitsOn !== 'fill' || more <= 0) continue;
    actions.push(...exitsOf(b, more));
    next = { ...next, brackets: { ...next.brackets, [entryId]: { ...b, released: b.released + more } } };
  }
  let { owed, reducing } = next;
  for (const k in next.owed) {
    const o = open[k];
    const working = o !== undefined && !canceled.has(k);
    if (working && (!changeable(o.status) || reducing[k] !== undefined)) continue; // paid live, once it can change
    owed = rekey(owed, k);
    if (!working) continue;
    const r = reduction(reducing, k, o.filled, Math.abs(o.leaves), next.owed[k]!, debtWhy(next.oco, k));
    reducing = r.reducing;
    actions.push(r.action);
  }
  return { next: owed === next.owed ? next : { ...next, owed, reducing }, actions };
}
