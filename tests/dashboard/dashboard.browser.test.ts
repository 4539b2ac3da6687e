import { afterEach, describe, expect, it } from 'vitest';
import { lotsToQty, moneyToNumber } from '../../src/core/instrument.ts';
import { DashboardServer } from '../../src/dashboard/dashboard.server.ts';
import { DashboardState } from '../../src/dashboard/dashboard-state.ts';
import { instrumentsFor } from '../../src/engine/bar-sources.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderIntent, Strategy } from '../../src/strategies/strategy.ts';
import { records, startLocalPaper } from '../engine/support/local-paper.ts';
import { CHROMIUM, type ChromiumPage, launchChromium } from '../support/chromium.ts';
import { requireDebianBinary } from '../support/debian-binary.ts';
import { smallConfig } from '../support/run-config.ts';

/** 1-lot market orders on every 40th bar, two buys for each sell, so the session ends holding something. */
function buyMostly(): Strategy {
  let n = 0;
  return {
    id: 'probe',
    onBar(bar: Bar): readonly OrderIntent[] {
      if (++n % 40 !== 0) return [];
      const side = (n / 40) % 3 === 0 ? 'sell' : 'buy';
      return [
        { instrumentId: bar.instrumentId, side, qty: 1, orderType: 'market', tif: 'day', reason: 'probe' }
      ];
    },
    snapshot: () => ({})
  };
}

const text = (sel: string): string => `document.querySelector(${JSON.stringify(sel)}).textContent`;
const rows = (sel: string): string =>
  `[...document.querySelectorAll(${JSON.stringify(`${sel} tbody tr`)})].map((tr) => [...tr.cells].map((td) => td.textContent))`;

let page: ChromiumPage | undefined;
let server: DashboardServer | undefined;
afterEach(async () => {
  await page?.close();
  await server?.stop();
  page = undefined;
  server = undefined;
});

describe('the dashboard in a real headless Chromium (Debian’s package)', () => {
  it('renders a live paper session from the snapshots pushed over SSE', async () => {
    requireDebianBinary(CHROMIUM, 'chromium');
    const instruments = instrumentsFor(smallConfig());
    const state = new DashboardState({ instruments, coalesceMs: 100 });
    server = new DashboardServer({ state, port: 0 });
    await server.start();
    page = await launchChromium();
    await page.navigate(server.url);
    // the page is open and subscribed before the session starts: all it shows later was pushed to it
    await page.waitFor<string>(text('#conn'), (v) => v === 'live', 5_000, 'the event stream to open');
    expect(await page.evaluate<string>(text('#bars'))).toBe('0');
    expect(await page.evaluate<string>(text('#status'))).toBe('waiting');

    const p = await startLocalPaper({ strategy: buyMostly(), dashboard: state, intervalMs: 2 });
    await page.waitFor<string>(text('#bars'), (v) => Number(v) > 0, 10_000, 'bars while the session runs');
    const r = await p.result;
    await page.waitFor<string>(text('#status'), (v) => v === 'completed', 5_000, 'the completed session');

    expect(r.bars).toBeGreaterThan(0);
    expect(Number(await page.evaluate<string>(text('#bars')))).toBe(r.bars);
    expect(Number(await page.evaluate<string>(text('#updates')))).toBeGreaterThan(2);
    expect(await page.evaluate<string>(text('#kill-switch'))).toBe('ACTIVE');
    expect(await page.evaluate<string>(text('#error-count'))).toBe('0');
    expect(await page.evaluate<string[][]>(rows('#errors'))).toEqual([]);
    const equity = (await page.evaluate<string>(text('#equity-value'))).replace(/,/g, '');
    expect(Number(equity)).toBeCloseTo(moneyToNumber(r.portfolio.equity()), 2);
    const points = await page.evaluate<string>(
      'document.querySelector("#equity polyline").getAttribute("points")'
    );
    expect(points.split(' ').length).toBe(Math.min(500, r.bars));

    // positions: one row per non-zero position of the session's portfolio, symbol and quantity
    const held = r.portfolio
      .positions()
      .filter((x) => x.qty !== 0)
      .map((x) => {
        const inst = instruments.find((i) => i.id === x.instrumentId)!;
        return [inst.symbol, String(Number(lotsToQty(inst, x.qty)))];
      })
      .sort((a, b) => a[0]!.localeCompare(b[0]!));
    expect(held.length).toBeGreaterThan(0);
    const positionRows = await page.evaluate<string[][]>(rows('#positions'));
    expect(positionRows.map((x) => x.slice(0, 2))).toEqual(held);

    // orders: every filled order of the session is listed as FILLED, 1 of 1
    const filled = new Set(records(r, 'order.filled').map((x) => String(x.payload['clientOrderId'])));
    expect(filled.size).toBe(r.fills);
    expect(r.fills).toBeGreaterThan(3);
    const orderRows = await page.evaluate<string[][]>(rows('#orders'));
    expect(orderRows).toHaveLength(r.orders);
    const filledRows = orderRows.filter((x) => x[6] === 'FILLED');
    expect(new Set(filledRows.map((x) => x[0]))).toEqual(filled);
    for (const x of filledRows) expect([x[3], x[4]]).toEqual(['1', '1']);
  }, 15_000);
});
