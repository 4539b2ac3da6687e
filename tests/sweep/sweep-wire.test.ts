import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runIdOf } from '../../src/engine/backtest.ts';
import { applyParams } from '../../src/sweep/param-grid.ts';
import type { SweepJob, SweepPointResult } from '../../src/sweep/sweep.worker.ts';
import {
  fromWire,
  jobEnvelopeSchema,
  readWire,
  resultMessageSchema,
  toWire
} from '../../src/sweep/sweep-wire.ts';

describe('sweep wire JSON', () => {
  it('round-trips bigints and non-finite numbers exactly, which plain JSON loses', () => {
    const v = {
      window: { from: 1_704_205_800_000_000_001n },
      sharpe: Number.NaN,
      calmar: Number.POSITIVE_INFINITY
    };
    expect(fromWire(toWire(v))).toEqual(v);
    expect(JSON.parse(JSON.stringify({ sharpe: Number.NaN }))).toEqual({ sharpe: null }); // what it avoids
  });

  it('round-trips arbitrary JSON-like values with bigints and doubles (property)', () => {
    const leaf = fc.oneof(fc.bigInt(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
    // keys that collide with the wire's tags come up often
    const key = fc.oneof(fc.constantFrom('$bigint', '$number', '$object'), fc.string());
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('v')),
        fc.dictionary(
          key.filter((k) => k !== '__proto__'),
          tie('v')
        )
      )
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        // -0 is the one double JSON does not keep (it comes back as 0); the sweep never sends it
        const norm = (x: unknown): unknown => (Object.is(x, -0) ? 0 : x);
        const deep = (x: unknown): unknown =>
          Array.isArray(x)
            ? x.map(deep)
            : x !== null && typeof x === 'object'
              ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, deep(y)]))
              : norm(x);
        expect(fromWire(toWire(v))).toEqual(deep(v));
      })
    );
  });

  it("a caller's object that looks like a tag comes back as it was sent, not as a bigint or a number", () => {
    const v = {
      a: { $bigint: '1' },
      b: { $number: 'NaN' },
      c: { $object: [['$bigint', '2']] },
      d: [{ $bigint: 3n }]
    };
    expect(fromWire(toWire(v))).toEqual(v);
  });

  it('leaves objects that only look like tags alone', () => {
    expect(fromWire('{"$bigint":"12x"}')).toEqual({ $bigint: '12x' });
    expect(fromWire('{"$number":"1"}')).toEqual({ $number: '1' });
    expect(fromWire('{"$bigint":"1","other":2}')).toEqual({ $bigint: '1', other: 2 });
  });
});

describe('sweep wire messages (zod)', () => {
  const raw = {
    seed: 7,
    data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-04', sessions: 1 },
    strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } }
  };
  const params = { 'strategy.params.fast': 3 };
  const job: SweepJob = {
    index: 2,
    config: applyParams(raw, params, 'wire.yaml'),
    configFile: 'wire.yaml',
    seed: 7,
    params,
    window: { from: 1_709_562_600_000_000_001n },
    data: [{ path: '/data/a.csv', sha256: 'ab'.repeat(32) }]
  };

  it('a job envelope reads back as it was sent, with the same run id', () => {
    const read = readWire(toWire({ sweep: 'm1-42-x', job }), jobEnvelopeSchema, 'sweep job');
    expect(read).toEqual({ sweep: 'm1-42-x', job });
    expect(toWire(read.job)).toBe(toWire(job));
    expect(runIdOf(read.job.config, read.job.seed, read.job.window)).toBe(
      runIdOf(job.config, job.seed, job.window)
    );
  });

  it('a malformed job envelope is TRD_ERR_MESSAGE_INVALID naming the field, not a raw error', () => {
    const { config: _, ...noConfig } = job;
    const cases: [string, string][] = [
      ['not json', ''],
      ['null', ''],
      [toWire({ sweep: 'm1', job: noConfig }), 'job.config'],
      [toWire({ sweep: 'm1', job: { ...job, config: { ...job.config, seed: -1 } } }), 'job.config.seed'],
      [toWire({ sweep: 'a b', job }), 'sweep'],
      [toWire({ sweep: 'm1', job: { ...job, extra: 1 } }), 'job'],
      [toWire({ sweep: 'm1', job: { ...job, window: { from: 5 } } }), 'job.window.from']
    ];
    for (const [text, path] of cases) {
      let err: unknown;
      try {
        readWire(text, jobEnvelopeSchema, 'sweep job');
      } catch (e) {
        err = e;
      }
      expect(err, text).toMatchObject({ code: 'TRD_ERR_MESSAGE_INVALID', context: { what: 'sweep job' } });
      if (path !== '') expect((err as { context: { path: string } }).context.path, text).toBe(path);
    }
  });

  it('a result message keeps non-finite and null metrics; a malformed one is TRD_ERR_MESSAGE_INVALID', () => {
    const result: SweepPointResult = {
      index: 2,
      runId: 'r',
      params,
      metrics: {
        totalReturn: 0,
        annualizedReturn: null,
        annualizedVolatility: 0,
        sharpe: Number.NaN,
        sortino: Number.POSITIVE_INFINITY,
        calmar: null,
        maxDrawdown: 0,
        alpha: null,
        beta: null,
        informationRatio: null,
        trades: 0,
        winRate: 0,
        endEquity: 1_000_000
      },
      counts: { bars: 1, orders: 0, fills: 0, rejected: 0, events: 3 }
    };
    const m = { worker: 'h:1#0', result };
    expect(readWire(toWire(m), resultMessageSchema, 'sweep result')).toEqual(m);
    const bad = [
      'null',
      toWire({ worker: 'h:1#0', result: null }),
      toWire({ worker: 'h:1#0', result: { ...result, index: -1 } }),
      toWire({ worker: 'h:1#0', result: { ...result, metrics: { ...result.metrics, sharpe: '1' } } }),
      toWire({ worker: 'h:1#0', result: { ...result, extra: true } }),
      toWire({ result })
    ];
    for (const text of bad) {
      expect(() => readWire(text, resultMessageSchema, 'sweep result'), text).toThrow(
        expect.objectContaining({ code: 'TRD_ERR_MESSAGE_INVALID' })
      );
    }
  });
});
