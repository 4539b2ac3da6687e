import { parseArgs } from 'node:util';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, type Nanos, nsFromIso } from '../core/nanos.ts';
import { type AuditQuery, type OrderHistory, readAuditTrail } from '../oms/audit-query.ts';
import { type CliIo, EXIT_OK } from './io.ts';

export const AUDIT_HELP = `Usage: tradestate audit --events FILE [filters] [--json] [--history]

Query the order audit trail of a run (results/<run>/events.jsonl).

Filters (all must match):
  --status S       latest status: new, pending_new, acknowledged, partial_fill, filled, canceled,
                   rejected, expired, closed, pending_cancel, pending_replace
  --symbol X       symbol (ORCL) or instrument id (ORCL@SIM)
  --strategy ID    strategy id
  --reason R       text in any event's reason, or a why: signal, risk, manual, reconciliation, venue, system
  --from T         created at or after T (ISO-8601 or integer ns)
  --to T           created before T
  --order ID       one order (any id of its cancel-replace chain)

Output:
  --json           one JSON object per order (with its events when --history is given)
  --history        print every event of each matching order
  -h, --help       show this help
`;

function parseTime(v: string | undefined, flag: string): Nanos | undefined {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return BigInt(v);
  try {
    return nsFromIso(v.length === 10 ? `${v}T00:00:00Z` : v);
  } catch {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `${flag} must be ISO-8601 or integer nanoseconds, got "${v}"`
    );
  }
}

const jsonSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

function line(h: OrderHistory): string {
  const last = h.events.at(-1);
  const reason = [...h.events].reverse().find((e) => e.reason !== undefined)?.reason ?? '';
  return [
    isoFromNs(h.firstTs).slice(0, 23),
    h.clientOrderIds.join('>').padEnd(18),
    h.strategyId.padEnd(14),
    h.instrumentId.padEnd(12),
    h.side.padEnd(4),
    `${h.filledQty}/${h.qty}`.padStart(11),
    h.status.padEnd(15),
    `${last?.actor ?? ''}/${last?.why ?? ''}`.padEnd(18),
    reason
  ].join('  ');
}

/** `tradestate audit …` */
export async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      status: { type: 'string' },
      symbol: { type: 'string' },
      strategy: { type: 'string' },
      reason: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      order: { type: 'string' },
      json: { type: 'boolean' },
      history: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  });
  if (values.help) {
    io.out(AUDIT_HELP);
    return EXIT_OK;
  }
  if (!values.events)
    throw new TradestateError(ErrorCode.CLI_USAGE, 'audit needs --events FILE (see --help)');
  const from = parseTime(values.from, '--from');
  const to = parseTime(values.to, '--to');
  const q: AuditQuery = {
    ...(values.status !== undefined ? { status: values.status } : {}),
    ...(values.symbol !== undefined ? { symbol: values.symbol } : {}),
    ...(values.strategy !== undefined ? { strategy: values.strategy } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values.order !== undefined ? { clientOrderId: values.order } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {})
  };
  const { trail, bad } = await readAuditTrail(values.events);
  const found = trail.query(q);
  for (const h of found) {
    if (values.json) {
      const { events, ...rest } = h;
      io.out(`${JSON.stringify(values.history ? h : { ...rest, events: events.length }, jsonSafe)}\n`);
      continue;
    }
    io.out(`${line(h)}\n`);
    if (values.history) {
      for (const e of h.events) {
        io.out(
          `    ${isoFromNs(e.tsEvent).slice(0, 23)}  ${e.type.padEnd(22)} ${e.from} → ${e.to}  ${e.actor}/${e.why}${e.venueAnswer ? ` venue:${e.venueAnswer}` : ''}${e.reason ? `  ${e.reason}` : ''}\n`
        );
      }
    }
  }
  if (!values.json) io.out(`${found.length} of ${trail.all().length} orders match\n`);
  for (const b of bad.slice(0, 5)) io.err(`tradestate audit: line ${b.line}: ${b.message} [${b.code}]\n`);
  return EXIT_OK;
}
