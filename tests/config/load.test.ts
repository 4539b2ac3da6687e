import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/cli/run.command.ts';
import { loadRunConfig, parseRunConfig } from '../../src/config/load.ts';
import { analyticsOf } from '../../src/config/schema.ts';
import { isTradestateError, type TradestateError } from '../../src/core/errors.ts';
import { instrumentsFor } from '../../src/engine/bar-sources.ts';
import { createStrategy } from '../../src/strategies/registry.ts';

function errorOf(f: () => unknown): TradestateError {
  try {
    f();
  } catch (e) {
    if (isTradestateError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('config loading', () => {
  it('loads the embedded default', () => {
    const cfg = loadRunConfig(DEFAULT_CONFIG);
    expect(cfg.strategy).toEqual({ type: 'sma-crossover', params: { fast: 10, slow: 50, qty: 100 } });
    expect(cfg.data.kind).toBe('synthetic');
  });

  it('names the file, the key path and what was expected', () => {
    const e = errorOf(() =>
      parseRunConfig(
        'data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: -3 }\nstrategy: { type: x }',
        'cfg/bad.yaml'
      )
    );
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/^cfg\/bad\.yaml: data\.sessions: .*got -3$/);
    expect(e.context).toMatchObject({ file: 'cfg/bad.yaml', path: 'data.sessions' });
  });

  it('keeps the kill switch in pre-trade risk: a risk.order without tradingState is refused', () => {
    const base =
      'data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: 3 }\nstrategy: { type: x }\n';
    const e = errorOf(() => parseRunConfig(`${base}risk: { order: [maxOrderQty, maxPosition] }`, 'c.yaml'));
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/^c\.yaml: risk\.order: must include tradingState/);
    expect(
      parseRunConfig(`${base}risk: { order: [maxPosition, tradingState] }`, 'c.yaml').risk.order
    ).toEqual(['maxPosition', 'tradingState']);
  });

  it('rejects unknown keys (typos do not pass silently)', () => {
    const e = errorOf(() =>
      parseRunConfig(
        'data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: 3 }\nstrategy: { type: x }\nportfolo: {}',
        'c.yaml'
      )
    );
    expect(e.message).toMatch(/portfolo/);
  });

  it('analytics: a benchmark symbol or equal-weight or none, a risk-free rate; left out, the defaults', () => {
    const base =
      'data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: 3 }\nstrategy: { type: x }\n';
    const cfg = parseRunConfig(`${base}analytics: { benchmark: { symbol: A }, riskFree: 0.03 }`, 'c.yaml');
    expect(cfg.analytics).toEqual({ benchmark: { symbol: 'A' }, riskFree: 0.03 });
    const plain = parseRunConfig(base, 'c.yaml');
    expect(plain.analytics).toBeUndefined();
    expect(analyticsOf(plain)).toEqual({ benchmark: 'equal-weight', riskFree: 0 });
    expect(parseRunConfig(`${base}analytics: { benchmark: none }`, 'c.yaml').analytics?.benchmark).toBe(
      'none'
    );
    const e = errorOf(() => parseRunConfig(`${base}analytics: { benchmark: SPY }`, 'c.yaml'));
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.context).toMatchObject({ path: 'analytics.benchmark' });
  });

  it('reports YAML syntax errors with line and column', () => {
    const e = errorOf(() => parseRunConfig('a: [1, 2\nb: 3', 'c.yaml'));
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/c\.yaml: not valid YAML \(line \d+, column \d+\)/);
  });

  it('a missing file is TRD_ERR_CONFIG_NOT_FOUND', () => {
    expect(errorOf(() => loadRunConfig('/nonexistent/x.yaml')).code).toBe('TRD_ERR_CONFIG_NOT_FOUND');
  });

  it('strategy params are validated with their key path', () => {
    const e = errorOf(() =>
      createStrategy({ type: 'sma-crossover', params: { fast: 60, slow: 50 } }, 'c.yaml')
    );
    expect(e.message).toMatch(/^c\.yaml: strategy\.params\.fast: fast must be shorter than slow/);
    const u = errorOf(() => createStrategy({ type: 'nope', params: {} }, 'c.yaml'));
    expect(u.message).toMatch(
      /strategy\.type: expected one of sma-crossover, momentum, mean-reversion, pairs, ml-logistic, market-maker, got "nope"/
    );
  });

  it('resolves data paths relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-cfg-'));
    const f = join(dir, 'x.yaml');
    writeFileSync(
      f,
      'data: { kind: yahoo-csv, files: [{ symbol: ORCL, path: data/orcl.txt }] }\nstrategy: { type: sma-crossover }\n'
    );
    const cfg = loadRunConfig(f);
    expect(cfg.data.kind === 'yahoo-csv' && cfg.data.files[0]?.path).toBe(join(dir, 'data/orcl.txt'));
  });

  /** A minimal run config to append `live:` settings to. */
  const base =
    'data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: 3 }\nstrategy: { type: x }\n';

  it('live.fix: the dictionary and TLS files resolve against the config file; a cert needs its key', () => {
    const cfg = parseRunConfig(
      `${base}live: { venue: fix, fix: { dictionary: FIX42.xml, tls: { caFile: tls/ca.pem, certFile: /abs/me.pem, keyFile: me.key, servername: fix.example } } }`,
      '/etc/ts/paper.yaml'
    );
    expect(cfg.live.fix.dictionary).toBe('/etc/ts/FIX42.xml');
    expect(cfg.live.fix.tls).toEqual({
      caFile: '/etc/ts/tls/ca.pem',
      certFile: '/abs/me.pem',
      keyFile: '/etc/ts/me.key',
      servername: 'fix.example'
    });
    expect(parseRunConfig(`${base}live: { venue: fix }`, 'c.yaml').live.fix.tls).toBeUndefined();
    const e = errorOf(() => parseRunConfig(`${base}live: { fix: { tls: { certFile: me.pem } } }`, 'c.yaml'));
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/live\.fix\.tls.*certFile and keyFile go together/);
  });

  it('live.fix.depth: 1 by default; other depths only for FIX market data', () => {
    expect(parseRunConfig(`${base}live: { venue: fix }`, 'c.yaml').live.fix.depth).toBe(1);
    expect(
      parseRunConfig(`${base}live: { fix: { marketData: fix, depth: 0 } }`, 'c.yaml').live.fix.depth
    ).toBe(0);
    const e = errorOf(() => parseRunConfig(`${base}live: { fix: { depth: 10 } }`, 'c.yaml'));
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/live\.fix\.depth.*needs marketData: fix/);
    expect(
      errorOf(() => parseRunConfig(`${base}live: { fix: { marketData: fix, depth: -1 } }`, 'c.yaml')).code
    ).toBe('TRD_ERR_CONFIG_INVALID');
  });

  it('synthetic session times: HH:MM within a day, the open before the close', () => {
    const syn = (extra: string): string =>
      `data: { kind: synthetic, symbols: [A], start: "2024-01-02", sessions: 2, ${extra} }\nstrategy: { type: x }`;
    expect(
      parseRunConfig(syn('sessionOpenUtc: "00:00", sessionCloseUtc: "23:59"'), 'c.yaml').data
    ).toMatchObject({
      sessionOpenUtc: '00:00',
      sessionCloseUtc: '23:59'
    });
    for (const [extra, path] of [
      ['sessionOpenUtc: "14:75"', 'data.sessionOpenUtc'],
      ['sessionCloseUtc: "40:00"', 'data.sessionCloseUtc'],
      ['sessionCloseUtc: "24:00"', 'data.sessionCloseUtc'],
      ['sessionOpenUtc: "9:30"', 'data.sessionOpenUtc'],
      ['sessionOpenUtc: "21:00", sessionCloseUtc: "14:30"', 'data.sessionCloseUtc'],
      ['sessionOpenUtc: "14:30", sessionCloseUtc: "14:30"', 'data.sessionCloseUtc']
    ] as const) {
      const e = errorOf(() => parseRunConfig(syn(extra), 'c.yaml'));
      expect(e.code, extra).toBe('TRD_ERR_CONFIG_INVALID');
      expect(e.context['path'], extra).toBe(path);
    }
    expect(errorOf(() => parseRunConfig(syn('sessionOpenUtc: "21:00"'), 'c.yaml')).message).toMatch(
      /sessionOpenUtc must be before sessionCloseUtc/
    );
  });

  it('dates that do not exist are refused, not rolled over into the next month', () => {
    const e = errorOf(() =>
      parseRunConfig(
        'data: { kind: synthetic, symbols: [A], start: "2024-02-31", sessions: 1 }\nstrategy: { type: x }',
        'c.yaml'
      )
    );
    expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/data\.start: not a calendar date/);
    expect(
      parseRunConfig(
        'data: { kind: synthetic, symbols: [A], start: "2024-02-29", sessions: 1 }\nstrategy: { type: x }',
        'c.yaml'
      ).data
    ).toMatchObject({ start: '2024-02-29' });
    const lobster = errorOf(() =>
      parseRunConfig(
        'data: { kind: lobster, symbol: A, messages: m.csv, date: "2023-02-29" }\nstrategy: { type: x }',
        'c.yaml'
      )
    );
    expect([lobster.code, lobster.context['path']]).toEqual(['TRD_ERR_CONFIG_INVALID', 'data.date']);
  });

  it('timer delays beyond 2^31−1 ms are refused (a Node timer would fire after 1 ms instead)', () => {
    const max = 2_147_483_647;
    expect(parseRunConfig(`${base}live: { reconcileEveryMs: ${max} }`, 'c.yaml').live.reconcileEveryMs).toBe(
      max
    );
    for (const [live, path] of [
      ['reconcileEveryMs: 3000000000', 'live.reconcileEveryMs'],
      ['localBarIntervalMs: 3000000000', 'live.localBarIntervalMs'],
      ['fix: { logonTimeoutMs: 3000000000 }', 'live.fix.logonTimeoutMs']
    ] as const) {
      const e = errorOf(() => parseRunConfig(`${base}live: { ${live} }`, 'c.yaml'));
      expect([e.code, e.context['path']], live).toEqual(['TRD_ERR_CONFIG_INVALID', path]);
      expect(e.message, live).toMatch(
        /at most 2147483647 ms .*the longest a timer can wait, got 3000000000$/
      );
    }
    // the session length is waited in steps: a month is fine
    expect(parseRunConfig(`${base}live: { durationMs: 2592000000 }`, 'c.yaml').live.durationMs).toBe(
      2_592_000_000
    );
  });

  it('the metrics and dashboard servers cannot both be enabled on one port', () => {
    const same = 'metrics: { enabled: true, port: 9000 }, dashboard: { enabled: true, port: 9000 }';
    const e = errorOf(() => parseRunConfig(`${base}live: { ${same} }`, 'c.yaml'));
    expect([e.code, e.context['path']]).toEqual(['TRD_ERR_CONFIG_INVALID', 'live.dashboard.port']);
    expect(e.message).toMatch(/cannot share a port/);
    // one of them off, or both on any free port (0): fine
    for (const ok of [
      'metrics: { enabled: true, port: 9000 }, dashboard: { enabled: false, port: 9000 }',
      'metrics: { enabled: true, port: 0 }, dashboard: { enabled: true, port: 0 }',
      'metrics: { enabled: true, port: 9000 }, dashboard: { enabled: true, port: 9001 }'
    ]) {
      expect(() => parseRunConfig(`${base}live: { ${ok} }`, 'c.yaml'), ok).not.toThrow();
    }
  });

  it('a number YAML reads as infinite or NaN is said to be one, not "got null"', () => {
    for (const [yaml, path, got] of [
      ['portfolio: { cash: .inf }', 'portfolio.cash', '.inf'],
      ['portfolio: { cash: -.inf }', 'portfolio.cash', '-.inf'],
      ['seed: .nan', 'seed', '.nan'],
      ['instruments: { defaults: { tickSize: .inf } }', 'instruments.defaults.tickSize', '.inf']
    ] as const) {
      const e = errorOf(() => parseRunConfig(`${base}${yaml}`, 'c.yaml'));
      expect([e.code, e.context['path']], yaml).toEqual(['TRD_ERR_CONFIG_INVALID', path]);
      // zod's "expected number, received Infinity, got null" read as if the value were missing
      expect(e.message, yaml).toBe(`c.yaml: ${path}: expected a finite number, got ${got}`);
    }
    // other type errors keep zod's words and the value
    expect(errorOf(() => parseRunConfig(`${base}portfolio: { cash: lots }`, 'c.yaml')).message).toMatch(
      /portfolio\.cash: .*expected number.*, got "lots"$/
    );
  });

  it('a file of several YAML documents must hold one, and says so (it is valid YAML)', () => {
    for (const text of [`${base}---\nname: x\n`, `${base}---\n`]) {
      const e = errorOf(() => parseRunConfig(text, 'c.yaml'));
      expect(e.code).toBe('TRD_ERR_CONFIG_INVALID');
      expect(e.message).toBe(
        'c.yaml: must hold one YAML document, but another one starts at line 3, column 1'
      );
    }
    // a syntax error in the first document is still one
    expect(errorOf(() => parseRunConfig('a: [1, 2\n---\nb: 1\n', 'c.yaml')).message).toMatch(
      /^c\.yaml: not valid YAML \(line \d+, column \d+\)$/
    );
  });

  it('a symbol listed twice in the data is refused, naming the key path and the symbol', () => {
    const strategy = 'strategy: { type: x }\n';
    for (const [data, path] of [
      ['{ kind: synthetic, symbols: [A, B, A], start: "2024-01-02", sessions: 2 }', 'data.symbols.2'],
      ['{ kind: parquet, store: s, symbols: [ORCL, ORCL] }', 'data.symbols.1'],
      [
        '{ kind: yahoo-csv, files: [{ symbol: A, path: a.csv }, { symbol: A, path: b.csv }] }',
        'data.files.1.symbol'
      ],
      [
        '{ kind: csv, files: [{ symbol: A, path: a.csv }, { symbol: A, path: a.csv }] }',
        'data.files.1.symbol'
      ]
    ] as const) {
      const e = errorOf(() => parseRunConfig(`data: ${data}\n${strategy}`, 'c.yaml'));
      expect([e.code, e.context['path']], data).toEqual(['TRD_ERR_CONFIG_INVALID', path]);
      expect(e.message, data).toMatch(
        new RegExp(`^c\\.yaml: ${path.replaceAll('.', '\\.')}: symbol [A-Z]+ is listed twice`)
      );
    }
    expect(() =>
      parseRunConfig(
        'data: { kind: parquet, store: s, symbols: [ORCL, YHOO] }\nstrategy: { type: x }',
        'c.yaml'
      )
    ).not.toThrow();
  });

  it('analytics.benchmark: a symbol the data does not hold, or a word it does not know, is refused with the file', () => {
    const missing = errorOf(() =>
      parseRunConfig(`${base}analytics: { benchmark: { symbol: ZZZ } }`, 'c.yaml')
    );
    expect([missing.code, missing.context['path']]).toEqual([
      'TRD_ERR_CONFIG_INVALID',
      'analytics.benchmark.symbol'
    ]);
    expect(missing.message).toMatch(
      /^c\.yaml: analytics\.benchmark\.symbol: symbol ZZZ is not in the data \(A\)/
    );
    const word = errorOf(() => parseRunConfig(`${base}analytics: { benchmark: ZZZ }`, 'c.yaml'));
    expect(word.message).toMatch(
      /^c\.yaml: analytics\.benchmark: expected equal-weight, none or \{ symbol: SYMBOL \}/
    );
    for (const ok of ['{ symbol: A }', '{ symbol: A@SIM }', 'none', 'equal-weight']) {
      expect(() => parseRunConfig(`${base}analytics: { benchmark: ${ok} }`, 'c.yaml')).not.toThrow();
    }
  });

  it('instruments.overrides of a symbol the data does not hold is refused, naming the symbol', () => {
    const e = errorOf(() =>
      parseRunConfig(
        `${base}instruments: { overrides: { A: { lotSize: "10" }, AAPL: { tickSize: "0.05" } } }`,
        'c.yaml'
      )
    );
    expect([e.code, e.context['path']]).toEqual(['TRD_ERR_CONFIG_INVALID', 'instruments.overrides.AAPL']);
    expect(e.message).toMatch(/^c\.yaml: instruments\.overrides\.AAPL: symbol AAPL is not in the data \(A\)/);
    // overrides match the data's symbols exactly, as instruments are built
    expect(errorOf(() => parseRunConfig(`${base}instruments: { overrides: { a: {} } }`, 'c.yaml')).code).toBe(
      'TRD_ERR_CONFIG_INVALID'
    );
    for (const [data, symbol] of [
      ['{ kind: yahoo-csv, files: [{ symbol: ORCL, path: o.csv }] }', 'ORCL'],
      ['{ kind: lobster, symbol: AAPL, messages: m.csv }', 'AAPL'],
      ['{ kind: parquet, store: s, symbols: [BTCUSDT] }', 'BTCUSDT']
    ] as const) {
      const text = `data: ${data}\nstrategy: { type: x }\ninstruments: { overrides: { ${symbol}: { lotSize: "1" } } }`;
      expect(parseRunConfig(text, 'c.yaml').instruments.overrides[symbol], data).toEqual({ lotSize: '1' });
    }
  });

  it('an override sets only what it gives: the default venue stays (it was reset to SIM)', () => {
    const cfg = parseRunConfig(
      'data: { kind: synthetic, symbols: [A, B], start: "2024-01-02", sessions: 2 }\nstrategy: { type: x }\n' +
        'instruments: { defaults: { venue: NASDAQ }, overrides: { A: { lotSize: "10" }, B: { venue: ARCA } } }',
      'c.yaml'
    );
    expect(cfg.instruments.overrides).toEqual({ A: { lotSize: '10' }, B: { venue: 'ARCA' } });
    expect(instrumentsFor(cfg).map((i) => `${i.id} ${i.lotSize}`)).toEqual(['A@NASDAQ 10', 'B@ARCA 1']);
  });

  it('every shipped config still loads', () => {
    const dir = join(dirname(DEFAULT_CONFIG));
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(() => loadRunConfig(join(dir, f)), f).not.toThrow();
  });
});
