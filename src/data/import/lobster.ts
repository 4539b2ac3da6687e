import { basename } from 'node:path';
import { z } from 'zod';
import { divRoundHalfEven } from '../../core/decimal.ts';
import { type Instrument, qtyToLots } from '../../core/instrument.ts';
import { type Nanos, NS_PER_SEC } from '../../core/nanos.ts';
import { cellValue, csvRecord, dataError, dataLines, splitLines, validateRow } from '../csv.ts';
import type { L3Row } from '../schema.ts';
import { nyWallToNs } from '../us-eastern.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const COLUMNS = ['Time', 'Type', 'OrderID', 'Size', 'Price', 'Direction'] as const;

const rowSchema = z.object({
  Time: z.string().regex(/^\d{1,5}(?:\.\d{1,30})?$/, 'expected seconds after midnight'),
  Type: z.enum(['1', '2', '3', '4', '5', '6', '7'], 'expected an event type 1–7'),
  OrderID: z
    .string()
    .regex(/^\d{1,18}$/, 'expected a non-negative integer order id')
    .refine((s) => s.length < 16 || BigInt(s) <= MAX_SAFE, 'order id above 2^53 − 1 (not exact as a number)'),
  Size: z.string().regex(/^\d{1,12}$/, 'expected a non-negative integer size'),
  Price: z.string().regex(/^-?\d{1,12}$/, 'expected an integer price ×10000'),
  Direction: z.enum(['1', '-1'], 'expected 1 (buy) or -1 (sell)')
});

/** The trading date in a LOBSTER file name (`AAPL_2012-06-21_34200000_…`). */
export function lobsterDate(file: string): string | undefined {
  return /_(\d{4}-\d{2}-\d{2})_/.exec(basename(file))?.[1];
}

/**
 * LOBSTER message file → L3 rows. Time is seconds after New York midnight with up to nanosecond
 * decimals; it is converted exactly (string arithmetic, no float) to UTC epoch ns with the DST offset
 * of `date`. Price ×10000 becomes ticks of the instrument (it must land on the tick); a halt (type 7)
 * keeps its code (−1 halt, 0 quote resume, 1 trade resume) in `px`. Size (shares) becomes lots of the
 * instrument (it must land on the lot). Order ids above 2^53 − 1 are refused (a JS number would round them).
 * `seq` is the message's index (blank lines are skipped), so same-nanosecond events keep file order.
 */
export function parseLobsterMessages(
  text: string,
  inst: Instrument,
  opts: { date: string; file?: string }
): L3Row[] {
  const file = opts.file ?? '<lobster>';
  const [y, m, d] = opts.date.split('-').map(Number) as [number, number, number];
  const midnight: Nanos = nyWallToNs(y, m, d, 0);
  // price ×10000 → ticks: ticks = p / (tick × 10000)
  const scale = 10_000n;
  const tickNum = inst.tick.mantissa * scale;
  const tickDen = 10n ** BigInt(inst.tick.scale);
  const lines = splitLines(text);
  const out: L3Row[] = [];
  // sizes repeat (100, 200, …): each distinct one is converted to lots once
  const lots = new Map<string, number>();
  let prevTs = -1n;
  for (const { line, text } of dataLines(lines)) {
    const r = validateRow(rowSchema, csvRecord(text, COLUMNS, file, line), file, line);
    const [sec, frac = ''] = r.Time.split('.');
    // nanosecond decimals; a longer fraction (a float printed to 12 places, e.g. 35821.088778456004)
    // is rounded half-even to the nanosecond
    const fracNs =
      frac.length <= 9
        ? BigInt(frac.padEnd(9, '0'))
        : divRoundHalfEven(BigInt(frac), 10n ** BigInt(frac.length - 9));
    const ts = midnight + BigInt(sec!) * NS_PER_SEC + fracNs;
    if (ts < prevTs) throw dataError({ file, line, column: 'Time' }, 'time goes backwards', r.Time);
    prevTs = ts;
    const type = Number(r.Type);
    const p = BigInt(r.Price);
    let px: number;
    if (type === 7) px = Number(p);
    else {
      // p/10000 dollars = ticks × tick  ⇒  ticks = p × tickDen / tickNum
      const num = p * tickDen;
      if (num % tickNum !== 0n) {
        throw dataError(
          { file, line, column: 'Price' },
          `price ${r.Price}/10000 is not on the tick ${inst.tickSize}`,
          r.Price
        );
      }
      px = Number(num / tickNum);
    }
    let sz = lots.get(r.Size);
    if (sz === undefined) {
      sz = cellValue({ file, line, column: 'Size' }, r.Size, () => qtyToLots(inst, r.Size));
      lots.set(r.Size, sz);
    }
    out.push({
      tsEvent: ts,
      seq: out.length,
      eventType: type,
      orderId: Number(r.OrderID),
      side: r.Direction === '1' ? 1 : -1,
      px,
      sz
    });
  }
  return out;
}
