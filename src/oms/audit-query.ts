import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import { type OrderEvent, type OrderStatus, orderEventSchema } from '../messages/order-events.ts';

/** One order's complete audit history, following its cancel-replace chain. */
export interface OrderHistory {
  /** The id the order was created with. */
  readonly rootClientOrderId: string;
  /** Every client id the order had, oldest first. */
  readonly clientOrderIds: string[];
  readonly strategyId: string;
  readonly instrumentId: string;
  readonly side: OrderEvent['side'];
  qty: number;
  filledQty: number;
  status: OrderStatus;
  readonly firstTs: Nanos;
  lastTs: Nanos;
  readonly events: OrderEvent[];
}

/** A compliance query; every given criterion must match. */
export interface AuditQuery {
  /** Latest status, case-insensitive (`rejected`, `FILLED`, …). */
  readonly status?: string;
  /** Symbol (`ORCL`) or instrument id (`ORCL@SIM`), case-insensitive (`orcl` too). */
  readonly symbol?: string;
  readonly strategy?: string;
  /** Case-insensitive substring of any event's reason, or an exact `why` (signal, risk, manual, reconciliation, venue, system). */
  readonly reason?: string;
  /** Orders created at or after `from` / before `to` (ns; `to` is exclusive). */
  readonly from?: Nanos;
  readonly to?: Nanos;
  readonly clientOrderId?: string;
}

const WHY = new Set(['signal', 'risk', 'manual', 'reconciliation', 'venue', 'system']);

/** Fold order events (in log order) into per-order histories. */
export class AuditTrail {
  readonly #byId = new Map<string, OrderHistory>();
  readonly #orders: OrderHistory[] = [];

  add(e: OrderEvent): void {
    const root = this.#byId.get(e.origClientOrderId ?? e.clientOrderId) ?? this.#byId.get(e.clientOrderId);
    let h = root;
    if (h === undefined) {
      h = {
        rootClientOrderId: e.clientOrderId,
        clientOrderIds: [e.clientOrderId],
        strategyId: e.strategyId,
        instrumentId: e.instrumentId,
        side: e.side,
        qty: e.qty,
        filledQty: e.filledQty,
        status: e.to,
        firstTs: e.tsEvent,
        lastTs: e.tsEvent,
        events: []
      };
      this.#orders.push(h);
      this.#byId.set(e.clientOrderId, h);
    }
    if (!h.clientOrderIds.includes(e.clientOrderId)) {
      h.clientOrderIds.push(e.clientOrderId);
      this.#byId.set(e.clientOrderId, h);
    }
    h.events.push(e);
    h.qty = e.qty;
    h.filledQty = e.filledQty;
    h.status = e.to;
    h.lastTs = e.tsEvent;
  }

  /** Every order, in the order first seen. */
  all(): readonly OrderHistory[] {
    return this.#orders;
  }

  /** The orders matching `q`, in the order first seen. */
  query(q: AuditQuery): OrderHistory[] {
    return this.#orders.filter((h) => matches(h, q));
  }
}

function matches(h: OrderHistory, q: AuditQuery): boolean {
  if (q.status !== undefined && h.status !== q.status.toUpperCase()) return false;
  if (q.symbol !== undefined) {
    const sym = q.symbol.toUpperCase();
    const id = h.instrumentId.toUpperCase();
    if (id !== sym && id.split('@')[0] !== sym) return false;
  }
  if (q.strategy !== undefined && h.strategyId !== q.strategy) return false;
  if (q.clientOrderId !== undefined && !h.clientOrderIds.includes(q.clientOrderId)) return false;
  if (q.from !== undefined && h.firstTs < q.from) return false;
  if (q.to !== undefined && h.firstTs >= q.to) return false;
  if (q.reason !== undefined) {
    const r = q.reason.toLowerCase();
    const hit = WHY.has(r)
      ? h.events.some((e) => e.why === r)
      : h.events.some((e) => e.reason?.toLowerCase().includes(r));
    if (!hit) return false;
  }
  return true;
}

const logLineSchema = z.object({ type: z.string(), component: z.string(), payload: z.unknown() });

/** A line of the event log that could not be read; reported, never fatal. */
export interface BadLine {
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

/**
 * Read an `events.jsonl` file (streaming, flat memory in the file size) into an {@link AuditTrail}. Lines that
 * are not order events are skipped; malformed lines are returned in `bad` with their line numbers, and `records`
 * counts the lines that are log records (of any type). A file that cannot be opened or read (missing, a directory,
 * an I/O error) is a `TRD_ERR_DATA_NOT_FOUND`.
 */
export async function readAuditTrail(
  path: string
): Promise<{ trail: AuditTrail; bad: BadLine[]; lines: number; records: number }> {
  const trail = new AuditTrail();
  const bad: BadLine[] = [];
  let lines = 0;
  let records = 0;
  const unreadable = (e: unknown): TradestateError =>
    new TradestateError(ErrorCode.DATA_NOT_FOUND, `cannot read event log ${path}`, { path }, { cause: e });
  let rl: ReturnType<typeof createInterface>;
  try {
    const stream = createReadStream(path, { encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  } catch (e) {
    throw unreadable(e);
  }
  try {
    for await (const text of rl) {
      lines++;
      if (text.trim() === '') continue;
      let rec: z.infer<typeof logLineSchema>;
      try {
        rec = logLineSchema.parse(JSON.parse(text));
      } catch {
        bad.push({ line: lines, code: ErrorCode.DATA_INVALID, message: 'not a log record' });
        continue;
      }
      records++;
      if (rec.component !== 'order' || rec.type === 'order.refused') continue;
      const ev = orderEventSchema.safeDecode(rec.payload as z.input<typeof orderEventSchema>);
      if (!ev.success) {
        const i = ev.error.issues[0];
        bad.push({
          line: lines,
          code: ErrorCode.DATA_INVALID,
          message: `${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`
        });
        continue;
      }
      trail.add(ev.data);
    }
  } catch (e) {
    // it opened, but reading failed (a directory: EISDIR; an I/O error)
    throw unreadable(e);
  }
  return { trail, bad, lines, records };
}
