import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_HELP } from '../../src/cli/chart.command.ts';
import { speedOption, timeOption, windowOption } from '../../src/cli/options.ts';
import { MAX_DATE_NS, MIN_DATE_NS, nsFromIso } from '../../src/core/nanos.ts';
import { parseTimeArg } from '../../src/data/timeframe.ts';
import { caught } from '../support/caught.ts';
import { cli } from '../support/cli.ts';

describe('CLI option values', () => {
  it('--speed is fast or a plain positive decimal: hex, exponents and padding are refused', async () => {
    expect([undefined, 'fast', '1', '60', '0.5', '007'].map(speedOption)).toEqual([
      'fast',
      'fast',
      1,
      60,
      0.5,
      7
    ]);
    // Number() read 0x10 as 16, " 5" as 5 and 1e3 as 1000
    for (const text of [
      '0x10',
      ' 5',
      '5 ',
      '1e3',
      '.5',
      '5.',
      '+5',
      '-1',
      '0',
      '0.0',
      'Infinity',
      '',
      'FAST'
    ]) {
      expect(() => speedOption(text), JSON.stringify(text)).toThrow(
        expect.objectContaining({
          code: 'TRD_ERR_CLI_USAGE',
          message: expect.stringMatching(/^--speed must be fast or a positive decimal/)
        })
      );
    }
    // refused before anything runs (it ran at 16× real time, writing results/)
    const out = mkdtempSync(join(tmpdir(), 'ts-speed-'));
    const r = await cli('run', '--speed', '0x10', '--out', out);
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/--speed .*got "0x10" \[TRD_ERR_CLI_USAGE\]\n$/)
    ]);
  });

  it('--snapshot-at takes a date as --from does: the start of that day, UTC', async () => {
    expect(timeOption('snapshot-at', '2024-01-05', 'start')).toBe(nsFromIso('2024-01-05T00:00:00Z'));
    const dir = mkdtempSync(join(tmpdir(), 'ts-snapshot-date-'));
    const config = join(dir, 'c.yaml');
    writeFileSync(
      config,
      'data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: 2 }\n' +
        'strategy: { type: sma-crossover, params: { fast: 2, slow: 5, qty: 1 } }\n'
    );
    // 2024-01-03 00:00 UTC: after the first session, before the second
    const runAt = (at: string) =>
      cli('run', '--config', config, '--out', dir, '--monte-carlo', '0', '--snapshot-at', at);
    const r = await runAt('2024-01-03');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain(`snapshot at 2024-01-03T00:00:00.000000000Z: ${dir}/snapshot.json`);
    expect(JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8'))).toMatchObject({
      ts: String(nsFromIso('2024-01-03T00:00:00Z'))
    });
    // after the data: taken at the last bar, and the line says so
    const late = await runAt('2030-01-01');
    expect(late.code).toBe(0);
    expect(late.out).toMatch(
      /snapshot at 2024-01-03T2\d:\d\d:00\.000000000Z \(the data ends before --snapshot-at\): /
    );
  });

  it('a time in integer ns beyond the range of a date is a usage error naming the option', () => {
    expect(timeOption('from', MAX_DATE_NS.toString(), 'start')).toBe(MAX_DATE_NS);
    expect(timeOption('to', MIN_DATE_NS.toString(), 'end')).toBe(MIN_DATE_NS);
    for (const [option, text] of [
      ['from', (MAX_DATE_NS + 1n).toString()],
      ['to', (MIN_DATE_NS - 1n).toString()],
      ['snapshot-at', '99999999999999999999999']
    ] as const) {
      const e = caught(() => timeOption(option, text, 'start'));
      expect([e.code, e.context], text).toEqual(['TRD_ERR_CLI_USAGE', { option, value: text }]);
      expect(e.message).toMatch(new RegExp(`^--${option} must be .* within the range of a date`));
    }
    // --from after --to is reported with both shown: that printing was a RangeError ("internal error", exit 1)
    const e = caught(() => windowOption({ from: '99999999999999999999999', to: '2024-01-01' }));
    expect([e.code, e.context.option]).toEqual(['TRD_ERR_CLI_USAGE', 'from']);
    // the data commands read times with parseTimeArg itself: the same bound
    expect(caught(() => parseTimeArg((MAX_DATE_NS + 1n).toString(), 'start')).code).toBe('TRD_ERR_CLI_USAGE');
    expect(parseTimeArg(MIN_DATE_NS.toString(), 'end')).toBe(MIN_DATE_NS);
  });

  it('chart takes one MACHINE: an extra argument, or a name no machine has, is a usage error', async () => {
    for (const argv of [
      ['chart', 'order', 'extra'],
      ['chart', 'oms', 'order']
    ]) {
      const r = await cli(...argv);
      expect([r.code, r.out], argv.join(' ')).toEqual([2, '']);
      expect(r.err, argv.join(' ')).toMatch(
        /^tradestate: chart takes one MACHINE, got 2: .* \[TRD_ERR_CLI_USAGE\]\n$/
      );
    }
    // names of Object.prototype members are no machines (toString was an internal error)
    for (const name of ['toString', 'constructor', '__proto__']) {
      const r = await cli('chart', name);
      expect([r.code, r.err], name).toEqual([
        2,
        expect.stringMatching(/^tradestate: unknown machine .*\[TRD_ERR_CLI_USAGE\]\n$/)
      ]);
    }
    expect((await cli('chart', 'oms')).code).toBe(0);
    expect(CHART_HELP).toMatch(/^Usage: tradestate chart \[MACHINE\]/);
  });
});
