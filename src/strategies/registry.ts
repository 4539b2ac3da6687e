import { validateConfig } from '../config/load.ts';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { MarketMakerStrategy, marketMakerParamsSchema } from './market-maker.strategy.ts';
import { MeanReversionStrategy, meanReversionParamsSchema } from './mean-reversion.strategy.ts';
import { MlLogisticStrategy, mlLogisticParamsSchema } from './ml-logistic.strategy.ts';
import { MomentumStrategy, momentumParamsSchema } from './momentum.strategy.ts';
import { PairsStrategy, pairsParamsSchema } from './pairs.strategy.ts';
import { createFromPlugin, loadStrategyPlugin, pluginId } from './plugin.ts';
import { SmaCrossoverStrategy, smaCrossoverParamsSchema } from './sma-crossover.strategy.ts';
import type { Strategy } from './strategy.ts';

type Factory = (id: string, params: unknown, file: string) => Strategy;

/** By type name; a Map, so that names of Object.prototype members (`toString`, `__proto__`) are unknown types. */
const factories = new Map<string, Factory>([
  [
    'sma-crossover',
    (id, params, file) =>
      new SmaCrossoverStrategy(id, validateConfig(smaCrossoverParamsSchema, params, file, 'strategy.params'))
  ],
  [
    'momentum',
    (id, params, file) =>
      new MomentumStrategy(id, validateConfig(momentumParamsSchema, params, file, 'strategy.params'))
  ],
  [
    'mean-reversion',
    (id, params, file) =>
      new MeanReversionStrategy(
        id,
        validateConfig(meanReversionParamsSchema, params, file, 'strategy.params')
      )
  ],
  [
    'pairs',
    (id, params, file) =>
      new PairsStrategy(id, validateConfig(pairsParamsSchema, params, file, 'strategy.params'))
  ],
  [
    'ml-logistic',
    (id, params, file) =>
      new MlLogisticStrategy(id, validateConfig(mlLogisticParamsSchema, params, file, 'strategy.params'))
  ],
  [
    'market-maker',
    (id, params, file) =>
      new MarketMakerStrategy(id, validateConfig(marketMakerParamsSchema, params, file, 'strategy.params'))
  ]
]);

/** Strategy types that `strategy.type` may name. */
export function strategyTypes(): string[] {
  return [...factories.keys()];
}

/** Register a strategy type (plugins). */
export function registerStrategy(type: string, factory: Factory): void {
  factories.set(type, factory);
}

/**
 * Build the configured strategy: a built-in (or registered) `type`, or the default export of `module`
 * ({@link loadStrategyPlugin}, {@link createFromPlugin}). Unknown types, bad params, a module's id that its file
 * name cannot give ({@link pluginId}), and a module whose `create` throws or returns no strategy are
 * `TRD_ERR_CONFIG_INVALID` naming the key path.
 */
export function createStrategy(cfg: RunConfig['strategy'], file: string): Strategy {
  if (cfg.module !== undefined) {
    const plugin = loadStrategyPlugin(cfg.module, file);
    const params = plugin.params
      ? validateConfig(plugin.params, cfg.params, file, 'strategy.params')
      : cfg.params;
    return createFromPlugin(plugin, cfg.id ?? pluginId(cfg.module, file), params, cfg.module, file);
  }
  const type = cfg.type ?? '';
  const f = factories.get(type);
  if (!f) {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      `${file}: strategy.type: expected one of ${strategyTypes().join(', ')}, got "${type}"`,
      { file, path: 'strategy.type' }
    );
  }
  return f(cfg.id ?? type, cfg.params, file);
}
