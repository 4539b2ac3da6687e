import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { ErrorCode, isTradestateError } from '../../src/core/errors.ts';
import {
  killSwitchConfigSchema,
  RISK_VALIDATORS,
  riskEngineConfigSchema,
  supervisionPolicySchema
} from '../../src/risk/risk-config.ts';

function configError(schema: Parameters<typeof validateConfig>[0], value: unknown): string {
  try {
    validateConfig(schema, value, 'config/run.yaml', 'risk');
  } catch (e) {
    expect(isTradestateError(e, ErrorCode.CONFIG_INVALID)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a config error');
}

describe('riskEngineConfigSchema', () => {
  it('accepts the backward-compatible shape of config/backtest.yaml', () => {
    const c = riskEngineConfigSchema.parse({ maxOrderQty: 10_000, maxPosition: 50_000 });
    expect(c.maxPosition).toEqual({ perSymbol: 50_000 });
    expect(c.order).toEqual([...RISK_VALIDATORS]);
    expect([c.maxNotional, c.priceBandBps, c.throttle, c.whenNoMid, c.warnAt]).toEqual([
      undefined,
      undefined,
      undefined,
      'reject',
      0.9
    ]);
  });

  it('accepts the full shape', () => {
    const c = riskEngineConfigSchema.parse({
      order: [
        'maxOrderQty',
        'maxNotional',
        'maxPosition',
        'priceBand',
        'selfTrade',
        'throttle',
        'tradingState'
      ],
      maxOrderQty: 10_000,
      maxNotional: 1e6,
      maxPosition: { perSymbol: 50_000, total: 200_000 },
      priceBandBps: 500,
      throttle: { perSymbolPerSec: 10, perStrategyPerSec: 50, burst: 20 }
    });
    expect(c.order.at(-1)).toBe('tradingState');
    expect(c.maxPosition).toEqual({ perSymbol: 50_000, total: 200_000 });
  });

  it('names the file and key path of a bad value', () => {
    expect(configError(riskEngineConfigSchema, { throttle: { perSymbolPerSec: 10, burst: -1 } })).toMatch(
      /^config\/run\.yaml: risk\.throttle\.burst: /
    );
    expect(configError(riskEngineConfigSchema, { order: ['maxOrderQty', 'maxOrderQty'] })).toMatch(
      /risk\.order: validators must not repeat/
    );
    expect(configError(riskEngineConfigSchema, { order: ['nope'] })).toMatch(/risk\.order\.0/);
    expect(configError(riskEngineConfigSchema, { maxOrderQty: 1, typo: 1 })).toMatch(/typo/);
    expect(configError(riskEngineConfigSchema, { throttle: { burst: 3 } })).toMatch(/perSymbolPerSec/);
  });
});

describe('killSwitchConfigSchema and supervisionPolicySchema', () => {
  it('parse with defaults and refuse nonsense', () => {
    expect(killSwitchConfigSchema.parse({}).onTrip).toEqual({});
    expect(supervisionPolicySchema.parse({})).toEqual({
      strategy: 'one_for_one',
      intensity: 3,
      periodMs: 5_000,
      backoff: { minMs: 100, maxMs: 10_000, factor: 2 }
    });
    expect(configError(supervisionPolicySchema, { backoff: { minMs: 500, maxMs: 100 } })).toMatch(
      /risk\.backoff: backoff\.maxMs/
    );
    expect(configError(killSwitchConfigSchema, { rejects: { max: 3 } })).toMatch(/risk\.rejects\.windowMs/);
  });
});
