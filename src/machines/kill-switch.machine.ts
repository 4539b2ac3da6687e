import { assign, emit, setup } from 'xstate';
import { MAX_TIMER_MS } from '../core/duration.ts';
import { type Money, moneyFromNumber } from '../core/instrument.ts';
import { type Nanos, NS_PER_MS } from '../core/nanos.ts';
import type { KillSwitchConfig } from '../risk/risk-config.ts';
import type { TradingState } from '../risk/risk-view.ts';

/**
 * The kill switch: the system's trading state (NautilusTrader's `TradingState`) as a statechart.
 *
 * - ACTIVE: trading normally.
 * - REDUCING: the risk engine admits only orders that reduce an absolute position.
 * - HALTED: the risk engine rejects every order; entering HALTED runs the named action `cancelAllOrders`
 *   (a no-op here, provided by the wiring with `killSwitchMachine.provide()`).
 *
 * A reset (→ ACTIVE) runs the named action `resumeTrading` (a no-op here, provided by the wiring): undo what the
 * halt did beyond the risk engine (the strategies it halted, the cancel-all it holds in force).
 *
 * It trips on a loss threshold, a drawdown from peak equity, a position breach, a spike of venue rejects or
 * of errors (more than N within a sliding window of event time), stale market data (no `md.tick` for
 * `staleDataMs` of clock time: the named delay `staleData`), or a command (`killswitch.trip`, from an
 * operator or a supervisor's escalation). Each trigger halts or reduces as configured (position → reduce,
 * all others → halt by default). It only ever escalates by itself (ACTIVE → REDUCING → HALTED); leaving
 * REDUCING or HALTED takes a manual, audited `killswitch.reset { by, reason }`.
 *
 * Every transition emits exactly one audit event naming the trigger, who and why: `killswitch.tripped`
 * (→ HALTED), `killswitch.reduced` (→ REDUCING), `killswitch.reset` (→ ACTIVE). Events that change no state
 * only update the context.
 */

/** What tripped the switch. */
export type KillSwitchTrigger =
  | 'manual'
  | 'supervisor'
  | 'loss'
  | 'drawdown'
  | 'position'
  | 'rejects'
  | 'errors'
  | 'staleData';
export type TripLevel = 'halt' | 'reduce';

/** Thresholds in exact units; every one optional (absent = never trips on it). */
export interface KillSwitchInput {
  /** Trip when `pnl.updated.pnl` ≤ −maxLoss (Money, 10⁻⁸ units). */
  readonly maxLoss?: Money;
  /** Trip when equity is this many bps below its peak. */
  readonly maxDrawdownBps?: number;
  readonly maxPosition?: { readonly perSymbol?: number; readonly total?: number };
  readonly rejects?: { readonly max: number; readonly windowMs: number };
  readonly errors?: { readonly max: number; readonly windowMs: number };
  readonly staleDataMs?: number;
  readonly onTrip?: Partial<Record<KillSwitchTrigger, TripLevel>>;
  /** Event time the switch starts at (the stale-data clock's origin for audit records). */
  readonly startedAt?: Nanos;
}

/** Commands and observations the kill switch accepts. */
export type KillSwitchEvent =
  | {
      readonly type: 'killswitch.trip';
      readonly by: string;
      readonly reason: string;
      /** Default `halt`. */
      readonly level?: TripLevel;
      /** Default `manual`. */
      readonly trigger?: 'manual' | 'supervisor';
      readonly tsEvent: Nanos;
    }
  | {
      readonly type: 'killswitch.reset';
      readonly by: string;
      readonly reason: string;
      readonly tsEvent: Nanos;
    }
  /** P&L of the period (realized + unrealized) and current equity, both Money. */
  | { readonly type: 'pnl.updated'; readonly pnl: Money; readonly equity: Money; readonly tsEvent: Nanos }
  /** Largest absolute position over instruments, and the gross sum, in lots. */
  | {
      readonly type: 'exposure.updated';
      readonly maxAbsPosition: number;
      readonly grossPosition: number;
      readonly tsEvent: Nanos;
    }
  /** A venue reject (forward the order audit event `order.rejected`). */
  | { readonly type: 'order.rejected'; readonly tsEvent: Nanos }
  /** Any `TRD_ERR_*` error worth counting (gateway, codec, refused transition…). */
  | { readonly type: 'error.raised'; readonly code: string; readonly tsEvent: Nanos }
  /** Market data is alive (send at most every few ms; restarts the stale-data timer). */
  | { readonly type: 'md.tick'; readonly tsEvent: Nanos };

