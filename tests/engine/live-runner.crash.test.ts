import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/load.ts';
import { instrumentsFor, openBars } from '../../src/engine/bar-sources.ts';
import { AlpacaRestClient } from '../../src/gateways/alpaca/alpaca-rest.client.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { LocalPaperMarket } from '../../src/venue/alpaca-local/local-paper-market.ts';
import { REPO_ROOT } from '../support/shared-data.ts';
import { until } from '../support/until.ts';

/*
 * A paper session in a child process (the real CLI, `node src/cli/main.ts run --mode paper`: one process, so
 * the SIGKILL hits the session itself, not a launcher), trading against the local
 * Alpaca in this process, is killed with SIGKILL mid-session. Whatever the venue received must be in the
 * session's events.jsonl: the write-ahead log puts each line on disk as it is appended and fsyncs an
 * order.submit before the order leaves.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

describe('paper session killed mid-run (SIGKILL)', () => {
  it('loses no order: every order the venue received is in the event log, as a whole line', async () => {
    const yaml = (urls: { trading: string; stream: string; data: string }) =>
      [
        'name: crash',
        'seed: 3',
        'instruments:',
        '  defaults: { venue: ALPACA, tickSize: "0.01", lotSize: "1", currency: USD }',
        'data: { kind: synthetic, symbols: [AAA], start: "2024-03-05", sessions: 2, volatility: 0.8 }',
        'strategy: { type: sma-crossover, params: { fast: 2, slow: 3, qty: 1 } }',
        'portfolio: { cash: 100000 }',
        'live:',
        '  venue: alpaca',
        `  alpaca: { tradingUrl: "${urls.trading}", tradingStreamUrl: "${urls.stream}", dataUrl: "${urls.data}" }`,
        ''
      ].join('\n');
    // the market: the config's own history, replayed by the local venue in this process
    const probe = parseRunConfig(
      yaml({ trading: 'http://x', stream: 'ws://x', data: 'ws://x' }),
      'crash.yaml'
    );
    const instruments = instrumentsFor(probe);
    const { source } = await openBars(probe, instruments, probe.seed);
    const market = new LocalPaperMarket({
      instruments,
      clock: new LiveClock(),
      bars: source,
      intervalMs: 3,
      seed: 9
    });
    await market.start();
    const replay = market.run();
    cleanup.push(async () => {
      await market.stop();
      await replay;
    });
    const ep = market.endpoints;
    const dir = mkdtempSync(join(tmpdir(), 'tradestate-crash-'));
    writeFileSync(
      join(dir, 'crash.yaml'),
      yaml({ trading: ep.tradingUrl, stream: ep.tradingStreamUrl, data: ep.dataUrl })
    );
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'src', 'cli', 'main.ts'),
        'run',
        '--mode',
        'paper',
        '--config',
        join(dir, 'crash.yaml'),
        '--out',
        join(dir, 'out')
      ],
      {
        env: { ...process.env, APCA_API_KEY_ID: ep.keyId, APCA_API_SECRET_KEY: ep.secretKey },
        stdio: 'ignore'
      }
    );
    cleanup.push(async () => {
      child.kill('SIGKILL');
      await exited(child);
    });
    const rest = new AlpacaRestClient({ baseUrl: ep.tradingUrl, keyId: ep.keyId, secretKey: ep.secretKey });
    cleanup.push(() => rest.close());
    let atVenue: string[] = [];
    const poll = setInterval(() => {
      rest.listOrders({ status: 'all', limit: 500 }).then(
        (os) => {
          atVenue = os.map((o) => o.client_order_id);
        },
        () => {}
      );
    }, 20);
    try {
      await until(() => atVenue.length >= 6, 20_000, 'the session to send a few orders');
    } finally {
      clearInterval(poll);
    }
    child.kill('SIGKILL');
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
    const sent = (await rest.listOrders({ status: 'all', limit: 500 })).map((o) => o.client_order_id);
    expect(sent.length).toBeGreaterThanOrEqual(6);

    const text = readFileSync(join(dir, 'out', 'events.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true); // no torn last line
    const recs = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; type: string; ids: { clientOrderId?: string } });
    expect(recs.map((r) => r.seq)).toEqual(recs.map((_, i) => i + 1));
    expect(recs.some((r) => r.type === 'run.completed')).toBe(false); // it really died mid-run
    const logged = new Set(recs.filter((r) => r.type === 'order.submit').map((r) => r.ids.clientOrderId));
    expect(sent.filter((id) => !logged.has(id))).toEqual([]);
  }, 40_000);
});
