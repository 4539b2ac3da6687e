import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyParams,
  gridOf,
  gridSize,
  MAX_SWEEP_POINTS,
  type ParamAxis,
  parseParamSpec,
  parseParamSpecs
} from '../../src/sweep/param-grid.ts';
import { caught } from '../support/caught.ts';

/** The raw (pre-default) config object that points are written into. */
function rawConfig(): Record<string, unknown> {
  return {
    name: 'grid',
    seed: 7,
    data: { kind: 'synthetic', symbols: ['AAA', 'BBB'], start: '2024-03-04', sessions: 1 },
    strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 10 } },
    execution: { slippage: { bps: 2 } }
  };
}

describe('parseParamSpec', () => {
  it('parses lists of numbers, booleans and strings', () => {
    expect(parseParamSpec('strategy.params.fast=5,10,20')).toEqual({
      path: 'strategy.params.fast',
      values: [5, 10, 20]
    });
    expect(parseParamSpec('strategy.params.allowShort=true,false').values).toEqual([true, false]);
    expect(parseParamSpec('execution.slippage.bps=0.5, 1e1 ,-2').values).toEqual([0.5, 10, -2]);
    expect(parseParamSpec('name=a,b-c').values).toEqual(['a', 'b-c']);
    // two colon-separated parts are not a range: a list of strings
    expect(parseParamSpec('data.sessionOpenUtc=14:30,15:00').values).toEqual(['14:30', '15:00']);
    expect(parseParamSpec('data.sessionOpenUtc=14:30').values).toEqual(['14:30']);
    expect(parseParamSpec('data.symbols.0=AAA').path).toBe('data.symbols.0');
  });

  it('parses inclusive ranges, exact in decimals and either direction', () => {
    expect(parseParamSpec('strategy.params.slow=50:100:25').values).toEqual([50, 75, 100]);
    expect(parseParamSpec('strategy.params.slow=50:90:25').values).toEqual([50, 75]);
    expect(parseParamSpec('execution.slippage.bps=0.1:0.5:0.1').values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(parseParamSpec('x.y=3:1:-1').values).toEqual([3, 2, 1]);
    expect(parseParamSpec('x.y=4:4:1').values).toEqual([4]);
  });

  it('refuses malformed specs with TRD_ERR_CLI_USAGE', () => {
    for (const spec of [
      'strategy.params.fast',
      '=1,2',
      'strategy..fast=1',
      '0.a=1',
      'a.b c=1',
      'a.__proto__.x=1',
      'a.b=',
      'a.b=1,,2',
      'a.b=1,2,1',
      'a.b=1:5:0',
      'a.b=5:1:1',
      'a.b=1:5:-1'
    ]) {
      expect(caught(() => parseParamSpec(spec)).code, spec).toBe('TRD_ERR_CLI_USAGE');
    }
    expect(caught(() => parseParamSpecs(['a.b=1', 'a.b=2'])).code).toBe('TRD_ERR_CLI_USAGE');
    expect(caught(() => parseParamSpecs(['a.b=1', 'a.b.c=2'])).code).toBe('TRD_ERR_CLI_USAGE');
  });

  it('refuses a range or a grid over the point limit with TRD_ERR_SWEEP_INVALID', () => {
    expect(caught(() => parseParamSpec('a.b=1:10001:1')).code).toBe('TRD_ERR_SWEEP_INVALID');
    expect(parseParamSpec('a.b=1:10000:1').values).toHaveLength(MAX_SWEEP_POINTS);
    const axes = parseParamSpecs(['a.b=1:101:1', 'a.c=1:100:1']);
    expect(gridSize(axes)).toBe(10_100);
    expect(caught(() => gridOf(axes)).code).toBe('TRD_ERR_SWEEP_INVALID');
    expect(gridOf(parseParamSpecs(['a.b=1:100:1', 'a.c=1:100:1']))).toHaveLength(MAX_SWEEP_POINTS);
  });
});

describe('gridOf', () => {
  it('is the cartesian product with the first axis slowest', () => {
    const axes = parseParamSpecs(['s.fast=5,10', 's.slow=50,100', 's.short=true,false']);
    expect(gridOf(axes).map((p) => Object.values(p).join('/'))).toEqual([
      '5/50/true',
      '5/50/false',
      '5/100/true',
      '5/100/false',
      '10/50/true',
      '10/50/false',
      '10/100/true',
      '10/100/false'
    ]);
    expect(Object.keys(gridOf(axes)[0]!)).toEqual(['s.fast', 's.slow', 's.short']);
    expect(gridOf([])).toEqual([{}]);
  });

  it('property: size is the product of the axis lengths and every point is distinct', () => {
    const axis = (k: number) =>
      fc
        .uniqueArray(
          fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.string({ maxLength: 4 })),
          {
            minLength: 1,
            maxLength: 5
          }
        )
        .map((values): ParamAxis => ({ path: `p.a${k}`, values }));
    const axesArb = fc
      .integer({ min: 0, max: 4 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => axis(k))));
    fc.assert(
      fc.property(axesArb, (axes) => {
        const grid = gridOf(axes);
        expect(grid).toHaveLength(axes.reduce((n, a) => n * a.values.length, 1));
        const keys = grid.map((p) => JSON.stringify(axes.map((a) => p[a.path])));
        expect(new Set(keys).size).toBe(grid.length);
        for (const p of grid) for (const a of axes) expect(a.values).toContain(p[a.path]);
      })
    );
  });
});

