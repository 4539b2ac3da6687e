import { describe, expect, it } from 'vitest';
import { createStrategy, registerStrategy, strategyTypes } from '../../src/strategies/registry.ts';
import { SmaCrossoverStrategy } from '../../src/strategies/sma-crossover.strategy.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';

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

  it('registerStrategy adds a type but never replaces one: a built-in or a registered type is refused', () => {
    const made: string[] = [];
    const factory = (id: string): Strategy => {
      made.push(id);
      return { id, onBar: () => [], snapshot: () => ({}) };
    };
    // replacing sma-crossover silently changed what every config naming it ran
    expect(() => registerStrategy('sma-crossover', factory)).toThrow(
      expect.objectContaining({
        code: 'TRD_ERR_CONFIG_INVALID',
        message: expect.stringMatching(/"sma-crossover" is already registered \(a built-in\)/)
      })
    );
    expect(createStrategy({ type: 'sma-crossover', params: {} }, 'run.yaml')).toBeInstanceOf(
      SmaCrossoverStrategy
    );
    registerStrategy('registry-test-type', factory);
    expect(strategyTypes()).toContain('registry-test-type');
    expect(createStrategy({ type: 'registry-test-type', params: {} }, 'run.yaml').id).toBe(
      'registry-test-type'
    );
    expect(() => registerStrategy('registry-test-type', factory)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_CONFIG_INVALID', context: { type: 'registry-test-type' } })
    );
    expect(made).toEqual(['registry-test-type']);
  });
});
