import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { type AuditTrail, readAuditTrail } from '../../src/oms/audit-query.ts';
import type { OrderIntent, Strategy } from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';

/** Every 41st bar: a small order (passes risk) or, every third time, an oversized one (denied). */
function mixedStrategy(): Strategy {
  let n = 0;
  return {
    id: 'mixer',
    onBar(bar: Bar): readonly OrderIntent[] {
      // 41 is odd, so the two symbols (delivered alternately) both get orders
      if (++n % 41 !== 0) return [];
      const big = (n / 41) % 3 === 0;
      return [
        {
          instrumentId: bar.instrumentId,
          side: (n / 41) % 2 ? 'buy' : 'sell',
          qty: big ? 50 : 2,
          orderType: 'market',
          tif: 'day',
          reason: big ? 'oversized' : 'probe'
        }
      ];
    },
    snapshot: () => ({})
  };
}

describe('audit trail queries', () => {
  let file: string;
  let trail: AuditTrail;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-audit-'));
    await runBacktest({
      config: smallConfig({ risk: { maxOrderQty: 10 } }),
      configFile: 't.yaml',
      strategy: mixedStrategy(),
      outDir: dir
    });
    file = join(dir, 'events.jsonl');
    trail = (await readAuditTrail(file)).trail;
  });

  it('folds the log into one history per order', () => {
    const all = trail.all();
    expect(all.length).toBeGreaterThan(20);
    for (const h of all) {
      expect(h.events[0]?.from).toBe('NEW');
      expect(h.status).toBe(h.events.at(-1)?.to);
    }
  });

  it('by status, symbol, strategy, reason and time range', () => {
    const rejected = trail.query({ status: 'rejected' });
    expect(rejected.length).toBeGreaterThan(0);
    expect(
      rejected.every((h) => h.qty === 50 && h.events[0]?.why === 'risk' && h.events[0].actor === 'system')
    ).toBe(true);
    expect(trail.query({ status: 'filled' }).every((h) => h.qty === 2)).toBe(true);
    const aaa = trail.query({ status: 'rejected', symbol: 'AAA' });
    expect(aaa.length).toBeGreaterThan(0);
    expect(aaa.every((h) => h.instrumentId === 'AAA@SIM')).toBe(true);
    expect(trail.query({ symbol: 'AAA@SIM' })).toEqual(trail.query({ symbol: 'AAA' }));
    expect(trail.query({ strategy: 'nobody' })).toEqual([]);
    expect(trail.query({ reason: 'risk' })).toEqual(rejected);
    expect(trail.query({ reason: 'MAXORDERQTY' })).toEqual(rejected);
    const all = trail.all();
    const mid = all[Math.floor(all.length / 2)]!.firstTs;
    const early = trail.query({ to: mid });
    const late = trail.query({ from: mid });
    expect(early.length + late.length).toBe(all.length);
    expect(early.every((h) => h.firstTs < mid) && late.every((h) => h.firstTs >= mid)).toBe(true);
  });

  it('tradestate audit prints the matching orders; malformed lines are reported, not fatal', async () => {
    let out = '';
    let err = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), isTTY: false };
    expect(await runCli(['audit', '--events', file, '--status', 'rejected', '--symbol', 'AAA'], io)).toBe(0);
    const n = trail.query({ status: 'rejected', symbol: 'AAA' }).length;
    expect(out).toContain(`${n} of ${trail.all().length} orders match`);
    expect(out.split('\n').filter((l) => l.includes('REJECTED'))).toHaveLength(n);
    appendFileSync(file, '{"not": "a record"\n');
    out = '';
    expect(await runCli(['audit', '--events', file, '--json'], io)).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(trail.all().length);
    expect(err).toMatch(/line \d+: not a log record \[TRD_ERR_DATA_INVALID\]/);
  });

  it('a missing file and a missing --events are clear errors', async () => {
    let err = '';
    const io = { out: () => {}, err: (s: string) => void (err += s), isTTY: false };
    expect(await runCli(['audit', '--events', '/nonexistent.jsonl'], io)).toBe(1);
    expect(err).toMatch(/TRD_ERR_DATA_NOT_FOUND/);
    expect(await runCli(['audit'], io)).toBe(2);
  });

  it('a directory given as --events is a clear error too, not an internal one (it opens, then fails to read)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-audit-dir-'));
    await expect(readAuditTrail(dir)).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_NOT_FOUND',
      context: { path: dir }
    });
    let err = '';
    const io = { out: () => {}, err: (s: string) => void (err += s), isTTY: false };
    expect(await runCli(['audit', '--events', dir], io)).toBe(1);
    expect(err).toMatch(/TRD_ERR_DATA_NOT_FOUND/);
    expect(err).not.toMatch(/internal error/);
  });
});