interface AuditFields {
  readonly from: TradingState;
  readonly by: string;
  readonly reason: string;
  readonly tsEvent: Nanos;
}
/** Audit events, one per transition. */
export type KillSwitchEmitted =
  | (AuditFields & {
      readonly type: 'killswitch.tripped';
      readonly to: 'HALTED';
      readonly trigger: KillSwitchTrigger;
    })
  | (AuditFields & {
      readonly type: 'killswitch.reduced';
      readonly to: 'REDUCING';
      readonly trigger: KillSwitchTrigger;
    })
  | (AuditFields & { readonly type: 'killswitch.reset'; readonly to: 'ACTIVE' });

export interface KillSwitchTrip {
  readonly trigger: KillSwitchTrigger;
  readonly level: TripLevel;
  readonly by: string;
  readonly reason: string;
  readonly tsEvent: Nanos;
}

export interface KillSwitchContext {
  readonly cfg: KillSwitchInput;
  readonly peakEquity: Money | undefined;
  readonly lastEquity: Money | undefined;
  /** Event times of recent venue rejects / errors (only those inside their window, at most max + 1). */
  readonly rejects: readonly Nanos[];
  readonly errors: readonly Nanos[];
  readonly lastTickTs: Nanos;
  /** How many times it has tripped or reduced. */
  readonly trips: number;
  /** The last trip, for inspection. */
  readonly lastTrip: KillSwitchTrip | undefined;
}

type Ctx = KillSwitchContext;
type Ev = KillSwitchEvent | { readonly type: `xstate.after.${string}` };

const DEFAULT_LEVEL: Record<KillSwitchTrigger, TripLevel> = {
  manual: 'halt',
  supervisor: 'halt',
  loss: 'halt',
  drawdown: 'halt',
  position: 'reduce',
  rejects: 'halt',
  errors: 'halt',
  staleData: 'halt'
};

/** Convert the YAML config (currency units) to the machine's exact input. */
export function killSwitchInputFromConfig(c: KillSwitchConfig, startedAt?: Nanos): KillSwitchInput {
  return {
    ...(c.maxLoss !== undefined ? { maxLoss: moneyFromNumber(c.maxLoss) } : {}),
    ...(c.maxDrawdownBps !== undefined ? { maxDrawdownBps: c.maxDrawdownBps } : {}),
    ...(c.maxPosition !== undefined ? { maxPosition: c.maxPosition } : {}),
    ...(c.rejects !== undefined ? { rejects: c.rejects } : {}),
    ...(c.errors !== undefined ? { errors: c.errors } : {}),
    ...(c.staleDataMs !== undefined ? { staleDataMs: c.staleDataMs } : {}),
    onTrip: c.onTrip,
    ...(startedAt !== undefined ? { startedAt } : {})
  };
}

const levelOf = (ctx: Ctx, t: KillSwitchTrigger): TripLevel => ctx.cfg.onTrip?.[t] ?? DEFAULT_LEVEL[t];

/** Keep the times inside the window ending at `t`, then add `t`. */
function slide(times: readonly Nanos[], t: Nanos, windowMs: number, max: number): Nanos[] {
  const from = t - BigInt(windowMs) * NS_PER_MS;
  const kept = times.filter((x) => x > from);
  kept.push(t);
  return kept.length > max + 1 ? kept.slice(kept.length - max - 1) : kept;
}

/** The context after observing `e` (pure). */
function observe(ctx: Ctx, e: Ev): Partial<Ctx> {
  switch (e.type) {
    case 'pnl.updated': {
      const peak = ctx.peakEquity === undefined || e.equity > ctx.peakEquity ? e.equity : ctx.peakEquity;
      return { peakEquity: peak, lastEquity: e.equity };
    }
    case 'order.rejected':
      return ctx.cfg.rejects
        ? { rejects: slide(ctx.rejects, e.tsEvent, ctx.cfg.rejects.windowMs, ctx.cfg.rejects.max) }
        : {};
    case 'error.raised':
      return ctx.cfg.errors
        ? { errors: slide(ctx.errors, e.tsEvent, ctx.cfg.errors.windowMs, ctx.cfg.errors.max) }
        : {};
    case 'md.tick':
      return { lastTickTs: e.tsEvent > ctx.lastTickTs ? e.tsEvent : ctx.lastTickTs };
    default:
      return {};
  }
}

