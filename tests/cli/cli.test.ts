import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
// the CLI loads the paper stack on demand: load it with the file, so the timed sessions do not pay for it
import '../../src/cli/paper.command.ts';
import { RUN_HELP } from '../../src/cli/run.command.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import { loadFixDictionary } from '../../src/gateways/fix/dictionary.ts';
import type { FixTlsOptions } from '../../src/gateways/fix/session.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { FixLocalVenue } from '../../src/venue/fix-local/fix-local.venue.ts';
import { FIX42_XML } from '../gateways/fix-support.ts';
import { cli } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';
import { REPO_ROOT } from '../support/shared-data.ts';
import { until } from '../support/until.ts';

/** A loopback TCP port held open (as another process's server would), and how to let it go. */
async function listening(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    close: () => new Promise<void>((r) => server.close(() => r()))
  };
}

/** A count as the CLI prints it (`1,493`). */
const count = (s: string | undefined): number => Number(s?.replaceAll(',', ''));

/** `tradestate run --mode paper …` through the bin launcher, to completion. */
function paperBin(...args: string[]) {
  return paperBinWith({}, ...args);
}

/** {@link paperBin} with an environment (default: this process's). */
function paperBinWith(o: { readonly env?: NodeJS.ProcessEnv }, ...args: string[]) {
  return spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'tradestate.js'), 'run', '--mode', 'paper', ...args],
    { encoding: 'utf8', cwd: REPO_ROOT, ...(o.env ? { env: o.env } : {}) }
  );
}

/** The built-in FIX venue (SenderCompID VENUE, as the config's default TargetCompID) for an AAPL paper run. */
async function fixVenue(tls?: FixTlsOptions): Promise<FixLocalVenue> {
  const venue = new FixLocalVenue({
    instruments: [
      makeInstrument({ symbol: 'AAPL', venue: 'FIXLOCAL', tickSize: '0.01', lotSize: '1', currency: 'USD' })
    ],
    clock: new LiveClock(),
    dictionary: loadFixDictionary(FIX42_XML),
    senderCompId: 'VENUE',
    ...(tls ? { tls } : {})
  });
  await venue.start();
  return venue;
}