describe('applyParams', () => {
  it('sets nested paths on a copy and validates, defaults applied', () => {
    const raw = rawConfig();
    const before = JSON.stringify(raw);
    const cfg = applyParams(
      raw,
      {
        'strategy.params.fast': 3,
        'execution.slippage.bps': 7,
        'execution.commission.bps': 0.5,
        'risk.maxPosition.perSymbol': 500,
        'data.sessions': 2
      },
      'grid.yaml'
    );
    expect(cfg.strategy.params).toEqual({ fast: 3, slow: 20, qty: 10 });
    expect(cfg.execution.slippage.bps).toBe(7);
    expect(cfg.execution.commission).toEqual({ bps: 0.5, minimum: 0 });
    expect(cfg.risk.maxPosition).toEqual({ perSymbol: 500 });
    expect(cfg.data).toMatchObject({ kind: 'synthetic', sessions: 2, sessionOpenUtc: '14:30' });
    expect(cfg.portfolio.cash).toBe(1_000_000);
    expect(JSON.stringify(raw)).toBe(before); // the base is untouched
  });

  it('an unknown path is TRD_ERR_CONFIG_INVALID naming the whole path', () => {
    for (const path of [
      'execution.slipage.bps',
      'execution.slippage.bsp',
      'bogus',
      'seed.x',
      'data.files.0.path',
      'strategy.params.fats',
      'strategy.params.fast.x'
    ]) {
      const e = caught(() => applyParams(rawConfig(), { [path]: 1 }, 'grid.yaml'));
      expect([e.code, e.context['path']], path).toEqual(['TRD_ERR_CONFIG_INVALID', path]);
      expect(e.message, path).toContain(`grid.yaml: ${path}:`);
    }
  });

  it('an invalid value is TRD_ERR_CONFIG_INVALID naming the path', () => {
    for (const [path, v] of [
      ['execution.slippage.bps', -1],
      ['execution.slippage.bps', 'two'],
      ['data.sessions', 0],
      ['strategy.params.fast', -3],
      ['strategy.params.qty', true]
    ] as const) {
      const e = caught(() => applyParams(rawConfig(), { [path]: v }, 'grid.yaml'));
      expect([e.code, e.context['path']], `${path}=${v}`).toEqual(['TRD_ERR_CONFIG_INVALID', path]);
    }
    // the strategy's own rule: fast must be shorter than slow
    const e = caught(() => applyParams(rawConfig(), { 'strategy.params.fast': 20 }, 'grid.yaml'));
    expect([e.code, e.context['path']]).toEqual(['TRD_ERR_CONFIG_INVALID', 'strategy.params.fast']);
  });
});
