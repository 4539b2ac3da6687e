import { describe, expect, it } from 'vitest';
import { createStrategy, strategyTypes } from '../../src/strategies/registry.ts';
import { SmaCrossoverStrategy } from '../../src/strategies/sma-crossover.strategy.ts';

describe('createStrategy by type', () => {
  it('names of Object.prototype members are unknown types, not factories', () => {
    // `factories[type]` found toString, constructor, … on the prototype: toString built the string
    // "[object Undefined]" as the strategy, __proto__ an object
    for (const type of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
      expect(() => createStrategy({ type, params: {} }, 'run.yaml'), type).toThrow(
        expect.objectContaining({
          code: 'TRD_ERR_CONFIG_INVALID',
          message: expect.stringMatching(/strategy\.type: expected one of .*, got "/)
        })
      );
    }
    expect(strategyTypes()).not.toContain('toString');
    expect(createStrategy({ type: 'sma-crossover', params: {} }, 'run.yaml')).toBeInstanceOf(
      SmaCrossoverStrategy
    );
  });
});
