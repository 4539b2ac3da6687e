import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { cli } from '../support/cli.ts';
import { submittedJson } from '../support/order-event-json.ts';

/** One events.jsonl line: an order's `order.submitted` event. */
function submitted(clientOrderId: string, instrumentId: string, tsEvent: string): string {
  const payload = submittedJson({ clientOrderId, instrumentId, tsEvent });
  return JSON.stringify({ seq: 1, ts: tsEvent, type: 'order.submitted', component: 'order', payload });
}

function eventsFile(lines: readonly string[]): string {
  const f = join(mkdtempSync(join(tmpdir(), 'ts-audit-cmd-')), 'events.jsonl');
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

describe('tradestate audit', () => {
  it('lists the orders of symbols such as ES=F and ^GSPC (their events were bad lines, the orders missing)', async () => {
    const id = (symbol: string) =>
      makeInstrument({ symbol, venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' }).id;
    const f = eventsFile([
      submitted('o1', id('ES=F'), '1700000000000000000'),
      submitted('o2', id('^GSPC'), '1700000000000000001')
    ]);
    const r = await cli('audit', '--events', f);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('ES=F@SIM');
    expect(r.out).toContain('^GSPC@SIM');
    expect(r.out).toMatch(/2 of 2 orders match\n$/);
  });

  it('an order event with a time beyond the range of a date is a bad line; the rest is still listed', async () => {
    const f = eventsFile([
      submitted('ok1', 'A@SIM', '1700000000000000000'),
      submitted('bad1', 'A@SIM', '9000000000000000000000')
    ]);
    // it passed the schema, then isoFromNs threw a RangeError: "internal error", exit 1, nothing listed
    const r = await cli('audit', '--events', f);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok1[\s\S]*1 of 1 orders match\n$/);
    expect(r.err).toMatch(/^tradestate audit: line 2: .*tsEvent.*\[TRD_ERR_/);
  });

  it('--from / --to beyond the range of a date: a usage error (exit 2), not an internal error', async () => {
    const f = eventsFile([submitted('ok1', 'A@SIM', '1700000000000000000')]);
    for (const argv of [
      ['--from', '99999999999999999999999', '--to', '2024-01-01'],
      ['--from', '99999999999999999999999'],
      ['--to=-99999999999999999999999']
    ]) {
      const r = await cli('audit', '--events', f, ...argv);
      expect([r.code, r.out], argv.join(' ')).toEqual([2, '']);
      expect(r.err, argv.join(' ')).toMatch(/^tradestate: --(from|to) must be .*\[TRD_ERR_CLI_USAGE\]\n$/);
    }
  });

  it('a file with no log record in it is refused (exit 1), not read as an empty log; past 5 bad lines, a count', async () => {
    const notLog = eventsFile(['# a README', 'some text', '', 'more']);
    const r = await cli('audit', '--events', notLog);
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(
      /is not an event log: none of its 3 lines is a log record.*\[TRD_ERR_DATA_INVALID\]\n$/
    );
    const f = eventsFile([
      submitted('ok1', 'A@SIM', '1700000000000000000'),
      ...Array.from({ length: 8 }, () => 'junk')
    ]);
    const some = await cli('audit', '--events', f);
    expect(some.code).toBe(0);
    expect(some.out).toMatch(/1 of 1 orders match\n$/);
    expect(some.err.split('\n').filter((l) => l.startsWith('tradestate audit: line'))).toHaveLength(5);
    expect(some.err).toContain('… and 3 more lines that could not be read');
  });
});