/** Whether `e` (observed on top of `ctx`) trips the switch, and how (pure). */
export function assessTrip(ctx: Ctx, e: Ev): KillSwitchTrip | undefined {
  const c = ctx.cfg;
  const next = { ...ctx, ...observe(ctx, e) };
  const trip = (
    trigger: KillSwitchTrigger,
    reason: string,
    tsEvent: Nanos,
    by = 'kill-switch'
  ): KillSwitchTrip => ({
    trigger,
    level: levelOf(ctx, trigger),
    by,
    reason,
    tsEvent
  });
  switch (e.type) {
    case 'killswitch.trip':
      return {
        trigger: e.trigger ?? 'manual',
        level: e.level ?? 'halt',
        by: e.by,
        reason: e.reason,
        tsEvent: e.tsEvent
      };
    case 'pnl.updated': {
      if (c.maxLoss !== undefined && e.pnl <= -c.maxLoss) {
        return trip('loss', `P&L ${e.pnl} at or below −${c.maxLoss} (1e-8 units)`, e.tsEvent);
      }
      const peak = next.peakEquity!;
      if (
        c.maxDrawdownBps !== undefined &&
        peak > 0n &&
        (peak - e.equity) * 10_000n >= BigInt(c.maxDrawdownBps) * peak
      ) {
        return trip(
          'drawdown',
          `equity ${e.equity} is ≥ ${c.maxDrawdownBps} bps below peak ${peak}`,
          e.tsEvent
        );
      }
      return undefined;
    }
    case 'exposure.updated': {
      const p = c.maxPosition;
      if (p?.perSymbol !== undefined && e.maxAbsPosition > p.perSymbol) {
        return trip('position', `position ${e.maxAbsPosition} lots exceeds ${p.perSymbol}`, e.tsEvent);
      }
      if (p?.total !== undefined && e.grossPosition > p.total) {
        return trip('position', `gross position ${e.grossPosition} lots exceeds ${p.total}`, e.tsEvent);
      }
      return undefined;
    }
    case 'order.rejected':
      return c.rejects && next.rejects.length > c.rejects.max
        ? trip('rejects', `${next.rejects.length} venue rejects within ${c.rejects.windowMs} ms`, e.tsEvent)
        : undefined;
    case 'error.raised':
      return c.errors && next.errors.length > c.errors.max
        ? trip(
            'errors',
            `${next.errors.length} errors within ${c.errors.windowMs} ms (last ${e.code})`,
            e.tsEvent
          )
        : undefined;
    default:
      if (e.type.startsWith('xstate.after.staleData') && c.staleDataMs !== undefined) {
        return trip(
          'staleData',
          `no market data for ${c.staleDataMs} ms`,
          ctx.lastTickTs + BigInt(c.staleDataMs) * NS_PER_MS
        );
      }
      return undefined;
  }
}

function audit(ctx: Ctx, e: Ev, from: TradingState, to: TradingState): KillSwitchEmitted {
  if (e.type === 'killswitch.reset') {
    return { type: 'killswitch.reset', from, to: 'ACTIVE', by: e.by, reason: e.reason, tsEvent: e.tsEvent };
  }
  const t = assessTrip(ctx, e)!;
  const base = { from, trigger: t.trigger, by: t.by, reason: t.reason, tsEvent: t.tsEvent };
  return to === 'HALTED'
    ? { type: 'killswitch.tripped', to, ...base }
    : { type: 'killswitch.reduced', to: 'REDUCING', ...base };
}

const HALT = { level: 'halt' } as const;
const REDUCE = { level: 'reduce' } as const;

/** Trip to HALTED when the event's assessed level is halt. */
const haltFrom = (from: 'ACTIVE' | 'REDUCING') => ({
  guard: { type: 'tripsAt' as const, params: HALT },
  target: '#killSwitch.HALTED',
  actions: [
    { type: 'audit' as const, params: { from, to: 'HALTED' as const } },
    { type: 'recordTrip' as const }
  ]
});
/** Trip from ACTIVE to REDUCING when the event's assessed level is reduce. */
const reduceFromActive = {
  guard: { type: 'tripsAt' as const, params: REDUCE },
  target: '#killSwitch.REDUCING',
  actions: [
    { type: 'audit' as const, params: { from: 'ACTIVE' as const, to: 'REDUCING' as const } },
    { type: 'recordTrip' as const }
  ]
};
const justRecord = { actions: { type: 'record' as const } };
const reset = (from: 'REDUCING' | 'HALTED') => ({
  target: '#killSwitch.ACTIVE',
  actions: [
    { type: 'audit' as const, params: { from, to: 'ACTIVE' as const } },
    { type: 'rearm' as const },
    { type: 'resumeTrading' as const }
  ]
});
const staleTimer = (from: 'ACTIVE' | 'REDUCING') => [
  { ...haltFrom(from), guard: { type: 'staleAt' as const, params: HALT } },
  ...(from === 'ACTIVE' ? [{ ...reduceFromActive, guard: { type: 'staleAt' as const, params: REDUCE } }] : [])
];

