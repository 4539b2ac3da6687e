import { formatMoney, type Instrument, lotsToQty, moneyToNumber } from '../core/instrument.ts';
import { isoFromNs } from '../core/nanos.ts';
import { csvField } from '../data/csv.ts';
import type { ClosedTrip } from '../portfolio/portfolio.ts';

/** The columns of {@link tradesCsv}, in order. */
export const TRADE_COLUMNS = [
  'instrument',
  'side',
  'entryTime',
  'exitTime',
  'qty',
  'entryPrice',
  'exitPrice',
  'pnl',
  'return'
] as const;

/** An average price in ticks (fractional) as a decimal: the tick's digits and four more, trailing zeros dropped. */
function averagePrice(inst: Instrument, ticks: number): string {
  const v = (ticks * Number(inst.tick.mantissa)) / 10 ** inst.tick.scale;
  return v.toFixed(inst.tick.scale + 4).replace(/\.?0+$/, '');
}

/**
 * The closed round trips as CSV (`trades.csv`), in the order they closed: instrument, side, entry and exit time
 * (ISO, ns), the largest quantity held (in the instrument's units), average entry and exit prices (over the fills
 * that grew and shrank the position), net P&L after commission (account currency, 2 decimals) and that P&L as a
 * fraction of the entry value of that quantity.
 */
export function tradesCsv(
  trips: readonly ClosedTrip[],
  instruments: ReadonlyMap<string, Instrument>
): string {
  const rows = trips.map((t) => {
    const inst = instruments.get(t.instrumentId)!;
    const entryValue = t.entryPx * t.qty * moneyToNumber(inst.tickLotValue);
    return [
      t.instrumentId,
      t.side,
      isoFromNs(t.entryTs),
      isoFromNs(t.exitTs),
      lotsToQty(inst, t.qty),
      averagePrice(inst, t.entryPx),
      averagePrice(inst, t.exitPx),
      formatMoney(t.pnl, 2),
      entryValue > 0 ? (moneyToNumber(t.pnl) / entryValue).toFixed(6) : ''
    ]
      .map(csvField)
      .join(',');
  });
  return `${[TRADE_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
