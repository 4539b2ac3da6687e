import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_HELP } from '../../src/cli/audit.command.ts';
import { runCli } from '../../src/cli/main.ts';
import { isoFromNs } from '../../src/core/nanos.ts';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { orderStatusSchema } from '../../src/messages/order-events.ts';
import { type AuditTrail, readAuditTrail } from '../../src/oms/audit-query.ts';
import type { OrderIntent, Strategy } from '../../src/strategies/strategy.ts';
import { cli } from '../support/cli.ts';
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

  it('--symbol matches in any case, as --status does', async () => {
    const upper = trail.query({ symbol: 'AAA' });
    expect(upper.length).toBeGreaterThan(0);
    for (const symbol of ['aaa', 'Aaa', 'aaa@sim', 'AAA@sim']) {
      expect(trail.query({ symbol }), symbol).toEqual(upper);
    }
    const r = await cli('audit', '--events', file, '--symbol', 'aaa', '--json');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(upper.length);
  });

  it('--status must name a status: an unknown one is a usage error listing them, not 0 matches', async () => {
    for (const status of ['cancelled', 'fill', 'done']) {
      const r = await cli('audit', '--events', file, '--status', status);
      expect(r.code, status).toBe(2);
      expect(r.err, status).toMatch(
        new RegExp(
          `^tradestate: --status must be one of new, .*canceled.*, got "${status}" \\[TRD_ERR_CLI_USAGE\\]\n$`
        )
      );
    }
    // every status is listed by the help and accepted in any case
    for (const status of orderStatusSchema.options) {
      expect(AUDIT_HELP).toContain(status.toLowerCase());
      expect((await cli('audit', '--events', file, '--status', status.toLowerCase())).code, status).toBe(0);
    }
    expect((await cli('audit', '--events', file, '--status', 'Canceled')).code).toBe(0);
  });

  it('--from/--to read times as run does: a date --to includes its day', async () => {
    const all = trail.all();
    const days = [...new Set(all.map((h) => isoFromNs(h.firstTs).slice(0, 10)))];
    expect(days.length).toBeGreaterThan(1);
    const [first, second] = days as [string, string];
    const onFirst = all.filter((h) => isoFromNs(h.firstTs).startsWith(first)).length;
    expect(onFirst).toBeGreaterThan(0);
    const count = async (...args: string[]): Promise<number> => {
      const r = await cli('audit', '--events', file, ...args);
      expect(r.code, args.join(' ')).toBe(0);
      return Number(/^(\d+) of \d+ orders match$/m.exec(r.out)?.[1]);
    };
    // `--to <first day>` was that day's start: none of its orders
    expect(await count('--to', first)).toBe(onFirst);
    expect(await count('--from', first, '--to', first)).toBe(onFirst);
    expect(await count('--from', second)).toBe(all.length - onFirst);
    expect(await count('--to', `${second}T00:00:00Z`)).toBe(onFirst);
    expect(AUDIT_HELP).toMatch(/--to T {11}created before T \(exclusive; a date includes that day\)/);
    for (const argv of [
      ['--to', '2024-02-31'],
      ['--from', 'yesterday'],
      ['--from', second, '--to', first]
    ]) {
      const r = await cli('audit', '--events', file, ...argv);
      expect([r.code, r.err], argv.join(' ')).toEqual([2, expect.stringMatching(/\[TRD_ERR_CLI_USAGE\]\n$/)]);
    }
  });
});
