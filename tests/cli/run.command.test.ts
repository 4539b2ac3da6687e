import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { REPO_ROOT } from '../support/shared-data.ts';
import { until } from '../support/until.ts';

/** The files a completed backtest leaves, as an earlier run of the same id wrote them. */
const EARLIER = ['summary.json', 'trades.csv', 'report.html', 'snapshot.json', 'events.jsonl'];
/** Its events.jsonl: a run's log begins with run.started (what tells a run's folder from any other). */
const EARLIER_LOG = '{"seq":1,"ts":"0","type":"run.started","component":"engine","ids":{},"payload":{}}\n';

/** A YAML config in a new directory; returns its path. */
function configFile(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-run-cfg-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const path = join(dir, 'run.yaml');
  writeFileSync(path, yaml);
  return path;
}

const SYNTHETIC = (sessions: number) =>
  [
    'instruments:',
    '  defaults: { venue: SIM, tickSize: "0.01", lotSize: "1", currency: USD }',
    `data: { kind: synthetic, symbols: [ALPHA, BRAVO, CHARLIE], start: "2024-01-02", sessions: ${sessions} }`
  ].join('\n');

/**
 * `tradestate run ARGS --out OUT` through the bin, in a folder holding an earlier run's outputs; sends `signal` once
 * the run has started and resolves with its exit code, stderr and what the folder holds then.
 */
async function interrupted(signal: NodeJS.Signals, ...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'ts-run-stop-'));
  for (const f of EARLIER)
    writeFileSync(join(out, f), f === 'events.jsonl' ? EARLIER_LOG : 'an earlier run\n');
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'tradestate.js'), 'run', ...args, '--out', out],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => void (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, sig) => r({ code, signal: sig }))
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  try {
    // the run has started once its log replaced the earlier one's
    await until(
      () => readFileSync(join(out, 'events.jsonl'), 'utf8') !== EARLIER_LOG,
      20_000,
      'the run to start'
    );
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    const end = await exited;
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { seq: number; type: string; payload: Record<string, unknown> });
    return { ...end, stdout, stderr, files: readdirSync(out).sort(), events };
  } finally {
    clearTimeout(killer);
  }
}

describe('tradestate run (backtest)', () => {
  it('Ctrl-C (SIGINT) stops a paced backtest where it is: one line, exit 130, the log flushed and ending with run.stopped, no earlier run’s outputs left', async () => {
    const r = await interrupted('SIGINT', '--speed', '60');
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(
      /^tradestate: backtest stopped by SIGINT at 2024-01-02T\d\d:\d\d:00Z after [\d,]+ bars, [\d,]+ orders, [\d,]+ fills; its log up to there is .*events\.jsonl \(no summary or report for an unfinished run\)\n$/
    );
    expect(r.stdout).toBe('');
    expect(r.files).toEqual(['events.jsonl']);
    expect(r.events[0]!.type).toBe('run.started');
    expect(r.events.map((x) => x.seq)).toEqual(r.events.map((_, i) => i + 1));
    const bars = r.events.filter((x) => x.type === 'market.bar').length;
    expect(r.events.at(-1)).toMatchObject({ type: 'run.stopped', payload: { reason: 'SIGINT', bars } });
  }, 60_000);

  it('SIGTERM stops a fast backtest too: exit 143', async () => {
    const cfg = configFile(
      [
        'name: long',
        SYNTHETIC(200),
        'strategy: { type: sma-crossover, params: { fast: 10, slow: 50, qty: 100 } }'
      ].join('\n')
    );
    const r = await interrupted('SIGTERM', '--config', cfg);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/^tradestate: backtest stopped by SIGTERM at .* after [\d,]+ bars, /);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.files).toEqual(['events.jsonl']);
    expect(r.events.at(-1)).toMatchObject({ type: 'run.stopped', payload: { reason: 'SIGTERM' } });
    // stopped well before the end of its 200 sessions
    expect(r.events.at(-1)!.payload.bars as number).toBeLessThan(200 * 390 * 3);
  }, 60_000);

  it('warns at the end of a run when the kill switch tripped, with the intents discarded after it', async () => {
    const cfg = configFile(
      [
        'name: halted',
        SYNTHETIC(3),
        'strategy: { type: sma-crossover, params: { fast: 5, slow: 20, qty: 100 } }',
        'killSwitch: { maxLoss: 100, staleDataMs: 300000 }'
      ].join('\n')
    );
    const listeners = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const before = listeners();
    const r = await cli('run', '--config', cfg, '--out', mkdtempSync(join(tmpdir(), 'ts-run-ks-')));
    expect(r.code, r.err).toBe(0);
    expect(listeners()).toEqual(before); // the run's Ctrl-C handlers are gone with it
    const failed = await cli('run', '--config', cfg, '--from', '2030-01-01', '--to', '2029-01-01');
    expect(failed.code).toBe(2);
    expect(listeners()).toEqual(before);
    const warnings = r.err.split('\n').filter((l) => l !== '');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: kill switch tripped at 2024-01-0\dT\d\d:\d\d:00Z \(loss: P&L -\d+ at or below −10000000000 \(1e-8 units\)\); [\d,]+ intents discarded after it \(see events\.jsonl killswitch\.\*\)$/
    );
    // staleDataMs (a live feed check) did not halt the backtest before its first bar
    expect(warnings[0]).not.toMatch(/staleData/);
  });

  it('warns at the end of a run when its strategy failed and was restarted', async () => {
    // fails on every 300th bar it is shown, and buys 1 lot every 50th
    const cfg = configFile(
      [
        'name: crashy',
        SYNTHETIC(3),
        'strategy: { module: crashy.strategy.ts }',
        'supervision: { intensity: 3, periodMs: 5000, backoff: { minMs: 100, maxMs: 1000, factor: 2 } }'
      ].join('\n'),
      {
        'crashy.strategy.ts': `export default {
  create(id: string) {
    let n = 0;
    return {
      id,
      onBar(bar: { instrumentId: string }) {
        n++;
        if (n % 300 === 0) throw new Error(\`boom at bar \${n}\`);
        return n % 50 === 0
          ? [{ instrumentId: bar.instrumentId, side: 'buy', qty: 1, orderType: 'market', tif: 'day', reason: 'x' }]
          : [];
      },
      snapshot: () => ({ n })
    };
  }
};
`
      }
    );
    const out = mkdtempSync(join(tmpdir(), 'ts-run-crashy-'));
    const r = await cli('run', '--config', cfg, '--out', out);
    expect(r.code, r.err).toBe(0);
    const failed = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"supervisor.child_failed"')).length;
    expect(failed).toBeGreaterThan(1);
    expect(r.err).toBe(
      `warning: strategy crashy failed ${failed} times and was restarted; first: Error: boom at bar 300 (see events.jsonl supervisor.child_failed)\n`
    );
  });
});
