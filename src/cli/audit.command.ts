import { parseArgs } from 'node:util';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs } from '../core/nanos.ts';
import { orderStatusSchema } from '../messages/order-events.ts';
import { type AuditQuery, type OrderHistory, readAuditTrail } from '../oms/audit-query.ts';
import { type CliIo, EXIT_OK } from './io.ts';
import { windowOption } from './options.ts';

export const AUDIT_HELP = `Usage: tradestate audit --events FILE [filters] [--json] [--history]

Query the order audit trail of a run (results/<run>/events.jsonl).

Filters (all must match):
  --status S       latest status (any case): new, pending_new, acknowledged, partial_fill,
                   pending_cancel, pending_replace, filled, canceled, rejected, expired, closed
  --symbol X       symbol (ORCL) or instrument id (ORCL@SIM), any case
  --strategy ID    strategy id
  --reason R       text in any event's reason, or a why: signal, risk, manual, reconciliation, venue, system
  --from T         created at or after T (YYYY-MM-DD: that day's start, UTC; ISO-8601 or integer ns)
  --to T           created before T (exclusive; a date includes that day)
  --order ID       one order (any id of its cancel-replace chain)

Output:
  --json           one JSON object per order (with its events when --history is given)
  --history        print every event of each matching order
  -h, --help       show this help
`;

/** The statuses `--status` may name, as the help lists them. */
const STATUSES: readonly string[] = orderStatusSchema.options.map((s) => s.toLowerCase());

/** `--status S` (any case) as the status it names, or a usage error listing them. */
function statusOption(v: string | undefined): string | undefined {
  if (v === undefined || STATUSES.includes(v.toLowerCase())) return v;
  throw new TradestateError(
    ErrorCode.CLI_USAGE,
    `--status must be one of ${STATUSES.join(', ')}, got "${v}"`,
    { option: 'status', value: v }
  );
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
  const status = statusOption(values.status);
  const { from, to } = windowOption(values);
  const q: AuditQuery = {
    ...(status !== undefined ? { status } : {}),
    ...(values.symbol !== undefined ? { symbol: values.symbol } : {}),
    ...(values.strategy !== undefined ? { strategy: values.strategy } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values.order !== undefined ? { clientOrderId: values.order } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {})
  };
  const { trail, bad, records } = await readAuditTrail(values.events);
  if (records === 0 && bad.length > 0) {
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `${values.events} is not an event log: none of its ${bad.length} lines is a log record (line 1 of events.jsonl looks like {"seq":1,"ts":…,"type":"run.started",…})`,
      { path: values.events, badLines: bad.length }
    );
  }
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
  if (bad.length > 5) io.err(`tradestate audit: … and ${bad.length - 5} more lines that could not be read\n`);
  return EXIT_OK;
}
