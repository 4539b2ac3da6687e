import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDataCommand } from '../../src/data/data-cli.ts';
import { sharedData } from '../support/shared-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradestate-cli-'));
const store = join(dir, 'store');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDataCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY });
  return { code, out: out.join('\n'), err: err.join('') };
}

describe('tradestate data', () => {
  it('every subcommand answers --help with exit 0; bad usage exits 2', async () => {
    for (const cmd of [['--help'], ['import', '--help'], ['ls', '--help'], ['get', '--help']]) {
      const r = await run(cmd);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.out).toMatch(/^Usage: tradestate data/);
    }
    expect((await run([])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['import', 'x.csv', '--format', 'nope', '--symbol', 'X', '--store', store])).code).toBe(
      2
    );
    expect((await run(['import', 'x.csv', '--format', 'yahoo', '--store', store])).err).toMatch(
      /missing --symbol/
    );
    expect((await run(['get', '--symbol', 'X', '--store', store])).code).toBe(2);
    // a tick or lot that is no positive decimal is bad usage, found before the file is read
    for (const [option, v] of [
      ['--tick', 'abc'],
      ['--lot', '0'],
      ['--tick', '0.00']
    ] as const) {
      const r = await run([
        'import',
        'x.csv',
        '--format',
        'csv',
        '--symbol',
        'X',
        '--store',
        store,
        option,
        v
      ]);
      expect([r.code, r.err.split('\n')[0]]).toEqual([
        2,
        `tradestate: data import: ${option} must be a positive decimal (0.01, 1), got "${v}" [TRD_ERR_CLI_USAGE]`
      ]);
    }
    const bogus = await run(['ls', '--bogus']);
    expect(bogus.code).toBe(2);
    // the CLI's one failure line, with its stable code
    expect(bogus.err).toBe("tradestate: data ls: Unknown option '--bogus' [TRD_ERR_CLI_USAGE]\n");
    expect((await run(['frobnicate'])).err).toMatch(
      /^tradestate: data: unknown data command: frobnicate \[TRD_ERR_CLI_USAGE\]\n\nUsage/
    );
    // the csv options: for --format csv only, and only their values
    const csv = ['import', 'x.csv', '--format', 'csv', '--symbol', 'X', '--store', store];
    for (const [args, why] of [
      [
        ['import', 'x.csv', '--format', 'yahoo', '--symbol', 'X', '--stamp', 'close'],
        /--stamp applies to --format csv only/
      ],
      [[...csv, '--stamp', 'middle'], /--stamp must be open or close/],
      [[...csv, '--time-unit', 'days'], /--time-unit must be one of s, ms, us, ns/],
      [[...csv, '--calendar', 'lse'], /--calendar must be nyse or 24x7/],
      [[...csv, '--timeframe', 'often'], /--timeframe: not a timeframe/]
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(why);
    }
  });

  it('imports a CSV of your own: columns by name, its wall clock, bars stamped at their close', async () => {
    const r = await run([
      'import',
      sharedData('ohlcv', 'backtrader', '2006-min-005.txt'),
      '--format',
      'csv',
      '--tz',
      'Europe/Berlin',
      '--stamp',
      'close',
      '--venue',
      'EUREX',
      '--symbol',
      'STOXX5',
      '--store',
      store
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^imported 2142 rows of STOXX5 into bars_5m/);
    expect(r.err).toBe('warning: 2006-min-005.txt: ignored columns OpenInterest');
    const get = await run([
      'get',
      '--symbol',
      'STOXX5',
      '--from',
      '2006-01-02',
      '--to',
      '2006-01-02T08:10:00Z',
      '--timeframe',
      '5m',
      '--store',
      store
    ]);
    expect(get.out.split('\n')).toEqual([
      'instrument,ts_open,ts_event,open,high,low,close,volume',
      'STOXX5@EUREX,2006-01-02T08:00:00.000000000Z,2006-01-02T08:05:00.000000000Z,3578.73,3587.88,3578.73,3582.99,0',
      'STOXX5@EUREX,2006-01-02T08:05:00.000000000Z,2006-01-02T08:10:00.000000000Z,3583.01,3588.40,3583.01,3588.03,0'
    ]);
  });

  it('import → ls → get round trip, with the default store directory name', async () => {
    const imp = await run([
      'import',
      sharedData('ohlcv', 'backtrader', 'orcl-2014.txt'),
      '--format',
      'yahoo',
      '--symbol',
      'ORCL',
      '--store',
      store
    ]);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/imported 252 rows of ORCL into bars_1d/);
    expect(existsSync(join(store, 'bars_1d', 'symbol=ORCL', 'year=2014', 'data.parquet'))).toBe(true);
    const ls = await run(['ls', '--store', store]);
    expect(ls.out).toContain(
      'bars_1d\tORCL\t1\t252\t2014-01-02T21:00:00.000000000Z\t2014-12-31T21:00:00.000000000Z'
    );
    const get = await run([
      'get',
      '--symbol',
      'ORCL',
      '--from',
      '2014-01-02',
      '--to',
      '2014-01-03',
      '--store',
      store
    ]);
    expect(get.code).toBe(0);
    expect(get.out.split('\n')).toEqual([
      'instrument,ts_open,ts_event,open,high,low,close,volume',
      'ORCL@NYSE,2014-01-02T14:30:00.000000000Z,2014-01-02T21:00:00.000000000Z,37.78,38.03,37.55,37.84,18162100',
      'ORCL@NYSE,2014-01-03T14:30:00.000000000Z,2014-01-03T21:00:00.000000000Z,37.65,37.86,37.56,37.62,11693900'
    ]);
  });

  it('a bad file exits 1 with the error code, file, row and column', async () => {
    const r = await run([
      'import',
      sharedData('ohlcv', 'backtrader', 'bidask.csv'),
      '--format',
      'yahoo',
      '--symbol',
      'X',
      '--store',
      store
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^tradestate: bidask\.csv:1 column.* \[TRD_ERR_DATA_INVALID\]\n$/);
    const missing = await run([
      'import',
      join(dir, 'nope.csv'),
      '--format',
      'yahoo',
      '--symbol',
      'X',
      '--store',
      store
    ]);
    expect(missing.err).toMatch(/^tradestate: .* \[TRD_ERR_DATA_NOT_FOUND\]\n$/);
  });

  it('draws a progress bar for a long import on a terminal only', async () => {
    const f = sharedData('ohlcv', 'crypto_1m', 'binanceus_BTCUSD_1m_20230301_20230321.csv');
    const tty = await run(['import', f, '--format', 'crypto', '--symbol', 'BTCUSD', '--store', store], true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\rBTCUSD ░{30} +0%/);
    expect(tty.err).toMatch(/\rBTCUSD █{30} 100%/);
    const piped = await run(
      ['import', f, '--format', 'crypto', '--symbol', 'BTCUSD', '--store', store],
      false
    );
    expect(piped.err).not.toMatch(/█/);
    // and get resamples what it does not store
    const get = await run([
      'get',
      '--symbol',
      'BTCUSD',
      '--from',
      '2023-03-01T00:00:00Z',
      '--to',
      '2023-03-01T01:00:00Z',
      '--timeframe',
      '1h',
      '--store',
      store
    ]);
    expect(get.out.split('\n')).toHaveLength(2);
    expect(get.out).toContain(
      'BTCUSD@CRYPTO,2023-03-01T00:00:00.000000000Z,2023-03-01T01:00:00.000000000Z,23144.78'
    );
  });

  it('get fails before printing anything: a timeframe it cannot make, a bar it cannot place; no bars is a header', async () => {
    const own = join(dir, 'get-store');
    const orcl = sharedData('ohlcv', 'backtrader', 'orcl-2014.txt');
    expect((await run(['import', orcl, '--format', 'yahoo', '--symbol', 'ORCL', '--store', own])).code).toBe(
      0
    );
    const get = (...more: string[]) =>
      run(['get', '--from', '2014-01-02', '--to', '2014-01-03', '--store', own, ...more]);
    // daily bars only: nothing finer to make hours from
    const hours = await get('--symbol', 'ORCL', '--timeframe', '1h');
    expect([hours.code, hours.out]).toEqual([1, '']);
    expect(hours.err).toMatch(
      /^tradestate: no 1h bars for ORCL .*stored: 1d.* \[TRD_ERR_DATA_NOT_FOUND\]\n$/
    );
    // hour-aligned 1h bars: the 09:00–10:00 one straddles the open of the day, refused as it is read
    const csv = join(dir, 'hours.csv');
    const stamps = ['09', '10', '11', '12', '13', '14', '15'].map((h) => `2014-01-02 ${h}:00,1,1,1,1,1`);
    writeFileSync(csv, `datetime,o,h,l,c,v\n${stamps.join('\n')}\n`);
    const tz = ['--tz', 'America/New_York', '--calendar', 'nyse'];
    expect(
      (await run(['import', csv, '--format', 'csv', '--symbol', 'HRS', ...tz, '--store', own])).code
    ).toBe(0);
    const days = await get('--symbol', 'HRS', '--timeframe', '1d');
    expect([days.code, days.out]).toEqual([1, '']);
    expect(days.err).toMatch(/\[TRD_ERR_DATA_INVALID\]\n$/);
    // an empty range is a CSV without rows, said on stderr
    const none = await run([
      'get',
      '--symbol',
      'ORCL',
      '--from',
      '2024-01-02',
      '--to',
      '2024-01-03',
      '--store',
      own
    ]);
    expect([none.code, none.out]).toEqual([0, 'instrument,ts_open,ts_event,open,high,low,close,volume']);
    expect(none.err).toBe('no 1d bars for ORCL in [2024-01-02, 2024-01-03]');
  });
});