export const killSwitchMachine = setup({
  types: {
    context: {} as KillSwitchContext,
    events: {} as KillSwitchEvent,
    input: {} as KillSwitchInput,
    emitted: {} as KillSwitchEmitted
  },
  delays: {
    /** No `md.tick` for this long trips the switch (when `staleDataMs` is configured). */
    // off: the largest delay a timer takes (its guard then refuses anyway)
    staleData: ({ context }) => context.cfg.staleDataMs ?? MAX_TIMER_MS
  },
  guards: {
    tripsAt: ({ context, event }, params: { level: TripLevel }) => {
      const t = assessTrip(context, event);
      return t !== undefined && t.level === params.level;
    },
    staleAt: ({ context }, params: { level: TripLevel }) =>
      context.cfg.staleDataMs !== undefined && levelOf(context, 'staleData') === params.level
  },
  actions: {
    record: assign(({ context, event }) => observe(context, event)),
    recordTrip: assign(({ context, event }) => ({
      ...observe(context, event),
      trips: context.trips + 1,
      lastTrip: assessTrip(context, event)
    })),
    audit: emit(({ context, event }, params: { from: TradingState; to: TradingState }) =>
      audit(context, event, params.from, params.to)
    ),
    rearm: assign(({ context, event }) => ({
      rejects: [],
      errors: [],
      peakEquity: context.lastEquity,
      // the stale-data clock starts again at the reset (no earlier): a trip after it is dated after it
      lastTickTs:
        event.type === 'killswitch.reset' && event.tsEvent > context.lastTickTs
          ? event.tsEvent
          : context.lastTickTs
    })),
    /** I/O hook: cancel every working order (provided by the wiring). */
    cancelAllOrders: () => {},
    /** I/O hook: trading resumes after a reset (provided by the wiring). */
    resumeTrading: () => {}
  }
}).createMachine({
  id: 'killSwitch',
  context: ({ input }) => ({
    cfg: input,
    peakEquity: undefined,
    lastEquity: undefined,
    rejects: [],
    errors: [],
    lastTickTs: input.startedAt ?? 0n,
    trips: 0,
    lastTrip: undefined
  }),
  initial: 'ACTIVE',
  states: {
    ACTIVE: {
      after: { staleData: staleTimer('ACTIVE') },
      on: {
        'killswitch.trip': [haltFrom('ACTIVE'), reduceFromActive, justRecord],
        'pnl.updated': [haltFrom('ACTIVE'), reduceFromActive, justRecord],
        'exposure.updated': [haltFrom('ACTIVE'), reduceFromActive, justRecord],
        'order.rejected': [haltFrom('ACTIVE'), reduceFromActive, justRecord],
        'error.raised': [haltFrom('ACTIVE'), reduceFromActive, justRecord],
        'md.tick': { target: 'ACTIVE', reenter: true, actions: 'record' }
      }
    },
    REDUCING: {
      after: { staleData: staleTimer('REDUCING') },
      on: {
        'killswitch.trip': [haltFrom('REDUCING'), justRecord],
        'pnl.updated': [haltFrom('REDUCING'), justRecord],
        'exposure.updated': [haltFrom('REDUCING'), justRecord],
        'order.rejected': [haltFrom('REDUCING'), justRecord],
        'error.raised': [haltFrom('REDUCING'), justRecord],
        'md.tick': { target: 'REDUCING', reenter: true, actions: 'record' },
        'killswitch.reset': reset('REDUCING')
      }
    },
    HALTED: {
      entry: 'cancelAllOrders',
      on: {
        'killswitch.reset': reset('HALTED'),
        'pnl.updated': justRecord,
        'order.rejected': justRecord,
        'error.raised': justRecord,
        'md.tick': justRecord
      }
    }
  }
});

/** The trading state a kill-switch snapshot stands for (what the risk engine's view reports). */
export function tradingStateOf(snapshot: { readonly value: unknown }): TradingState {
  return snapshot.value as TradingState;
}