describe('tradestate CLI', () => {
  it('prints help for the CLI and every command', async () => {
    const main = await cli('--help');
    expect(main.code).toBe(0);
    expect(main.out).toMatch(/Commands:\n\s+run/);
    for (const c of ['run', 'chart', 'audit', 'book', 'data']) {
      const r = await cli(c, '--help');
      expect([r.code, r.out]).toEqual([0, expect.stringMatching(new RegExp(`^Usage: tradestate ${c}`))]);
    }
  });

  it('live mode (real money) exits non-zero with a one-line reason', async () => {
    const r = await cli('run', '--mode', 'live');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/TRD_ERR_MODE_UNAVAILABLE/);
  });

  it('bad usage exits 2 with a one-line reason', async () => {
    for (const argv of [
      ['run', '--bogus'],
      ['run', '--mode', 'nope'],
      ['run', '--venue', 'local'],
      ['run', '--mode', 'paper', '--venue', 'nasdaq'],
      ['run', '--mode', 'paper', '--duration', 'soon'],
      ['run', '--metrics-port', '9464'],
      ['run', '--mode', 'paper', '--metrics-port', 'x'],
      ['run', '--seed', 'x'],
      ['run', '--speed', '0'],
      ['run', '--from', 'yesterday'],
      ['run', '--from', '2024-01-04', '--to', '2024-01-03'],
      ['run', '--mode', 'paper', '--to', '2024-01-03'],
      ['frobnicate'],
      ['chart', 'nope']
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a bad config names the file and key path', async () => {
    const r = await cli('run', '--config', join(REPO_ROOT, 'package.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/package\.json: .*TRD_ERR_CONFIG_INVALID/);
  });

  it('runs a backtest with --config, --seed and --out and writes the results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-cli-'));
    const r = await cli(
      'run',
      '--config',
      join(REPO_ROOT, 'config', 'backtest.yaml'),
      '--seed',
      '3',
      '--out',
      dir
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Sharpe ratio/);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).seed).toBe(3);
  });

  it('--from and --to backtest a window: only its bars are traded, and the run id names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-cli-window-'));
    const r = await cli('run', '--from', '2024-01-03', '--to', '2024-01-04T16:00:00Z', '--out', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^tradestate backtest default-s42-w20240103T000000Z\.\.20240104T160000Z-[0-9a-f]{8} \(seed 42\)$/m
    );
    const bars = readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === 'market.bar')
      .map((x) => BigInt(x.ts));
    // the 3rd's session and the 4th's bars closing 14:31 to 15:59 UTC, 3 symbols
    expect(bars).toHaveLength(3 * (390 + 89));
    expect(bars[0]).toBe(BigInt(Date.UTC(2024, 0, 3, 14, 31)) * 1_000_000n);
    expect(bars.at(-1)).toBe(BigInt(Date.UTC(2024, 0, 4, 15, 59)) * 1_000_000n);
    expect(r.out).toMatch(new RegExp(`^${(3 * 479).toLocaleString('en-US')} bars,`, 'm'));
    expect(r.err).toBe('');
  });

  it('--monte-carlo N resamples the run into N paths (0: none); it is for backtests only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-cli-mc-'));
    const r = await cli('run', '--monte-carlo', '200', '--out', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^Monte Carlo: 200 paths of 20 daily returns resampled with replacement; P\(loss\) [\d.]+%$/m
    );
    expect(r.out).toMatch(/^ +50th +-?[\d.]+% +[\d.]+%$/m);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).monteCarlo.paths).toBe(200);
    const none = await cli('run', '--monte-carlo', '0', '--out', dir);
    expect(none.out).not.toMatch(/Monte Carlo/);
    for (const argv of [
      ['run', '--monte-carlo', 'many'],
      ['run', '--mode', 'paper', '--monte-carlo', '10']
    ]) {
      const bad = await cli(...argv);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--monte-carlo/);
    }
  });

  it('a window with no data runs, but says it had nothing to trade', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-cli-empty-'));
    const r = await cli('run', '--from', '2030-01-01', '--out', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^0 bars, 0 orders/m);
    expect(r.err).toMatch(
      /^warning: the data gave the strategy nothing to trade: check data\.start\/end and --from\/--to$/m
    );
  });

  it('the bin backtests a strategy module of your own, loaded through the type-stripping preload', () => {
    const out = mkdtempSync(join(tmpdir(), 'ts-cli-plugin-'));
    const bin = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'tradestate.js'),
        'run',
        '--config',
        join(REPO_ROOT, 'config', 'buy-the-dip.yaml'),
        '--out',
        out
      ],
      { encoding: 'utf8' }
    );
    expect(bin.status, bin.stderr).toBe(0);
    expect(bin.stdout).toMatch(/^tradestate backtest buy-the-dip-s42-[0-9a-f]{8} \(seed 42\)$/m);
    const m = /^[\d,]+ bars, ([\d,]+) orders, ([\d,]+) fills, 0 rejected/m.exec(bin.stdout);
    expect(count(m?.[1])).toBeGreaterThan(10);
    expect(count(m?.[2])).toBe(count(m?.[1]));
  });

  it('prints the order state chart as Mermaid', async () => {
    const r = await cli('chart', 'order');
    expect(r.out).toMatch(/^stateDiagram-v2\n {2}\[\*\] --> NEW\n/);
    expect(r.out).toContain('PENDING_CANCEL --> CANCELED: venue.canceled');
    expect(r.out).toContain('CANCELED --> CLOSED: after lateFillGrace');
  });

  it('the bin runs on the pinned Node; --mode paper without Alpaca keys fails with the reason and the way out', () => {
    const env = { ...process.env };
    delete env['APCA_API_KEY_ID'];
    delete env['APCA_API_SECRET_KEY'];
    const bin = paperBinWith({ env });
    expect(bin.status).toBe(1);
    expect(bin.stderr.trim().split('\n')).toHaveLength(1);
    expect(bin.stderr).toMatch(
      /APCA_API_KEY_ID and APCA_API_SECRET_KEY.*--venue local \[TRD_ERR_CREDENTIALS_MISSING\]$/m
    );
    // a FIX venue needs the keys only for Alpaca's market data: the way out is FIX market data, not --venue local
    const fix = paperBinWith({ env }, '--venue', 'fix', '--config', 'config/paper-fix.yaml');
    expect(fix.status).toBe(1);
    expect(fix.stderr).toMatch(
      /--venue fix takes its market data from Alpaca.*live\.fix\.marketData: fix .*\[TRD_ERR_CREDENTIALS_MISSING\]\n$/
    );
  });

  it('--mode paper --venue local trades the paper config on the built-in Alpaca and writes its results', () => {
    const out = mkdtempSync(join(tmpdir(), 'tradestate-paper-'));
    const bin = paperBin('--venue', 'local', '--duration', '2s', '--metrics-port', '0', '--out', out);
    expect(bin.stderr).toBe('');
    expect(bin.status).toBe(0);
    expect(bin.stdout).toMatch(
      /^tradestate paper paper: AAPL, MSFT, SPY on alpaca-local \(http:\/\/127\.0\.0\.1:\d+\)$/m
    );
    expect(bin.stdout).toMatch(/^ {2}metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    const m =
      /stopped by duration — ([\d,]+) bars, ([\d,]+) orders, ([\d,]+) fills, 0 rejected, 0 gateway errors/.exec(
        bin.stdout
      );
    expect(m).not.toBeNull();
    expect(count(m![1])).toBeGreaterThan(30);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ mode: 'paper', venue: 'alpaca-local', stoppedBy: 'duration' });
    expect(summary.counts.bars).toBe(count(m![1]));
    expect(summary.counts.fills).toBe(count(m![3]));
    expect(summary.counts.leftWorking).toBe(0);
    expect(bin.stdout).toMatch(/^ {2}positions reconciled with the venue$/m);
    expect(bin.stdout).toMatch(/^ {2}cash reconciled with the venue \(session change -?\d+\.\d{8}\)$/m);
    expect(summary.cashReconciliation).toMatchObject({ unexplained: '0.00000000' });
    const types = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.completed');
    // the next session in the same out dir (the default one is the same for every session) keeps this log
    const first = readFileSync(join(out, 'events.jsonl'), 'utf8');
    const again = paperBin('--venue', 'local', '--duration', '1s', '--out', out);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(
      `\n  the earlier session's log there was kept as ${join(out, 'events.jsonl.1')}\n`
    );
    expect(readFileSync(join(out, 'events.jsonl.1'), 'utf8')).toBe(first);
    expect(JSON.parse(readFileSync(join(out, 'events.jsonl'), 'utf8').split('\n')[0]!).payload).toMatchObject(
      {
        previousLog: 'events.jsonl.1'
      }
    );
  });

  it('--venue local-fix trades the FIX paper config over a FIX 4.2 session to the built-in FIX venue', () => {
    const out = mkdtempSync(join(tmpdir(), 'tradestate-paper-fix-'));
    const bin = paperBin(
      '--config',
      join(REPO_ROOT, 'config', 'paper-fix.yaml'),
      '--duration',
      '2s',
      '--out',
      out
    );
    expect(bin.stderr).toBe('');
    expect(bin.status).toBe(0);
    expect(bin.stdout).toMatch(
      /^tradestate paper paper-fix: AAPL, MSFT, SPY on fix-local \(FIX 4\.2 TRADESTATE→VENUE at 127\.0\.0\.1:\d+\)$/m
    );
    expect(bin.stdout).toMatch(/^ {2}logged on: next MsgSeqNum out 2, in 2$/m);
    const m =
      /stopped by duration — ([\d,]+) bars, ([\d,]+) orders, ([\d,]+) fills, 0 rejected, 0 gateway errors/.exec(
        bin.stdout
      );
    expect(m).not.toBeNull();
    expect(count(m![2])).toBeGreaterThan(0);
    expect(count(m![3])).toBe(count(m![2]));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ mode: 'paper', venue: 'fix-local', stoppedBy: 'duration' });
    expect(summary.counts.leftWorking).toBe(0);
    const recs = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // fills came back as FIX execution reports from the FIX venue
    const fill = recs.find((r) => r.type === 'exec.report' && r.payload.execType === 'fill');
    expect(fill.payload).toMatchObject({ venue: 'FIX', execId: expect.stringMatching(/^FIXLOCAL-x\d+$/) });
    expect(recs.find((r) => r.type === 'venue.connected').payload).toMatchObject({ protocol: 'FIX.4.2' });
  });

  it('paper-lobster.yaml paper-trades the market maker on real LOBSTER order flow over FIX 4.2, with depth, until the file ends', () => {
    const out = mkdtempSync(join(tmpdir(), 'tradestate-paper-lobster-'));
    const bin = paperBin('--config', join(REPO_ROOT, 'config', 'paper-lobster.yaml'), '--out', out);
    expect(bin.stderr).toBe('');
    expect(bin.status).toBe(0);
    expect(bin.stdout).toMatch(
      /^tradestate paper paper-lobster: AAPL on fix-local \(FIX 4\.2 TRADESTATE→VENUE/m
    );
    const m =
      /stopped by data-end — [\d,]+ bars, ([\d,]+) orders, ([\d,]+) fills, 0 rejected, 0 gateway errors/.exec(
        bin.stdout
      );
    expect(m).not.toBeNull();
    expect(count(m![1])).toBeGreaterThan(0);
    expect(count(m![2])).toBeGreaterThan(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ mode: 'paper', venue: 'fix-local', stoppedBy: 'data-end' });
    expect(summary.counts.leftWorking).toBe(0); // a cancel-all during a pending replace still cancels
    const recs = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // the strategy quoted from the venue's FIX book: its quotes are the file's top changes, in order
    const quotes = recs.filter((r) => r.type === 'market.quote');
    expect(quotes.length).toBeGreaterThan(400);
    expect(quotes[0].payload).toMatchObject({ bidPx: 5853300, bidSz: 18, askPx: 5859400, askSz: 200 });
    expect(recs.filter((r) => r.type === 'order.refused')).toEqual([]);
  });

  it('--mode paper replays LOBSTER data only into the built-in FIX venue with its own market data: TRD_ERR_CONFIG_INVALID otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-lobster-paper-'));
    const cfg = join(dir, 'alpaca-data.yaml');
    // the shipped config, but bars from the (local) Alpaca data stream, which has no LOBSTER replay
    writeFileSync(
      cfg,
      readFileSync(join(REPO_ROOT, 'config', 'paper-lobster.yaml'), 'utf8')
        .replaceAll('../../shared/', `${join(REPO_ROOT, '..', 'shared')}/`)
        .replace('marketData: fix', 'marketData: alpaca')
        .replace('depth: 10', 'depth: 1')
    );
    for (const args of [
      ['--venue', 'local', '--config', join(REPO_ROOT, 'config', 'paper-lobster.yaml')],
      ['--config', cfg]
    ]) {
      const r = await cli('run', '--mode', 'paper', ...args);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(
        /LOBSTER data is replayed as a live market only into the built-in FIX venue.*\[TRD_ERR_CONFIG_INVALID\]/
      );
    }
  });

  it('--mode paper refuses bars it cannot make before anything starts: TRD_ERR_CONFIG_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-bars-'));
    const cfg = join(dir, 'bars.yaml');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 'bars',
        data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 1 },
        strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } },
        live: { venue: 'local', bars: { timeframe: '5m' } }
      })
    );
    const r = await cli('run', '--mode', 'paper', '--config', cfg);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /live\.bars\.timeframe 5m: the local venue replays the data's own 1m bars.*\[TRD_ERR_CONFIG_INVALID\]/
    );
  });

  it('--venue fix: no dictionary is a config error; no answer to the Logon is TRD_ERR_VENUE_UNAVAILABLE', async () => {
    const noDict = await cli('run', '--mode', 'paper', '--venue', 'fix');
    expect(noDict.code).not.toBe(0);
    expect(noDict.err).toMatch(/live\.fix\.dictionary.*\[TRD_ERR_CONFIG_INVALID\]/);
    // a port nobody listens on, market data on another, keys present: the logon times out
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-fix-'));
    const port = await freePort();
    const cfg = join(dir, 'fix.yaml');
    writeFileSync(
      cfg,
      [
        'name: nofix',
        'data: { kind: synthetic, symbols: [AAPL], start: "2024-03-05", sessions: 1 }',
        'strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 1 } }',
        'live:',
        '  venue: fix',
        `  alpaca: { dataUrl: "ws://127.0.0.1:${port}/v2/iex" }`,
        `  fix: { dictionary: ${JSON.stringify(FIX42_XML)}, port: ${port}, logonTimeoutMs: 300, storeDir: ${JSON.stringify(join(dir, 'store'))} }`
      ].join('\n')
    );
    vi.stubEnv('APCA_API_KEY_ID', 'k');
    vi.stubEnv('APCA_API_SECRET_KEY', 's');
    try {
      const r = await cli('run', '--mode', 'paper', '--config', cfg, '--out', join(dir, 'out'));
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/no logon within 300 ms.*\[TRD_ERR_VENUE_UNAVAILABLE\]/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('--venue fix over TLS: an unreadable TLS file is a config error; a venue certificate that does not verify is TRD_ERR_VENUE_UNAVAILABLE saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-fix-tls-'));
    const tlsFile = (name: string): string => join(REPO_ROOT, 'tests', 'fixtures', 'tls', name);
    const venue = await fixVenue({
      cert: readFileSync(tlsFile('venue.pem'), 'utf8'),
      key: readFileSync(tlsFile('venue.key'), 'utf8')
    });
    const config = (caFile: string): string => {
      const f = join(dir, `tls-${caFile.length}.yaml`);
      writeFileSync(
        f,
        [
          'name: fixtls',
          'data: { kind: synthetic, symbols: [AAPL], start: "2024-03-05", sessions: 1 }',
          'strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 1 } }',
          'live:',
          '  venue: fix',
          `  alpaca: { dataUrl: "ws://127.0.0.1:${venue.port}/v2/iex" }`,
          `  fix: { dictionary: ${JSON.stringify(FIX42_XML)}, port: ${venue.port}, logonTimeoutMs: 1000, storeDir: ${JSON.stringify(join(dir, 'store'))},`,
          `         tls: { caFile: ${JSON.stringify(caFile)} } }`
        ].join('\n')
      );
      return f;
    };
    vi.stubEnv('APCA_API_KEY_ID', 'k');
    vi.stubEnv('APCA_API_SECRET_KEY', 's');
    try {
      const missing = await cli(
        'run',
        '--mode',
        'paper',
        '--config',
        config('no-such-ca.pem'),
        '--out',
        join(dir, 'a')
      );
      expect(missing.code).not.toBe(0);
      expect(missing.err).toMatch(
        /live\.fix\.tls\.caFile: cannot read .*no-such-ca\.pem.*\[TRD_ERR_CONFIG_INVALID\]/
      );
      const rogue = await cli(
        'run',
        '--mode',
        'paper',
        '--config',
        config(tlsFile('rogue-ca.pem')),
        '--out',
        join(dir, 'b')
      );
      expect(rogue.code).not.toBe(0);
      expect(rogue.out).toContain('over TLS');
      expect(rogue.err).toMatch(
        /no logon within 1000 ms \(last disconnect: .*certificate.*\).*\[TRD_ERR_VENUE_UNAVAILABLE\]/
      );
      expect(venue.stats.orders).toBe(0);
    } finally {
      vi.unstubAllEnvs();
      await venue.stop();
    }
  });

  it('--venue fix with live.fix.marketData fix: no Alpaca keys needed; bars are asked of the FIX venue (MarketDataRequest)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-fix-md-'));
    const venue = await fixVenue();
    const cfg = join(dir, 'fixmd.yaml');
    writeFileSync(
      cfg,
      [
        'name: fixmd',
        'data: { kind: synthetic, symbols: [AAPL], start: "2024-03-05", sessions: 1 }',
        'strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 1 } }',
        'live:',
        '  venue: fix',
        '  durationMs: 300',
        `  fix: { dictionary: ${JSON.stringify(FIX42_XML)}, port: ${venue.port}, marketData: fix, logonTimeoutMs: 3000, storeDir: ${JSON.stringify(join(dir, 'store'))} }`
      ].join('\n')
    );
    vi.stubEnv('APCA_API_KEY_ID', '');
    vi.stubEnv('APCA_API_SECRET_KEY', '');
    try {
      const r = await cli('run', '--mode', 'paper', '--config', cfg, '--out', join(dir, 'out'));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/logged on/);
      expect(venue.marketData.stats).toEqual({ requests: 1, rejected: 0 });
    } finally {
      vi.unstubAllEnvs();
      await venue.stop();
    }
  });

  it('usage errors of the argument parser and unknown commands carry TRD_ERR_CLI_USAGE (exit 2, one line)', async () => {
    for (const argv of [
      ['run', '--bogus'],
      ['run', '--config'],
      ['run', 'extra'],
      ['sweep', '--nope'],
      [
        'sweep',
        '--config',
        'config/backtest.yaml',
        '--param',
        'strategy.params.fast=5,10',
        '--redis',
        'http://x'
      ],
      ['sweep-worker', '--redis', 'redis://host/db'],
      ['frobnicate']
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/^tradestate: .* \[TRD_ERR_CLI_USAGE\]\n$/);
    }
    expect((await cli('run', '--bogus')).err).toMatch(/^tradestate: run: Unknown option '--bogus'/);
  });

  it('dates that do not exist are usage errors, not rolled over (2024-02-31 is not March 2)', async () => {
    for (const [argv, option] of [
      [['run', '--to', '2024-02-31'], '--to'],
      [['run', '--from', '2023-02-29T10:00:00Z'], '--from'],
      [['run', '--snapshot-at', '2024-02-31T15:00:00Z'], '--snapshot-at']
    ] as const) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(
        new RegExp(`^tradestate: ${option} .*\\[TRD_ERR_CLI_USAGE\\]\n$`)
      );
    }
  });

  it('--speed and --snapshot-at are backtest options: with --mode paper they are usage errors', async () => {
    for (const argv of [
      ['run', '--mode', 'paper', '--venue', 'local', '--speed', '0.001'],
      ['run', '--mode', 'paper', '--venue', 'local', '--snapshot-at', '2024-03-05T15:00:00Z']
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(
        /--speed and --snapshot-at apply to backtests only \[TRD_ERR_CLI_USAGE\]/
      );
    }
    expect(RUN_HELP).toMatch(/--speed S {7}backtest: /);
    expect(RUN_HELP).toMatch(/--snapshot-at T backtest: /);
  });

  it('--metrics-port and --dashboard-port on the same port are a usage error before anything starts', async () => {
    const r = await cli(
      'run',
      '--mode',
      'paper',
      '--venue',
      'local',
      '--metrics-port',
      '9000',
      '--dashboard-port',
      '9000'
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot share port 9000.*\[TRD_ERR_CLI_USAGE\]\n$/);
    expect(r.out).toBe(''); // no session was started
  });

  it('a dashboard port in use ends the paper session with TRD_ERR_PORT_UNAVAILABLE, leaving no signal handler behind', async () => {
    const taken = await listening();
    const sigint = process.listenerCount('SIGINT');
    const sigterm = process.listenerCount('SIGTERM');
    try {
      const out = mkdtempSync(join(tmpdir(), 'tradestate-port-'));
      const r = await cli(
        'run',
        '--mode',
        'paper',
        '--venue',
        'local',
        '--duration',
        '60s',
        '--metrics-port',
        '0',
        '--dashboard-port',
        String(taken.port),
        '--out',
        out
      );
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `tradestate: dashboard server cannot listen on 127.0.0.1:${taken.port}: the port is in use (another process, or the session's other server, listens there) [TRD_ERR_PORT_UNAVAILABLE]\n`
      );
      expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([sigint, sigterm]);
    } finally {
      await taken.close();
    }
  }, 20_000);

  it('a session that fails to start before its servers do (a corrupt FIX session store) leaves no signal handler behind', async () => {
    // regression: the store is read after the signal handlers were registered, and its throw skipped removing them
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-fix-store-'));
    const store = join(dir, 'store');
    mkdirSync(store);
    writeFileSync(join(store, 'TRADESTATE-VENUE.seqnums'), '{ not json');
    const cfg = join(dir, 'fix.yaml');
    writeFileSync(
      cfg,
      [
        'name: corruptstore',
        'data: { kind: synthetic, symbols: [AAPL], start: "2024-03-05", sessions: 1 }',
        'strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 1 } }',
        'live:',
        '  venue: fix',
        `  fix: { dictionary: ${JSON.stringify(FIX42_XML)}, port: 1, marketData: fix, storeDir: ${JSON.stringify(store)} }`
      ].join('\n')
    );
    const sigint = process.listenerCount('SIGINT');
    const sigterm = process.listenerCount('SIGTERM');
    const r = await cli('run', '--mode', 'paper', '--config', cfg, '--out', join(dir, 'out'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /FIX session store .*TRADESTATE-VENUE\.seqnums is corrupt \[TRD_ERR_DATA_INVALID\]\n$/
    );
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([sigint, sigterm]);
  });

  it('a metrics port in use: the bin exits 1 with TRD_ERR_PORT_UNAVAILABLE at once, nothing left open', async () => {
    const taken = await listening();
    try {
      const out = mkdtempSync(join(tmpdir(), 'tradestate-port-'));
      const bin = spawn(
        process.execPath,
        [
          join(REPO_ROOT, 'bin', 'tradestate.js'),
          'run',
          '--mode',
          'paper',
          '--venue',
          'local',
          '--duration',
          '60s',
          '--metrics-port',
          String(taken.port),
          '--out',
          out
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] }
      );
      let stderr = '';
      bin.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      const exited = new Promise<number | null>((r) => bin.once('exit', (code) => r(code)));
      // before the fix the venue stayed open and the process never exited
      const timer = setTimeout(() => bin.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `^tradestate: metrics server cannot listen on 127\\.0\\.0\\.1:${taken.port}: the port is in use .*\\[TRD_ERR_PORT_UNAVAILABLE\\]\n$`
        )
      );
    } finally {
      await taken.close();
    }
  }, 20_000);

  it('SIGTERM to the bin stops a paper session cleanly (the launcher runs the CLI in its own process)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tradestate-sigterm-'));
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'tradestate.js'), 'run', '--mode', 'paper', '--venue', 'local', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await until(() => /account .* ACTIVE/.test(stdout), 10_000, 'the session to start');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped by signal — [\d,]+ bars/);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      stoppedBy: 'signal',
      counts: { leftWorking: 0 }
    });
  }, 20_000);
});
